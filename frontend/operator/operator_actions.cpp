#include "frontend/operator/operator_actions.hpp"

#include <algorithm>

namespace ikesteer::frontend {
namespace {

ActionDecision refused(unsigned status, std::string message) {
  ActionDecision d;
  d.outcome = {false, status, std::move(message)};
  return d;
}

}  // namespace

ActionDecision decide_action(const OperatorAction& action, const std::vector<MemberConfig>& members,
                             const OperatorOverrides& overrides) {
  using K = OperatorAction::Kind;
  if (std::none_of(members.begin(), members.end(),
                   [&](const MemberConfig& m) { return m.name == action.member; }))
    return refused(404, "no member named \"" + action.member + "\"");
  const MemberConfig& member =
      *std::find_if(members.begin(), members.end(),
                    [&](const MemberConfig& m) { return m.name == action.member; });
  if (action.move_sessions) {
    if (action.kind != K::Drain && action.kind != K::Maintenance)
      return refused(400, "move=sessions goes with drain or maintenance only");
    // Commands are signed with the agent's key and sent to its command address.
    if (!member.agent_commands || member.agent_key.empty())
      return refused(409, "member " + action.member +
                              " has no agent_commands (and agent_key) configured: its sessions "
                              "cannot be moved");
  }
  ActionDecision d;
  switch (action.kind) {
    case K::Drain:
    case K::Undrain:
    case K::Maintenance: {
      const OperatorState state = action.kind == K::Drain         ? OperatorState::Drain
                                  : action.kind == K::Maintenance ? OperatorState::Maintenance
                                                                  : OperatorState::Active;
      d.overrides = overrides;
      d.overrides->set_state(action.member, state);
      d.what = std::string(health::to_string(state));
      d.move_sessions = action.move_sessions;
      d.stop_moving = action.kind == K::Undrain;
      if (d.move_sessions) d.what += ", moving its sessions";
      break;
    }
    case K::SetWeight:
      // Written so that NaN is refused too.
      if (!(action.weight > 0 && action.weight <= 1e6))
        return refused(400, "weight must be > 0 and <= 1e6");
      d.overrides = overrides;
      d.overrides->set_weight(action.member, action.weight);
      d.what = "weight " + std::to_string(action.weight);
      break;
    case K::FailBack:
      d.fail_back = true;
      d.what = "failback";
      break;
  }
  d.outcome = {true, 200, "member " + action.member + ": " + d.what};
  return d;
}

}  // namespace ikesteer::frontend
