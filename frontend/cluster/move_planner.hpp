// Where a moved session goes: exactly where its client would be redirected if it asked the
// front end now. The key, the pick and the gateway are the IKE handler's (MemberSteering):
// the client's address masked to the steering prefix, picked by the published plan's selector
// (HRW order, bounded load, capacity) with the member being emptied avoided, and the identity
// that member's REDIRECT names for the client's address family.
#pragma once

#include <optional>
#include <string>

#include "common/clock.hpp"
#include "frontend/cluster/session_move.hpp"
#include "frontend/cluster/steering_plan.hpp"
#include "health/pool_selector.hpp"

namespace ikesteer::frontend {

// `selector`: the mover's own copy of plan.selector(), so that the moves it plans count as load
// (as each IKE loop's copy counts its redirects). The session's peer goes where a new client
// from its address would: its pools in the topology's order. `avoid` is never the answer, even when
// it is still eligible: the member being emptied (a drain), or the home of an address going home (a
// failback: its gateway is that address, still held by `from`). nullopt: no member but `avoid`
// is eligible, or all are at capacity.
std::optional<MoveTarget> plan_move_target(const SteeringPlan& plan, health::PoolSelector& selector,
                                           std::size_t avoid, const IpAddress& peer, TimePoint now);

}  // namespace ikesteer::frontend
