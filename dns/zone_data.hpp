// The inside of a ZoneSnapshot: flat vectors indexed by position, and an open-addressing hash
// index over nodes keyed by lowercase wire names, so a lookup costs one hash and a compare or
// two and never allocates. Written only by build_snapshot; read by Authority.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "dns/name.hpp"
#include "dns/zone_snapshot.hpp"

namespace ikesteer::dns {

inline constexpr std::uint32_t kNone = UINT32_MAX;

// Address families as indexes: 0 for A, 1 for AAAA.
inline constexpr std::size_t kFamilyV4 = 0;
inline constexpr std::size_t kFamilyV6 = 1;

class ZoneSnapshot {
 public:
  struct Record {
    std::vector<std::byte> rdata;  // uncompressed; names inside keep the configured case
  };
  struct RRset {
    std::uint16_t type = 0;
    std::uint32_t ttl = 0;
    std::uint32_t first = 0, count = 0;  // into records
  };
  struct Node {
    std::string key;  // lowercase wire name
    std::uint32_t zone = kNone;
    std::uint32_t first_rrset = 0, rrset_count = 0;  // into rrsets, sorted by type
    std::uint32_t cluster = kNone;                   // A/AAAA from a cluster name
    std::uint32_t member = kNone;                    // A/AAAA from <member>.<zone>
    std::uint32_t cname = kNone;                     // the node's CNAME RRset, if any
  };
  struct Zone {
    WireName apex;                   // as configured
    std::uint32_t ttl = 0;           // default TTL (member names use it)
    std::uint32_t soa = kNone;       // RRset index
    std::uint32_t negative_ttl = 0;  // RFC 2308 §3: min(SOA MINIMUM, SOA TTL)
  };
  struct Member {
    std::array<std::vector<IpAddress>, 2> addresses;  // by family
    double weight = 1.0;
    std::uint32_t pool = 0;  // members of one pool share the number
  };
  struct Cluster {
    ClusterPolicy policy = ClusterPolicy::All;
    unsigned count = 0;
    bool topology = false;
    std::uint32_t ttl = 0;  // already state-aware: ttl_transition while any member transitions
    // Per family: the members answers are drawn from (of the members the name may answer
    // with, the eligible ones with an address of the family, or all with one when fewer than
    // fail_open_min are eligible), whether that is the fail-open set, and a by-member-index
    // membership flag.
    std::array<std::vector<std::uint32_t>, 2> candidates;
    std::array<bool, 2> fail_open{};
    std::array<std::vector<bool>, 2> is_candidate;
  };

  // The node for a lowercase wire name, or nullptr.
  const Node* find(std::span<const std::byte> key) const noexcept;
  std::span<const RRset> rrsets_of(const Node& n) const noexcept {
    return std::span(rrsets).subspan(n.first_rrset, n.rrset_count);
  }
  const RRset* rrset(const Node& n, std::uint16_t type) const noexcept;
  std::span<const Record> records_of(const RRset& s) const noexcept {
    return std::span(records).subspan(s.first, s.count);
  }

  std::vector<Zone> zones;
  std::vector<Node> nodes;
  std::vector<RRset> rrsets;
  std::vector<Record> records;
  std::vector<Member> members;
  std::vector<Cluster> clusters;
  std::array<std::vector<IpAddress>, 2> frontend;  // by family
  std::vector<std::uint32_t> index;  // node + 1 per slot, 0 = empty; size a power of two
};

}  // namespace ikesteer::dns
