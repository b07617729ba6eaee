// Steering as one configuration and one cluster state define it, built once per publish on
// the main loop: the pool selector over the members (pools, weights, eligibility,
// agent-reported load, each IKE loop's share of their capacity; no load window yet), the
// topology that gives each client its order of pools, each member's REDIRECT identity for
// IPv4 and IPv6 clients, and the steering key. Immutable once built; the IKE loops, the DNS
// threads and the operator side read it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_prefix.hpp"
#include "common/result.hpp"
#include "frontend/cluster/cluster_state.hpp"
#include "frontend/config/config.hpp"
#include "health/pool_selector.hpp"
#include "health/topology.hpp"
#include "redirect/gateway_selector.hpp"

namespace ikesteer::frontend {

// One steering decision and why: the pool pick, and the topology prefix that gave the client
// its order of pools (empty: the default entry, or no topology).
struct SteeringDecision {
  health::PoolPick pick;
  std::optional<IpPrefix> matched;
};

class SteeringPlan {
 public:
  // `ike_loops` loops share each member's capacity equally. `previous` (the plan published
  // before, if any) lends its pools' slot tables where membership did not change. Fails only
  // on a configuration that validation refuses (too many members, a bad weight or gateway).
  static Result<SteeringPlan, std::string> build(std::shared_ptr<const Config> config,
                                                 std::shared_ptr<const ClusterState> cluster,
                                                 unsigned ike_loops,
                                                 const SteeringPlan* previous = nullptr);

  // The members with no load counted: copy it to steer(); owner() needs no copy.
  const health::PoolSelector& selector() const noexcept { return selector_; }
  // Where a client goes with `selector` (this plan's, or a copy with its own load window),
  // counting the assignment in it: its order of pools, then the pool pick. No allocation.
  SteeringDecision steer(health::PoolSelector& selector, const IpAddress& client,
                         std::optional<std::size_t> avoid, TimePoint now) const noexcept;
  // The client's order of pools and the prefix that gave it.
  health::Topology::Route route(const IpAddress& client) const noexcept;
  // For DNS: the route of a client subnet (health::Topology::route(address, bits)).
  health::Topology::Route route(const IpAddress& address, unsigned bits) const noexcept;
  // Every pool's name, by index.
  const std::vector<std::string>& pools() const noexcept { return pools_; }
  // For DNS cluster name `cluster` (as configured): may it answer from pool `pool`? Its
  // `pools` and `members` limits, if any, name the pools it may.
  bool answers_from(std::size_t cluster, std::uint16_t pool) const noexcept {
    return cluster >= dns_pools_.size() || dns_pools_[cluster].empty() || dns_pools_[cluster][pool];
  }
  // The client's steering key: its address masked to the configured prefix.
  IpAddress key(const IpAddress& client) const noexcept;
  // What the member's REDIRECT names for a client of this family.
  const redirect::GatewayIdentity& identity(std::size_t member, IpFamily client) const noexcept;
  // The member one of whose service addresses this is (REDIRECTED_FROM), if any.
  std::optional<std::size_t> member_at(const IpAddress& address) const noexcept;

 private:
  struct Target {
    redirect::GatewayIdentity for_v4;  // identity sent to IPv4 clients
    redirect::GatewayIdentity for_v6;
  };
  SteeringPlan(std::shared_ptr<const Config> config, std::shared_ptr<const ClusterState> cluster,
               health::PoolSelector selector, std::vector<std::string> pools,
               std::vector<Target> targets);

  std::shared_ptr<const Config> config_;
  std::shared_ptr<const ClusterState> cluster_;
  health::PoolSelector selector_;
  std::vector<std::string> pools_;
  std::vector<std::uint16_t> every_pool_;     // the order without a topology
  std::vector<std::vector<bool>> dns_pools_;  // per DNS cluster name: by pool; empty: all
  std::vector<Target> targets_;
};

// The text of a REDIRECT identity: an address or the FQDN.
std::string describe(const redirect::GatewayIdentity& identity);

}  // namespace ikesteer::frontend
