#include "frontend/operator/pool_totals.hpp"

namespace ikesteer::frontend {

std::vector<PoolTotals> pool_totals(const SteeringPlan& plan, const Totals& totals) {
  const health::PoolSelector& selector = plan.selector();
  std::vector<PoolTotals> pools(plan.pools().size());
  for (std::uint16_t i = 0; i < pools.size(); ++i) {
    pools[i].name = plan.pools()[i];
    pools[i].members = selector.pool_members(i).size();
    pools[i].eligible = selector.eligible_count(i);
    for (std::size_t s = 0; s < SteeringWhy::kSkips; ++s) {
      const std::size_t slot = SteeringWhy::spill_slots(i) + s;
      if (slot < totals.spills.size()) pools[i].spills[s] = totals.spills[slot];
    }
  }
  if (totals.redirects_per_member.size() == selector.members().size())
    for (std::size_t m = 0; m < selector.members().size(); ++m)
      pools[selector.members()[m].pool].redirects += totals.redirects_per_member[m];
  return pools;
}

}  // namespace ikesteer::frontend
