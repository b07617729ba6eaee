#include "agent/daemon/report_sender.hpp"

#include <span>
#include <utility>

#include "common/log.hpp"

namespace ikesteer::agent::daemon {
namespace {

// A socket for `family` if some target needs one.
Result<std::optional<UdpSocket>, std::string> socket_for(const AgentConfig& config,
                                                         IpFamily family) {
  for (const UdpEndpoint& target : config.report_to) {
    if (target.address.family() != family) continue;
    auto socket = UdpSocket::unbound(family);
    if (!socket) return fail(socket.error());
    return std::optional<UdpSocket>(std::move(socket).value());
  }
  return std::optional<UdpSocket>();
}

}  // namespace

Result<ReportSender, std::string> ReportSender::open(const AgentConfig& config) {
  auto v4 = socket_for(config, IpFamily::V4);
  if (!v4) return fail(v4.error());
  auto v6 = socket_for(config, IpFamily::V6);
  if (!v6) return fail(v6.error());
  return ReportSender(config, std::move(v4).value(), std::move(v6).value());
}

ReportSender::ReportSender(const AgentConfig& config, std::optional<UdpSocket> v4,
                           std::optional<UdpSocket> v6)
    : member_(config.member), key_(config.key), v4_(std::move(v4)), v6_(std::move(v6)) {
  for (const UdpEndpoint& endpoint : config.report_to) targets_.push_back({endpoint});
}

void ReportSender::send(const MemberReport& report, std::int64_t now_unix_us) {
  health::AgentReport wire;
  wire.member = member_;
  wire.seq = sequence_.next(static_cast<std::uint64_t>(now_unix_us));
  wire.time = now_unix_us / 1'000'000;
  wire.state = report.state;
  wire.load = report.load;
  wire.capacity = report.capacity;
  wire.sessions = report.sessions;
  const std::string datagram = health::encode_agent_report(wire, key_);
  const auto bytes = std::as_bytes(std::span(datagram));
  for (Target& target : targets_) {
    UdpSocket& socket = target.endpoint.address.is_v4() ? *v4_ : *v6_;
    const auto sent = socket.send_to(target.endpoint, bytes);
    if (!sent && !target.failing)
      log(LogLevel::Warn, "report", "cannot send reports", {{"error", sent.error()}});
    else if (sent && target.failing)
      log(LogLevel::Info, "report", "sending reports again", {{"to", target.endpoint.to_string()}});
    target.failing = !sent;
  }
}

}  // namespace ikesteer::agent::daemon
