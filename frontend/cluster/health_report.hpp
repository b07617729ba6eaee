// What the health monitor knows beyond the published cluster state, for operators: each
// check's last result and each movable address's holder. Refreshed after every result.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/ip_address.hpp"
#include "frontend/cluster/check_kind.hpp"
#include "frontend/cluster/health_counters.hpp"
#include "health/probe_tracker.hpp"

namespace ikesteer::frontend {

// One check of one member, as the health monitor last saw it.
struct CheckStatus {
  std::string member;
  CheckKind check = CheckKind::Ike;
  health::ProbeState state = health::ProbeState::Unknown;
  bool transitioning = false;
  std::string detail;    // the last result's detail
  Duration latency{};    // the last result's latency
  std::uint64_t ok = 0;  // results so far
  std::uint64_t failed = 0;
};

// One movable address and who holds it now.
struct AddressStatus {
  IpAddress address;
  std::string home;    // the member it belongs to
  std::string holder;  // a member name, "frontend" (adopted) or "" (nobody: moving)
  std::string phase;  // "home", "releasing", "fencing", "claiming", "verifying", "away", "stranded"
  std::optional<bool> verified;  // the last claim's IKE check
  std::string reason;
};

// The sessions a member's agent reported in its latest admitted report (report v2).
struct ReportedSessions {
  std::string member;
  std::optional<std::uint32_t> count;  // unset: no report with sessions= yet
};

struct HealthReport {
  std::vector<CheckStatus> checks;
  std::vector<ReportedSessions> sessions;  // every member, in configuration order
  std::vector<AddressStatus> addresses;
  HealthCounters counters;
};

}  // namespace ikesteer::frontend
