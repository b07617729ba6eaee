#include "health/member_verdict.hpp"

#include <algorithm>

namespace ikesteer::health {
namespace {

std::string describe(const ProbeView& p) {
  std::string s(p.kind);
  s += ": ";
  s += p.detail.empty() ? to_string(p.state) : p.detail;
  return s;
}

const ProbeView* first_in(std::span<const ProbeView> probes, ProbeState state) {
  const auto it =
      std::find_if(probes.begin(), probes.end(), [&](const auto& p) { return p.state == state; });
  return it == probes.end() ? nullptr : &*it;
}

MemberVerdict decide(const MemberInputs& in) {
  using enum MemberState;
  if (in.operator_state == OperatorState::Maintenance)
    return {Maintenance, false, "operator: maintenance"};
  if (const auto* p = first_in(in.probes, ProbeState::Down)) return {Down, false, describe(*p)};
  if (in.agent == AgentState::Maintenance) return {Maintenance, false, "agent: maintenance"};
  if (in.agent == AgentState::Down) return {Down, false, "agent: down"};
  if (const auto* p = first_in(in.probes, ProbeState::Unknown))
    return {Unknown, false, std::string(p->kind) + ": no verdict yet"};
  if (in.operator_state == OperatorState::Drain) return {Draining, false, "operator: drain"};
  if (in.agent == AgentState::Drain) return {Draining, false, "agent: drain"};
  if (!in.probes.empty()) return {Up, false, describe(in.probes.front())};
  return {Up, false, in.agent ? "agent: up" : "no checks"};
}

}  // namespace

MemberVerdict evaluate(const MemberInputs& inputs) {
  MemberVerdict v = decide(inputs);
  v.transitioning = std::any_of(inputs.probes.begin(), inputs.probes.end(),
                                [](const ProbeView& p) { return p.transitioning; });
  return v;
}

}  // namespace ikesteer::health
