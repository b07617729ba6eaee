#include "health/topology.hpp"

#include <algorithm>
#include <utility>

namespace ikesteer::health {

std::uint32_t OrderInterner::intern(std::span<const std::uint16_t> order) {
  if (const auto it = index_.find(order); it != index_.end()) return it->second;
  const auto index = static_cast<std::uint32_t>(orders_.size());
  orders_.emplace_back(order.begin(), order.end());
  index_.emplace(orders_.back(), index);
  return index;
}

Topology::Topology() : offsets_{0, 0} {}

Result<Topology, std::string> Topology::build(std::vector<std::vector<std::uint16_t>> orders,
                                              std::vector<PrefixMap::Entry> entries,
                                              std::uint32_t default_order, std::size_t pool_count) {
  const std::string order_count = std::to_string(orders.size()) + " orders";
  if (default_order >= orders.size())
    return fail("the default order is order " + std::to_string(default_order) + ", and there are " +
                order_count);
  Topology t;
  t.offsets_.assign(1, 0);
  for (std::size_t i = 0; i < orders.size(); ++i) {
    const auto& order = orders[i];
    const std::string name = "order " + std::to_string(i);
    if (order.empty()) return fail(name + " names no pool");
    for (std::size_t j = 0; j < order.size(); ++j) {
      if (order[j] >= pool_count)
        return fail(name + " names pool " + std::to_string(order[j]) + ", and there are " +
                    std::to_string(pool_count) + " pools");
      if (std::find(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(j), order[j]) !=
          order.begin() + static_cast<std::ptrdiff_t>(j))
        return fail(name + " names pool " + std::to_string(order[j]) + " twice");
    }
    t.pools_.insert(t.pools_.end(), order.begin(), order.end());
    t.offsets_.push_back(static_cast<std::uint32_t>(t.pools_.size()));
  }
  for (const auto& e : entries)
    if (e.value >= orders.size())
      return fail("prefix " + e.prefix.to_string() + " maps to order " + std::to_string(e.value) +
                  ", and there are " + order_count);
  auto prefixes = PrefixMap::build(entries);
  if (!prefixes) {
    const auto& d = prefixes.error();
    return fail("prefix " +
                IpPrefix::of(entries[d.second].prefix.address, entries[d.second].prefix.length)
                    .to_string() +
                " is listed twice (entries " + std::to_string(d.first) + " and " +
                std::to_string(d.second) + ")");
  }
  t.prefixes_ = std::move(prefixes).value();
  t.default_order_ = default_order;
  return t;
}

std::span<const std::uint16_t> Topology::order(std::size_t index) const noexcept {
  return std::span(pools_).subspan(offsets_[index], offsets_[index + 1] - offsets_[index]);
}

Topology::Route Topology::route_of(const std::optional<PrefixMap::Match>& match) const noexcept {
  if (!match) return Route{order(default_order_), std::nullopt};
  return Route{order(match->value), match->prefix};
}

Topology::Route Topology::route(const IpAddress& client) const noexcept {
  return route_of(prefixes_.lookup(client));
}

Topology::Route Topology::route(const IpAddress& address, unsigned bits) const noexcept {
  const IpPrefix subnet = IpPrefix::of(address, bits);
  Route r = route_of(prefixes_.lookup(subnet));
  r.scope = prefixes_.uniform_length(subnet, r.matched ? r.matched->length : 0);
  return r;
}

}  // namespace ikesteer::health
