// How many commands the agent did not act on, by reason. The reasons are the protocol's own
// (health::AgentReject); kCommandRefusals lists the ones a command can meet, once, and the
// counters and their log fields are generated from it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "health/agent_report.hpp"

namespace ikesteer::agent::daemon {

inline constexpr std::array kCommandRefusals = {
    health::AgentReject::Malformed,      // dropped, no reply
    health::AgentReject::BadMac,         // dropped, no reply
    health::AgentReject::UnknownMember,  // refused (a reply when the MAC is right)
    health::AgentReject::Replayed,       // refused
    health::AgentReject::Stale,          // refused
};

class RefusalCounts {
 public:
  void add(health::AgentReject reason) noexcept;
  std::uint64_t of(health::AgentReject reason) const noexcept;
  // "refused_<reason>=<count>" for each reason, for a log line; the views point into `storage`.
  std::vector<LogField> log_fields(std::vector<std::string>& storage) const;

 private:
  std::array<std::uint64_t, kCommandRefusals.size()> counts_{};
};

}  // namespace ikesteer::agent::daemon
