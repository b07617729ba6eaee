#include "frontend/cluster/member_steering.hpp"

namespace ikesteer::frontend {

MemberSteering::MemberSteering(std::shared_ptr<const SteeringPlan> plan,
                               std::shared_ptr<health::Selector> selector) noexcept
    : plan_(std::move(plan)), selector_(std::move(selector)) {}

void MemberSteering::take_over(std::shared_ptr<const SteeringPlan> plan,
                               std::shared_ptr<health::Selector> selector) noexcept {
  selector->carry_load_from(*selector_);
  plan_ = std::move(plan);
  selector_ = std::move(selector);
}

std::optional<redirect::GatewayChoice> MemberSteering::select(const IpAddress& client,
                                                              const std::optional<IpAddress>& avoid,
                                                              TimePoint now) noexcept {
  const std::optional<std::size_t> avoid_member = avoid ? plan_->member_at(*avoid) : std::nullopt;
  const health::Pick pick = selector_->pick(plan_->key(client).bytes(), avoid_member, now);
  if (!pick.member) return std::nullopt;
  return redirect::GatewayChoice{plan_->identity(*pick.member, client.family()),
                                 static_cast<std::uint32_t>(*pick.member),
                                 static_cast<std::uint8_t>(pick.reason)};
}

}  // namespace ikesteer::frontend
