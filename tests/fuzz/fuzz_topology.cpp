// Fuzzes the topology file parser with a fixed pool list, then builds the Topology from what it
// parsed (which must succeed) and checks lookups against a naive longest-prefix match over the
// entries, for addresses derived from the input and for each entry's own first address.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/ip_prefix.hpp"
#include "health/topology.hpp"
#include "health/topology_file.hpp"

namespace {

using namespace ikesteer;
using namespace ikesteer::health;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

constexpr std::string_view kPools[] = {"eu", "us", "asia", "a", "b"};

std::optional<std::uint16_t> pool(std::string_view name) {
  for (std::uint16_t i = 0; i < std::size(kPools); ++i)
    if (kPools[i] == name) return i;
  return std::nullopt;
}

// The longest entry no longer than `max_length` containing `a`.
std::optional<PrefixMap::Entry> naive(std::span<const PrefixMap::Entry> entries, const IpAddress& a,
                                      unsigned max_length) {
  std::optional<PrefixMap::Entry> best;
  for (const auto& e : entries)
    if (e.prefix.length <= max_length && e.prefix.contains(a) &&
        (!best || e.prefix.length > best->prefix.length))
      best = e;
  return best;
}

void check_route(const Topology& t, std::span<const PrefixMap::Entry> entries,
                 const OrderInterner& orders, const IpAddress& a, unsigned bits) {
  const auto expect = [&](const Topology::Route& r, const std::optional<PrefixMap::Entry>& e) {
    const auto order = e ? e->value : t.default_order();
    const auto& want = orders.orders()[order];
    check(r.pools.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) check(r.pools[i] == want[i]);
    check(r.matched.has_value() == e.has_value());
    if (e) check(*r.matched == e->prefix);
  };
  expect(t.route(a), naive(entries, a, 128));
  const IpPrefix subnet = IpPrefix::of(a, bits);
  const auto covering = naive(entries, subnet.address, subnet.length);
  expect(t.route(a, bits), covering);
  if (covering) check(covering->prefix.length <= subnet.length);
}

IpAddress address_from(std::span<const std::uint8_t> data, std::size_t at) {
  std::byte b[16] = {};
  for (std::size_t i = 0; i < 16 && at + i < data.size(); ++i)
    b[i] = static_cast<std::byte>(data[at + i]);
  if (at % 2 == 0) return IpAddress::v4(std::span(b).first<4>());
  return IpAddress::v6(b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  OrderInterner orders;
  const std::uint16_t default_order[] = {0};
  check(orders.intern(default_order) == 0);
  const auto parsed = parse_topology_file(text, pool, orders, 5);
  if (!parsed) {
    check(!parsed.error().empty() && parsed.error().size() <= 5);
    for (std::size_t i = 0; i < parsed.error().size(); ++i) {
      check(parsed.error()[i].line >= 1 && !parsed.error()[i].message.empty());
      if (i > 0) check(parsed.error()[i - 1].line <= parsed.error()[i].line);
    }
    return 0;
  }
  const auto& entries = parsed->entries;
  check(parsed->lines.size() == entries.size());
  auto built = Topology::build(orders.orders(), entries, 0, std::size(kPools));
  check(built.has_value());
  const Topology& t = *built;
  check(t.prefixes().size() == entries.size());

  // Naive matching is quadratic: bound the work per input.
  const std::size_t checks = entries.size() > 2000 ? 4 : 64;
  const auto input = std::span(data, size);
  for (std::size_t i = 0; i < checks && i < entries.size(); ++i) {
    const auto& e = entries[(i * 7919) % entries.size()];
    check_route(t, entries, orders, e.prefix.address, e.prefix.length);
    check_route(t, entries, orders, e.prefix.address, static_cast<unsigned>(i % 129));
  }
  for (std::size_t at = 0; at < size && at < checks * 8; at += 8)
    check_route(t, entries, orders, address_from(input, at), data[at] % 129U);
  check_route(t, entries, orders, IpAddress{}, 0);
  return 0;
}
