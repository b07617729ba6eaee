// One member's state from its probes, its agent and its operator.
//
// Precedence, highest first (the first rule that applies decides):
//   1. operator maintenance        -> maintenance  "operator: maintenance"
//   2. a probe is down             -> down         "<kind>: <detail>" of the first down probe
//      (a member known by host name has a "resolve" probe: resolution failing counts)
//   3. agent says maintenance      -> maintenance  "agent: maintenance"
//      agent says down             -> down         "agent: down"
//   4. a probe has no verdict yet  -> unknown      "<kind>: no verdict yet"
//   5. operator drain              -> draining     "operator: drain"
//      agent says drain            -> draining     "agent: drain"
//   6. otherwise                   -> up           "<kind>: <detail>" of the first probe;
//                                                  "agent: up" without probes;
//                                                  "no checks" without probes and agent
// So a failed check always wins over an agent saying up, and operator maintenance over
// everything. An empty detail reads as the probe's state ("ike: down").
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "health/member_state.hpp"
#include "health/probe_tracker.hpp"

namespace ikesteer::health {

struct ProbeView {
  std::string_view kind;    // "ike", "tcp", "http", "https", "exec", "agent"
  ProbeState state;         // ProbeTracker::state()
  bool transitioning;       // ProbeTracker::transitioning()
  std::string_view detail;  // the last result's detail
};

struct MemberInputs {
  OperatorState operator_state = OperatorState::Active;
  std::span<const ProbeView> probes;  // may be empty
  // The last valid, fresh agent report, if any (a stale agent is fed as a failing "agent"
  // probe instead).
  std::optional<AgentState> agent;
};

struct MemberVerdict {
  MemberState state;
  // Some probe's last result disagrees with its verdict. Meaningful for up and down (DNS
  // shortens TTLs then), but set whatever the state.
  bool transitioning;
  std::string reason;
  bool operator==(const MemberVerdict&) const = default;
};

MemberVerdict evaluate(const MemberInputs& inputs);

}  // namespace ikesteer::health
