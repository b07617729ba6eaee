// Sends this member's signed reports (health/agent_report.hpp, v2) to every report_to address
// of the configuration, from one unbound socket per address family.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/daemon/agent_config.hpp"
#include "agent/daemon/report_sequence.hpp"
#include "agent/daemon/udp_socket.hpp"
#include "common/result.hpp"
#include "health/agent_report.hpp"

namespace ikesteer::agent::daemon {

// What a report says, apart from who sends it and when.
struct MemberReport {
  health::AgentState state = health::AgentState::Up;
  std::optional<double> load{};
  std::optional<std::uint32_t> capacity{};
  std::optional<std::uint32_t> sessions{};  // empty: the IKE daemon could not be asked
};

class ReportSender {
 public:
  static Result<ReportSender, std::string> open(const AgentConfig& config);

  // Sends one report to every target; a target that cannot be reached is logged when that
  // starts and when it ends, not at every report.
  void send(const MemberReport& report, std::int64_t now_unix_us);

 private:
  struct Target {
    UdpEndpoint endpoint;
    bool failing = false;
  };
  ReportSender(const AgentConfig& config, std::optional<UdpSocket> v4, std::optional<UdpSocket> v6);

  std::string member_;
  std::vector<std::byte> key_;
  std::vector<Target> targets_;
  std::optional<UdpSocket> v4_;
  std::optional<UdpSocket> v6_;
  ReportSequence sequence_;
};

}  // namespace ikesteer::agent::daemon
