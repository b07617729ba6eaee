#include "frontend/cluster/member_steering.hpp"

#include "frontend/cluster/steering_why.hpp"

namespace ikesteer::frontend {

MemberSteering::MemberSteering(std::shared_ptr<const SteeringPlan> plan,
                               std::shared_ptr<health::PoolSelector> selector) noexcept
    : plan_(std::move(plan)), selector_(std::move(selector)) {}

void MemberSteering::take_over(std::shared_ptr<const SteeringPlan> plan,
                               std::shared_ptr<health::PoolSelector> selector) noexcept {
  selector->carry_load_from(*selector_);
  plan_ = std::move(plan);
  selector_ = std::move(selector);
}

std::optional<redirect::GatewayChoice> MemberSteering::select(const IpAddress& client,
                                                              const std::optional<IpAddress>& avoid,
                                                              TimePoint now) noexcept {
  const std::optional<std::size_t> avoid_member = avoid ? plan_->member_at(*avoid) : std::nullopt;
  const SteeringDecision d = plan_->steer(*selector_, client, avoid_member, now);
  if (!d.pick.member) return std::nullopt;
  return redirect::GatewayChoice{plan_->identity(*d.pick.member, client.family()),
                                 static_cast<std::uint32_t>(*d.pick.member),
                                 SteeringWhy::of(d.pick, d.matched).pack()};
}

}  // namespace ikesteer::frontend
