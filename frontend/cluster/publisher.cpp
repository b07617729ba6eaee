#include "frontend/cluster/publisher.hpp"

#include <algorithm>

namespace ikesteer::frontend {
namespace {

// A member's addresses in DNS: its own service addresses that no other holder answers on now
// (moved ones are not handed out; after failback they are again).
std::vector<dns::MemberView> dns_members(const Config& config, const ClusterState& cluster) {
  std::vector<dns::MemberView> members;
  for (std::size_t i = 0; i < config.members.size(); ++i) {
    const MemberStatus& s = cluster.members[i];
    std::vector<IpAddress> addresses;
    for (const IpAddress& a : s.addresses)
      if (std::find(s.moved_away.begin(), s.moved_away.end(), a) == s.moved_away.end())
        addresses.push_back(a);
    members.push_back({config.members[i].name, std::move(addresses), config.members[i].weight,
                       steerable(s), s.transitioning});
  }
  return members;
}

}  // namespace

Published build_published(std::shared_ptr<const Config> config,
                          std::shared_ptr<const ClusterState> cluster) {
  std::shared_ptr<const dns::ZoneSnapshot> dns;
  if (config->dns.enabled) {
    // Cannot fail after validation: the state changes member addresses and eligibility only.
    if (auto snapshot = dns::build_snapshot(config->dns.zones, config->dns.clusters,
                                            dns_members(*config, *cluster), config->ike.listen))
      dns = *snapshot;
  }
  return {std::move(config), std::move(cluster), std::move(dns)};
}

}  // namespace ikesteer::frontend
