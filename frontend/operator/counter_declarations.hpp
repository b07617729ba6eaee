// Every counter of the totals, declared once: the sums over threads, the log summary lines,
// /metrics, /api/v1/counters, /api/v1/status and the drop reasons are all generated from these.
#pragma once

#include "frontend/cluster/agent_command_counters.hpp"
#include "frontend/cluster/health_counters.hpp"
#include "frontend/operator/counter_descriptor.hpp"
#include "frontend/operator/counter_totals.hpp"

namespace ikesteer::frontend {

extern const CounterGroup<IkeTotals> kIkeCounters;
extern const CounterGroup<DnsTotals> kDnsCounters;
extern const CounterGroup<HealthCounters> kHealthCounters;
extern const CounterGroup<AgentCommandCounters> kAgentCommandCounters;

}  // namespace ikesteer::frontend
