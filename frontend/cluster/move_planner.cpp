#include "frontend/cluster/move_planner.hpp"

namespace ikesteer::frontend {

std::optional<MoveTarget> plan_move_target(const SteeringPlan& plan, health::PoolSelector& selector,
                                           std::size_t avoid, const IpAddress& peer,
                                           TimePoint now) {
  const health::PoolPick pick = plan.steer(selector, peer, avoid, now).pick;
  if (!pick.member || *pick.member == avoid) return std::nullopt;
  return MoveTarget{selector.members()[*pick.member].name,
                    describe(plan.identity(*pick.member, peer.family()))};
}

}  // namespace ikesteer::frontend
