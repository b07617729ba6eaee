// frontend's answer to redirect::GatewaySelector: members from the configuration snapshot,
// eligibility and agent-reported load and capacity from the live cluster state, choice from
// health::Selector (weighted consistent hashing with bounded load) on the client's address
// masked to the configured prefix.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "frontend/cluster/cluster_state.hpp"
#include "frontend/config/config.hpp"
#include "health/selector.hpp"
#include "redirect/gateway_selector.hpp"

namespace ikesteer::frontend {

class MemberSteering final : public redirect::GatewaySelector {
 public:
  struct Decision {
    std::size_t member;  // index into Config::members
    health::PickReason reason;
  };

  // `threads` loops share the process-wide capacity equally. `previous` (may be null) hands
  // over its load window so a reload does not forget recent load. Throws on a configuration
  // that validation should have refused.
  MemberSteering(std::shared_ptr<const Config> config, std::shared_ptr<const ClusterState> cluster,
                 unsigned threads, const MemberSteering* previous = nullptr);

  std::optional<redirect::GatewayIdentity> select(const IpAddress& client,
                                                  const std::optional<IpAddress>& avoid,
                                                  TimePoint now) noexcept override;

  // The decision behind the last select() that chose a member.
  const std::optional<Decision>& last_decision() const noexcept { return last_; }
  // Every eligible member in the client's hash order (owner first), for explanations.
  std::vector<std::size_t> rank(const IpAddress& client) const;
  // The client's steering key: its address masked to the configured prefix.
  IpAddress key(const IpAddress& client) const noexcept;
  // What the member's REDIRECT names for a client of this family.
  const redirect::GatewayIdentity& identity(std::size_t member, IpFamily client) const noexcept;

 private:
  struct Target {
    redirect::GatewayIdentity for_v4;  // identity sent to IPv4 clients
    redirect::GatewayIdentity for_v6;
  };

  std::shared_ptr<const Config> config_;
  std::shared_ptr<const ClusterState> cluster_;
  health::Selector selector_;
  std::vector<Target> targets_;
  std::optional<Decision> last_;
};

std::string describe(const redirect::GatewayIdentity& identity);

}  // namespace ikesteer::frontend
