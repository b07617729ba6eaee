// Per pool, what the counters add up to: its members, how many are eligible, the redirects to
// them, and the clients that passed it (their first pool) for another, by why. For the
// metrics and the dashboard.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "frontend/cluster/steering_plan.hpp"
#include "frontend/cluster/steering_why.hpp"
#include "frontend/operator/control_plane.hpp"

namespace ikesteer::frontend {

struct PoolTotals {
  std::string name;
  std::size_t members = 0;
  std::size_t eligible = 0;
  std::uint64_t redirects = 0;
  std::array<std::uint64_t, SteeringWhy::kSkips> spills{};  // by health::PoolSkip
};

std::vector<PoolTotals> pool_totals(const SteeringPlan& plan, const Totals& totals);

}  // namespace ikesteer::frontend
