// Longest-prefix match over IPv4 and IPv6 prefixes, each mapped to a 32-bit value.
//
// Built once (allocates), then read-only: lookups neither allocate nor throw, and may run on
// several threads at once. The prefixes are swept into disjoint address ranges, each naming
// its innermost prefix, so a lookup is one binary search (for IPv4 within the 1/65536 of the
// ranges its top 16 bits select).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/ip_address.hpp"
#include "common/ip_prefix.hpp"
#include "common/result.hpp"

namespace ikesteer {

namespace detail {
__extension__ typedef unsigned __int128 Uint128;  // an IPv6 address as a number
}

class PrefixMap {
 public:
  struct Entry {
    IpPrefix prefix;
    std::uint32_t value = 0;
  };
  struct Match {
    std::uint32_t value = 0;
    IpPrefix prefix;  // the entry that matched
  };
  // Two entries name the same prefix: indexes into build()'s argument, first < second (of
  // all such pairs, the one with the smallest `second`).
  struct DuplicatePrefix {
    std::size_t first = 0;
    std::size_t second = 0;
  };

  PrefixMap() = default;  // matches nothing

  // Entries are made canonical first (IpPrefix::of), so "::ffff:192.0.2.0/120" and
  // "192.0.2.0/24" are the same prefix. 200,000 entries take about 0.1 s (bench/topology_scale).
  static Result<PrefixMap, DuplicatePrefix> build(std::vector<Entry> entries);

  // The longest entry containing `address`. An IPv4-mapped IPv6 address is looked up as its
  // IPv4 address (only IPv4 entries match it).
  std::optional<Match> lookup(const IpAddress& address) const noexcept;
  // The longest entry covering all of `prefix` (made canonical first): its length is at
  // most prefix.length. Longer entries inside `prefix` do not count (for EDNS Client Subnet,
  // where the answer must hold for the whole prefix).
  std::optional<Match> lookup(const IpPrefix& prefix) const noexcept;

  // How far the answer for `prefix` holds (the ECS scope, RFC 7871 §7.2.1): the shortest
  // length L >= `from` such that no entry longer than L lies inside prefix's first L bits,
  // so every address there has the same longest match as all of `prefix` (with `from` the
  // covering match's length). prefix.length when even `prefix` holds a longer entry.
  unsigned uniform_length(const IpPrefix& prefix, unsigned from) const noexcept;

  std::size_t size() const noexcept { return entries_.size(); }
  // The entries, sorted (IPv4 first, then by address, then shorter first).
  std::span<const Entry> entries() const noexcept { return entries_; }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  // Disjoint ranges covering the whole family: ranges start at starts[i] and name
  // entries_[entry[i]] (kNone: no prefix covers them); starts[0] == 0.
  template <class Key>
  struct Ranges {
    std::vector<Key> starts;
    std::vector<std::uint32_t> entry;
  };
  // The innermost entry containing `a` (canonical: not IPv4-mapped), or kNone.
  std::uint32_t innermost(const IpAddress& a) const noexcept;
  void index_v6();
  Match match(std::uint32_t index) const noexcept;

  std::vector<Entry> entries_;
  std::vector<std::uint32_t> parent_;  // per entry, the next shorter entry containing it
  Ranges<std::uint32_t> v4_;
  // v4_index_[h]: the first v4_ range starting at or after h << 16 (65537 of them).
  std::vector<std::uint32_t> v4_index_;
  Ranges<detail::Uint128> v6_;
  // Like v4_index_, over the 16 bits after the v6_shift_ leading bits all v6_ starts but the
  // first share (v6_base_, in place); addresses outside that block search all of v6_.
  std::vector<std::uint32_t> v6_index_;
  unsigned v6_shift_ = 0;
  detail::Uint128 v6_base_ = 0;
};

}  // namespace ikesteer
