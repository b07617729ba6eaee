// The authoritative data ikesteer answers from: zones from configuration plus cluster names
// whose addresses come from live member state. frontend/ builds a snapshot once per
// configuration or state change (allocation is fine there) and publishes it as
// shared_ptr<const ZoneSnapshot>; Authority::answer reads it from every thread without locks
// and without allocating.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace ikesteer::dns {

// Names in specs are absolute; the trailing dot is optional. The exception is the owner and
// the NS/CNAME target in `ZoneSpec::records`, which follow zone-file rules (RFC 1035 §5.1):
// a name without a trailing dot is relative to the origin, "@" is the origin.
struct SoaSpec {
  std::string mname, rname;
  std::uint32_t serial = 1, refresh = 3600, retry = 600, expire = 604800, minimum = 60;
  bool operator==(const SoaSpec&) const = default;
};

struct ZoneSpec {
  std::string origin;       // "vpn.example." (trailing dot optional)
  std::uint32_t ttl = 300;  // TTL of static records without their own, and of SOA/NS
  SoaSpec soa;
  std::vector<std::string> ns;       // NS targets of the apex (at least one)
  std::vector<std::string> records;  // "<owner> [ttl] [IN] <TYPE> <rdata>", TYPE one of
                                     // A AAAA NS CNAME TXT; NS only at the apex (no delegations)
  bool member_names = true;          // <member>.<origin> answers with that member's addresses
  bool operator==(const ZoneSpec&) const = default;
};

enum class ClusterPolicy : std::uint8_t {
  All,       // every eligible member, rotated per query
  Weighted,  // `count` eligible members, weighted random without replacement
  Sticky,    // the member StickyChooser picks for the resolver address or ECS prefix
  Frontend,  // the front end's own addresses (for clients that follow IKE redirects)
};

struct ClusterNameSpec {
  std::string name;  // absolute; must lie inside one of the zones
  ClusterPolicy policy = ClusterPolicy::All;
  unsigned count = 2;                // Weighted: members per answer
  std::uint32_t ttl = 30;            // TTL of the A/AAAA answers
  std::uint32_t ttl_transition = 5;  // TTL while any member is transitioning
  unsigned fail_open_min = 1;        // fewer eligible than this: answer with all members
  // Answer only from the members of these pools and/or these members (empty: no limit).
  std::vector<std::string> pools{}, members{};
  // All/Weighted: answer from the pool of the member StickyChooser picks for the client (its
  // topology's first pool with an eligible member), ECS scope = the matched prefix length.
  // Sticky follows the chooser whether set or not.
  bool topology = false;
  bool operator==(const ClusterNameSpec&) const = default;
};

struct MemberView {
  std::string name;                  // one DNS label (for <member>.<origin>)
  std::vector<IpAddress> addresses;  // IPv4 and/or IPv6
  double weight = 1.0;               // > 0; used by ClusterPolicy::Weighted
  bool eligible = true;              // may receive new clients
  bool transitioning = false;        // failing checks but not yet down
  std::string pool = "default";      // the site or region it belongs to
};

// Upper bounds checked by build_snapshot (they keep the per-query work bounded and let
// answer() use fixed scratch space).
inline constexpr std::size_t kMaxMembers = 4096;
inline constexpr std::size_t kMaxAddressesPerMember = 8;
inline constexpr std::size_t kMaxCnameChain = 8;  // CNAMEs followed inside our zones per query

class ZoneSnapshot;

// Validates and indexes everything. Member index i in the snapshot is members[i] (what
// StickyChooser::choose returns). Errors name the zone / record / cluster entry and the problem,
// all of them in one run (frontend prefixes file:line).
Result<std::shared_ptr<const ZoneSnapshot>, std::vector<std::string>> build_snapshot(
    const std::vector<ZoneSpec>& zones, const std::vector<ClusterNameSpec>& clusters,
    const std::vector<MemberView>& members, const std::vector<IpAddress>& frontend_addresses);

}  // namespace ikesteer::dns
