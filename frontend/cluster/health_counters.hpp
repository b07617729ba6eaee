// What the health monitor counts: probe results and agent reports by outcome.
#pragma once

#include <array>
#include <cstdint>

namespace ikesteer::frontend {

struct HealthCounters {
  std::uint64_t probes_ok = 0;
  std::uint64_t probes_failed = 0;
  std::uint64_t agent_admitted = 0;
  std::array<std::uint64_t, 5> agent_rejected{};  // by health::AgentReject
};

}  // namespace ikesteer::frontend
