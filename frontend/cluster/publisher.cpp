#include "frontend/cluster/publisher.hpp"

#include <algorithm>

#include "frontend/cluster/steering_why.hpp"

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
                       steerable(s), s.transitioning, config.members[i].pool});
  }
  return members;
}

}  // namespace

Result<Published, std::string> build_published(std::shared_ptr<const Config> config,
                                               std::shared_ptr<const ClusterState> cluster,
                                               unsigned ike_loops, const SteeringPlan* previous) {
  std::shared_ptr<const dns::ZoneSnapshot> dns;
  if (config->dns.enabled) {
    auto snapshot = dns::build_snapshot(config->dns.zones, config->dns.clusters,
                                        dns_members(*config, *cluster), config->ike.listen);
    if (!snapshot) return fail("dns: " + snapshot.error().front());
    dns = std::move(snapshot).value();
  }
  auto plan = SteeringPlan::build(config, cluster, ike_loops, previous);
  if (!plan) return fail(plan.error());
  auto steering = std::make_shared<const SteeringPlan>(std::move(plan).value());
  auto loops = std::make_shared<std::vector<std::shared_ptr<IkeLoopHandover>>>();
  for (unsigned i = 0; i < ike_loops; ++i)
    loops->push_back(std::make_shared<IkeLoopHandover>(IkeLoopHandover{
        steering->selector(), std::vector<std::uint64_t>(config->members.size()),
        std::vector<std::uint64_t>(SteeringWhy::spill_slots(steering->pools().size()))}));
  return Published{std::move(config), std::move(cluster), std::move(dns), std::move(steering),
                   std::move(loops)};
}

Result<void, std::string> Publisher::publish(std::shared_ptr<const Config> config,
                                             std::shared_ptr<const ClusterState> cluster) {
  const Published current = shared_.current();
  auto published =
      build_published(std::move(config), std::move(cluster), ike_loops_, current.steering.get());
  if (!published) return fail(published.error());
  shared_.publish(std::move(published).value());
  return {};
}

}  // namespace ikesteer::frontend
