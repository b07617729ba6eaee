#include "frontend/cluster/steering_plan.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "frontend/config/topology_loader.hpp"

namespace ikesteer::frontend {
namespace {

Result<health::PoolSelector, std::string> make_selector(const Config& config,
                                                        const ClusterState& cluster,
                                                        const std::vector<std::string>& pools,
                                                        unsigned loops,
                                                        const health::PoolSelector* previous) {
  std::unordered_map<std::string_view, std::uint16_t> pool_index;
  for (std::size_t i = 0; i < pools.size(); ++i)
    pool_index.emplace(pools[i], static_cast<std::uint16_t>(i));
  std::vector<health::SelectorMember> members;
  for (std::size_t i = 0; i < config.members.size(); ++i) {
    const MemberConfig& m = config.members[i];
    const MemberStatus& status = cluster.members[i];
    // Capacity is per process; each loop's selector bounds its own share (rounded up, so a
    // small capacity is never rounded down to "unlimited"). The agent's word beats config.
    // Cluster mode: a client's member depends on shared state only (health, weights, operator
    // state, reported load), never on what this instance alone counted, so that every instance
    // sends it to the same member. Per-second capacity and the bounded-load window count
    // locally, so neither applies there (README, "Cluster mode").
    const std::uint32_t total = config.cluster.enabled ? 0 : status.capacity.value_or(m.capacity);
    const std::uint32_t capacity =
        total == 0 ? 0 : std::max<std::uint32_t>(1, (total + loops - 1) / loops);
    members.push_back(
        {m.name, m.weight, capacity, steerable(status), status.load, pool_index.at(m.pool)});
  }
  health::SelectorOptions options;
  options.load_factor = config.steering.load_factor;
  options.window = std::chrono::seconds(config.steering.load_window);
  options.load_floor =
      config.cluster.enabled ? UINT32_MAX : (config.steering.load_floor + loops - 1) / loops;
  options.load_margin = config.steering.load_margin;
  auto selector = health::PoolSelector::create(std::move(members), pools.size(), options, previous);
  if (!selector) return fail("steering: " + std::string(to_string(selector.error())));
  return std::move(selector).value();
}

// RFC 5685 §4: the identity is an IPv4 or IPv6 address or an FQDN. By default a client is
// sent to the member's address in its own family, else to the member's first address; a member
// known by host name whose name has not resolved yet is named by that host name.
Result<redirect::GatewayIdentity, std::string> target_for(const MemberConfig& m,
                                                          const MemberStatus& status,
                                                          IpFamily family) {
  const std::string& gateway = m.gateway.empty() && status.addresses.empty() ? m.host : m.gateway;
  if (!gateway.empty()) {
    if (auto ip = IpAddress::parse(gateway)) return redirect::GatewayIdentity::address(*ip);
    if (auto fqdn = redirect::GatewayIdentity::fqdn(gateway)) return *fqdn;
    return fail("member " + m.name + ": bad gateway " + gateway);
  }
  const auto& addresses = status.addresses;
  if (addresses.empty()) return fail("member " + m.name + ": no address to redirect to");
  auto same = std::find_if(addresses.begin(), addresses.end(),
                           [&](const IpAddress& a) { return a.family() == family; });
  return redirect::GatewayIdentity::address(same != addresses.end() ? *same : addresses.front());
}

}  // namespace

Result<SteeringPlan, std::string> SteeringPlan::build(std::shared_ptr<const Config> config,
                                                      std::shared_ptr<const ClusterState> cluster,
                                                      unsigned ike_loops,
                                                      const SteeringPlan* previous) {
  std::vector<std::string> pools = pool_names(config->members);
  auto selector = make_selector(*config, *cluster, pools, std::max(1u, ike_loops),
                                previous ? &previous->selector_ : nullptr);
  if (!selector) return fail(selector.error());
  std::vector<Target> targets;
  for (std::size_t i = 0; i < config->members.size(); ++i) {
    const MemberConfig& m = config->members[i];
    auto v4 = target_for(m, cluster->members[i], IpFamily::V4);
    auto v6 = target_for(m, cluster->members[i], IpFamily::V6);
    if (!v4) return fail(v4.error());
    if (!v6) return fail(v6.error());
    targets.push_back({*v4, *v6});
  }
  return SteeringPlan(std::move(config), std::move(cluster), std::move(selector).value(),
                      std::move(pools), std::move(targets));
}

SteeringPlan::SteeringPlan(std::shared_ptr<const Config> config,
                           std::shared_ptr<const ClusterState> cluster,
                           health::PoolSelector selector, std::vector<std::string> pools,
                           std::vector<Target> targets)
    : config_(std::move(config)),
      cluster_(std::move(cluster)),
      selector_(std::move(selector)),
      pools_(std::move(pools)),
      every_pool_(pools_.size()),
      targets_(std::move(targets)) {
  for (std::size_t i = 0; i < every_pool_.size(); ++i)
    every_pool_[i] = static_cast<std::uint16_t>(i);
  const auto& members = config_->members;
  for (const dns::ClusterNameSpec& c : config_->dns.clusters) {
    std::vector<bool>& allowed = dns_pools_.emplace_back();
    if (c.pools.empty() && c.members.empty()) continue;
    allowed.assign(pools_.size(), false);
    for (std::size_t p = 0; p < pools_.size(); ++p)
      allowed[p] = std::find(c.pools.begin(), c.pools.end(), pools_[p]) != c.pools.end();
    for (const MemberConfig& m : members)
      if (std::find(c.members.begin(), c.members.end(), m.name) != c.members.end())
        allowed[static_cast<std::size_t>(std::find(pools_.begin(), pools_.end(), m.pool) -
                                         pools_.begin())] = true;
  }
}

health::Topology::Route SteeringPlan::route(const IpAddress& client) const noexcept {
  if (const auto& map = config_->topology.map) return map->route(client);
  return {every_pool_, std::nullopt};
}

health::Topology::Route SteeringPlan::route(const IpAddress& address,
                                            unsigned bits) const noexcept {
  if (const auto& map = config_->topology.map) return map->route(address, bits);
  return {every_pool_, std::nullopt};
}

SteeringDecision SteeringPlan::steer(health::PoolSelector& selector, const IpAddress& client,
                                     std::optional<std::size_t> avoid,
                                     TimePoint now) const noexcept {
  const health::Topology::Route r = route(client);
  return {selector.pick(key(client).bytes(), r.pools, avoid, now), r.matched};
}

IpAddress SteeringPlan::key(const IpAddress& client) const noexcept {
  // An IPv4-mapped address is the IPv4 client it names (as in the topology).
  const IpAddress a = unmapped(client);
  return a.masked(a.is_v4() ? config_->steering.ipv4_prefix : config_->steering.ipv6_prefix);
}

const redirect::GatewayIdentity& SteeringPlan::identity(std::size_t member,
                                                        IpFamily client) const noexcept {
  return client == IpFamily::V4 ? targets_[member].for_v4 : targets_[member].for_v6;
}

std::optional<std::size_t> SteeringPlan::member_at(const IpAddress& address) const noexcept {
  const auto& members = cluster_->members;
  for (std::size_t i = 0; i < members.size(); ++i)
    if (std::find(members[i].addresses.begin(), members[i].addresses.end(), address) !=
        members[i].addresses.end())
      return i;
  return std::nullopt;
}

std::string describe(const redirect::GatewayIdentity& identity) {
  const auto v = identity.value();
  switch (identity.type()) {
    case redirect::GatewayIdType::Ipv4:
      return IpAddress::v4(v.first<4>()).to_string();
    case redirect::GatewayIdType::Ipv6:
      return IpAddress::v6(v.first<16>()).to_string();
    case redirect::GatewayIdType::Fqdn:
      return std::string(reinterpret_cast<const char*>(v.data()), v.size());
  }
  return "?";
}

}  // namespace ikesteer::frontend
