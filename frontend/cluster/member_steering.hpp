// One IKE loop's answer to redirect::GatewaySelector: the published SteeringPlan, and the
// loop's own copy of its selector, whose load window only this loop counts in. The chosen
// member and the reason come back in the GatewayChoice (and so in the responder's verdict).
#pragma once

#include <memory>
#include <optional>

#include "frontend/cluster/steering_plan.hpp"
#include "health/pool_selector.hpp"
#include "redirect/gateway_selector.hpp"

namespace ikesteer::frontend {

class MemberSteering final : public redirect::GatewaySelector {
 public:
  // `selector`: this loop's own, a copy of plan->selector() made by the publisher.
  MemberSteering(std::shared_ptr<const SteeringPlan> plan,
                 std::shared_ptr<health::PoolSelector> selector) noexcept;

  // Switches to a newly published plan and this loop's new selector, carrying the load window
  // over (by member name). Neither allocates nor throws; frees the previous ones.
  void take_over(std::shared_ptr<const SteeringPlan> plan,
                 std::shared_ptr<health::PoolSelector> selector) noexcept;

  // GatewayChoice::member indexes Config::members; ::why is a packed SteeringWhy.
  std::optional<redirect::GatewayChoice> select(const IpAddress& client,
                                                const std::optional<IpAddress>& avoid,
                                                TimePoint now) noexcept override;

  const SteeringPlan& plan() const noexcept { return *plan_; }

 private:
  std::shared_ptr<const SteeringPlan> plan_;
  std::shared_ptr<health::PoolSelector> selector_;
};

}  // namespace ikesteer::frontend
