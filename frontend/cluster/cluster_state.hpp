// The live state of the members as the health monitor last judged it. It is published together
// with the configuration it belongs to (frontend/shared_state.hpp), so redirect steering and DNS
// always act on one consistent view. Index i is Config::members[i].
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/ip_address.hpp"
#include "frontend/cluster/check_kind.hpp"
#include "frontend/config/config.hpp"
#include "health/member_state.hpp"

namespace ikesteer::frontend {

struct MemberStatus {
  health::MemberState state = health::MemberState::Unknown;
  bool transitioning = false;  // a check disagrees with the state: it may change soon
  std::string reason;
  std::vector<IpAddress> addresses;       // service addresses: configured, or resolved from host
  std::vector<IpAddress> moved_away;      // of those, the ones another holder answers on now
  std::optional<double> load;             // 0..1, reported by the member's agent
  std::optional<std::uint32_t> capacity;  // new clients/s, reported by the agent (overrides config)
  TimePoint since{};                      // when `state` last changed
  bool operator==(const MemberStatus&) const = default;
};

struct ClusterState {
  std::vector<MemberStatus> members;
  bool operator==(const ClusterState&) const = default;
};

// New clients go to Up members only.
inline bool steerable(const MemberStatus& m) noexcept {
  return m.state == health::MemberState::Up;
}

// A member's checks in the order the monitor runs them: Resolve (members given by host name),
// one per probe (of its type), Agent (members with an agent key).
std::vector<CheckKind> check_kinds(const MemberConfig& member);

// The state before any probe has answered: members without checks are judged at once (up, or
// what the operator says); members with checks are unknown.
ClusterState initial_cluster_state(const Config& config, TimePoint now);

}  // namespace ikesteer::frontend
