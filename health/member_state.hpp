// The states a member can be in, and who says so. The operator's word comes from config or
// the API, an agent's from the member itself, verdicts from probes (health/member_verdict.hpp
// combines them, with the precedence written there).
#pragma once

#include <cstdint>
#include <string_view>

namespace ikesteer::health {

// What steering and DNS act on. Only Up members receive new clients.
enum class MemberState : std::uint8_t {
  Unknown,      // no verdict yet (at start): not steered to
  Up,           // healthy: receives new clients
  Down,         // a check failed: no new clients; its addresses move (failover)
  Draining,     // operator or agent: no new clients, existing ones stay
  Maintenance,  // operator or agent: no new clients; its addresses move
};

// Set by the operator (config `state`, or the API); survives restarts.
enum class OperatorState : std::uint8_t { Active, Drain, Maintenance };

// What a member's agent says about itself (health/agent_report.hpp).
enum class AgentState : std::uint8_t { Up, Drain, Maintenance, Down };

constexpr std::string_view to_string(MemberState s) noexcept {
  switch (s) {
    case MemberState::Unknown:
      return "unknown";
    case MemberState::Up:
      return "up";
    case MemberState::Down:
      return "down";
    case MemberState::Draining:
      return "draining";
    case MemberState::Maintenance:
      return "maintenance";
  }
  return "?";
}

constexpr std::string_view to_string(OperatorState s) noexcept {
  switch (s) {
    case OperatorState::Active:
      return "active";
    case OperatorState::Drain:
      return "drain";
    case OperatorState::Maintenance:
      return "maintenance";
  }
  return "?";
}

constexpr std::string_view to_string(AgentState s) noexcept {
  switch (s) {
    case AgentState::Up:
      return "up";
    case AgentState::Drain:
      return "drain";
    case AgentState::Maintenance:
      return "maintenance";
    case AgentState::Down:
      return "down";
  }
  return "?";
}

}  // namespace ikesteer::health
