// The rules of an operator's write action (drain, undrain, maintenance, weight, failback), apart
// from its effects: the daemon applies the decision (runs with the new overrides and saves them,
// or asks the health monitor to fail back) and records the event.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "frontend/config/config.hpp"
#include "frontend/operator/control_plane.hpp"
#include "frontend/operator/operator_overrides.hpp"

namespace ikesteer::frontend {

struct ActionDecision {
  // What the API answers. Refused (404 unknown member, 400 bad weight): nothing else to do.
  ActionOutcome outcome;
  std::string what;  // the change, for the event: "drain", "weight 2.500000", "failback", ...
  std::optional<OperatorOverrides> overrides;  // set: run with these from now on, and save them
  bool fail_back = false;                      // ask the health monitor to fail the member back
  bool move_sessions = false;  // start moving the member's established sessions away
  bool stop_moving = false;    // stop moving them (the member takes new clients again)
};

// `members`: the running configuration's; `overrides`: the operators' changes in force.
ActionDecision decide_action(const OperatorAction& action, const std::vector<MemberConfig>& members,
                             const OperatorOverrides& overrides);

}  // namespace ikesteer::frontend
