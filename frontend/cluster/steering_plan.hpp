// Steering as one configuration and one cluster state define it, built once per publish on
// the main loop: the selector over the members (weights, eligibility, agent-reported load,
// each IKE loop's share of their capacity; no load window yet), each member's REDIRECT
// identity for IPv4 and IPv6 clients, and the steering key. Immutable once built; the IKE
// loops, the DNS threads and the operator side read it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "frontend/cluster/cluster_state.hpp"
#include "frontend/config/config.hpp"
#include "health/selector.hpp"
#include "redirect/gateway_selector.hpp"

namespace ikesteer::frontend {

class SteeringPlan {
 public:
  // `ike_loops` loops share each member's capacity equally. Fails only on a configuration
  // that validation refuses (too many members, a bad weight or gateway).
  static Result<SteeringPlan, std::string> build(std::shared_ptr<const Config> config,
                                                 std::shared_ptr<const ClusterState> cluster,
                                                 unsigned ike_loops);

  // The members with no load counted: copy it to pick(); owner() and rank() need no copy.
  const health::Selector& selector() const noexcept { return selector_; }
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
               health::Selector selector, std::vector<Target> targets);

  std::shared_ptr<const Config> config_;
  std::shared_ptr<const ClusterState> cluster_;
  health::Selector selector_;
  std::vector<Target> targets_;
};

// The text of a REDIRECT identity: an address or the FQDN.
std::string describe(const redirect::GatewayIdentity& identity);

}  // namespace ikesteer::frontend
