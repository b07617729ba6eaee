// Topology: which pools, in which order, a client is steered to, by its network. Client
// prefixes (longest match wins) map to a pool order, an ordered list of pool indexes; clients
// no prefix matches take the default order.
//
// Built once from configuration (allocates), then read-only: route() neither allocates nor
// throws, and may run on several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "common/ip_prefix.hpp"
#include "common/prefix_map.hpp"
#include "common/result.hpp"

namespace ikesteer::health {

// Gives each distinct pool order one index, so that thousands of prefixes naming the same few
// orders share them. Inline configuration and topology files intern into the same one.
class OrderInterner {
 public:
  // The index of `order`, added if it is new. Finding an order already there does not
  // allocate.
  std::uint32_t intern(std::span<const std::uint16_t> order);

  std::size_t size() const noexcept { return orders_.size(); }
  const std::vector<std::vector<std::uint16_t>>& orders() const noexcept { return orders_; }

 private:
  struct Less {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
      return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
    }
  };
  std::vector<std::vector<std::uint16_t>> orders_;
  std::map<std::vector<std::uint16_t>, std::uint32_t, Less> index_;
};

class Topology {
 public:
  // Where a client goes. `pools` points into the Topology and lives as long as it does.
  struct Route {
    std::span<const std::uint16_t> pools;
    std::optional<IpPrefix> matched;  // the prefix that chose the order; empty: the default
    // route(address, bits) only: how far this route holds around the subnet (the ECS scope).
    unsigned scope = 0;
  };

  // Routes every client to no pool.
  Topology();

  // `orders`: pool orders, each naming one or more pools of [0, pool_count), none twice;
  // `entries`: client prefixes, each with an index into `orders` as its value;
  // `default_order`: the index of the order for clients no prefix matches.
  // Errors name the offending order or prefix ("prefix 192.0.2.0/24 maps to order 7, and
  // there are 3 orders").
  static Result<Topology, std::string> build(std::vector<std::vector<std::uint16_t>> orders,
                                             std::vector<PrefixMap::Entry> entries,
                                             std::uint32_t default_order, std::size_t pool_count);

  // The order of the longest prefix containing `client` (an IPv4-mapped IPv6 address counts
  // as its IPv4 address), else the default order.
  Route route(const IpAddress& client) const noexcept;
  // For EDNS Client Subnet (RFC 7871): the order of the longest prefix covering all of
  // `address`/`bits`, so that the answer holds for every client in it. A longer prefix inside
  // it does not count. `scope` is the shortest prefix length around the subnet over which the
  // same entry decides: matched->length (0 for the default) unless longer entries lie nearby.
  Route route(const IpAddress& address, unsigned bits) const noexcept;

  std::size_t order_count() const noexcept { return offsets_.size() - 1; }
  std::span<const std::uint16_t> order(std::size_t index) const noexcept;
  std::uint32_t default_order() const noexcept { return default_order_; }
  const PrefixMap& prefixes() const noexcept { return prefixes_; }

 private:
  Route route_of(const std::optional<PrefixMap::Match>& match) const noexcept;

  // Order i is pools_[offsets_[i], offsets_[i + 1]).
  std::vector<std::uint16_t> pools_;
  std::vector<std::uint32_t> offsets_;
  std::uint32_t default_order_ = 0;
  PrefixMap prefixes_;
};

}  // namespace ikesteer::health
