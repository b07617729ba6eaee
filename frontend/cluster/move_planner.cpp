#include "frontend/cluster/move_planner.hpp"

namespace ikesteer::frontend {

std::optional<MoveTarget> plan_move_target(const SteeringPlan& plan, health::Selector& selector,
                                           std::size_t avoid, const IpAddress& peer,
                                           TimePoint now) {
  const health::Pick pick = selector.pick(plan.key(peer).bytes(), avoid, now);
  if (!pick.member || *pick.member == avoid) return std::nullopt;
  return MoveTarget{selector.members()[*pick.member].name,
                    describe(plan.identity(*pick.member, peer.family()))};
}

}  // namespace ikesteer::frontend
