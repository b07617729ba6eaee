#include "agent/daemon/agent_loop.hpp"

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "agent/daemon/backend_factory.hpp"
#include "agent/daemon/command_handler.hpp"
#include "agent/daemon/member_state_file.hpp"
#include "agent/daemon/report_sender.hpp"
#include "agent/daemon/system_load.hpp"
#include "agent/daemon/udp_socket.hpp"
#include "agent/daemon/watched_backend.hpp"
#include "common/log.hpp"

namespace ikesteer::agent::daemon {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Commands read per socket and wake-up, so that a flood on one cannot hold off the reports.
constexpr int kCommandsPerWake = 64;

std::int64_t unix_microseconds() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// SIGTERM and SIGINT as a readable fd: the loop sees them between two steps, never inside one.
class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    sigprocmask(SIG_BLOCK, &set_, nullptr);
    fd_ = ::signalfd(-1, &set_, SFD_NONBLOCK | SFD_CLOEXEC);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  ~StopSignals() {
    if (fd_ >= 0) ::close(fd_);
    sigprocmask(SIG_UNBLOCK, &set_, nullptr);
  }
  int fd() const noexcept { return fd_; }
  // The signal's name, once one has arrived.
  std::string_view take() const noexcept {
    signalfd_siginfo info{};
    if (::read(fd_, &info, sizeof info) != sizeof info) return "";
    return info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM";
  }

 private:
  sigset_t set_{};
  int fd_ = -1;
};

std::string endpoint_list(const std::vector<UdpEndpoint>& endpoints) {
  std::string out;
  for (const UdpEndpoint& e : endpoints) out += (out.empty() ? "" : ",") + e.to_string();
  return out;
}

class AgentLoop {
 public:
  AgentLoop(const AgentConfig& config, ReportSender sender, std::vector<UdpSocket> command_sockets)
      : config_(config),
        backend_(make_backend(config.backend)),
        sender_(std::move(sender)),
        command_sockets_(std::move(command_sockets)),
        handler_(config.member, config.key, config.command_max_skew, backend_),
        state_file_(config.state_file) {}

  int run(const StopSignals& signals) {
    std::vector<pollfd> fds{{signals.fd(), POLLIN, 0}};
    for (const UdpSocket& s : command_sockets_) fds.push_back({s.fd(), POLLIN, 0});
    SteadyClock::time_point next_report = SteadyClock::now();
    for (;;) {
      SteadyClock::time_point now = SteadyClock::now();
      if (now >= next_report) {
        report();
        // After a long backend call, carry on from now rather than send a burst.
        next_report = std::max(next_report + config_.report_interval, SteadyClock::now());
        now = SteadyClock::now();
      }
      const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_report - now).count();
      if (::poll(fds.data(), fds.size(), static_cast<int>(std::max<std::int64_t>(wait, 0))) < 0 &&
          errno != EINTR) {
        log(LogLevel::Error, "agent", "poll failed", {{"error", std::strerror(errno)}});
        return 1;
      }
      if (fds[0].revents & POLLIN) {
        log(LogLevel::Info, "agent", "stopping", {{"signal", signals.take()}});
        return 0;
      }
      for (std::size_t i = 1; i < fds.size(); ++i)
        if (fds[i].revents & POLLIN) read_commands(command_sockets_[i - 1]);
    }
  }

 private:
  void report() {
    MemberReport report{
        .state = state_file_.read(), .load = current_load(config_), .capacity = config_.capacity};
    if (const auto listed = backend_.list_sessions())
      report.sessions =
          static_cast<std::uint32_t>(std::min<std::size_t>(listed->sessions.size(), UINT32_MAX));
    sender_.send(report, unix_microseconds());
  }

  void read_commands(UdpSocket& socket) {
    // Room for more than the largest command: a longer one arrives cut, and is still too long.
    std::array<std::byte, 2 * health::kMaxAgentCommandSize> buffer;
    for (int i = 0; i < kCommandsPerWake; ++i) {
      const auto received = socket.receive(buffer);
      if (!received) return;
      const auto datagram = std::span(buffer).first(std::min(received->size, buffer.size()));
      const CommandOutcome outcome = handler_.handle(
          datagram,
          {.unix_seconds = unix_microseconds() / 1'000'000, .steady = SteadyClock::now()});
      if (outcome.reply) {
        if (const auto sent =
                socket.send_to(received->source, std::as_bytes(std::span(*outcome.reply)));
            !sent)
          log(LogLevel::Warn, "command", "cannot send the reply", {{"error", sent.error()}});
      }
      log_outcome(outcome, received->source);
    }
  }

  void log_outcome(const CommandOutcome& outcome, const UdpEndpoint& from) const {
    const std::string source = from.to_string();
    std::vector<LogField> fields;
    for (const auto& [key, value] : outcome.details) fields.emplace_back(key, value);
    fields.emplace_back("from", source);
    std::vector<std::string> storage;
    if (outcome.refusal)
      for (const LogField& f : handler_.refusals().log_fields(storage)) fields.push_back(f);
    log(outcome.level, "command", outcome.message, fields);
  }

  const AgentConfig& config_;
  WatchedBackend backend_;
  ReportSender sender_;
  std::vector<UdpSocket> command_sockets_;
  CommandHandler handler_;
  MemberStateFile state_file_;
};

}  // namespace

int run_agent(const AgentConfig& config) {
  const StopSignals signals;
  if (signals.fd() < 0) {
    log(LogLevel::Error, "agent", "cannot take signals", {{"error", std::strerror(errno)}});
    return 1;
  }
  auto sender = ReportSender::open(config);
  if (!sender) {
    log(LogLevel::Error, "agent", "cannot open a socket for reports", {{"error", sender.error()}});
    return 1;
  }
  std::vector<UdpSocket> command_sockets;
  for (const UdpEndpoint& e : config.command_listen) {
    auto socket = UdpSocket::bound_to(e);
    if (!socket) {
      log(LogLevel::Error, "agent", "cannot listen for commands", {{"error", socket.error()}});
      return 1;
    }
    command_sockets.push_back(std::move(socket).value());
  }
  AgentLoop loop(config, std::move(sender).value(), std::move(command_sockets));
  log(LogLevel::Info, "agent", "started",
      {{"member", config.member},
       {"report_to", endpoint_list(config.report_to)},
       {"command_listen",
        config.command_listen.empty() ? "none" : endpoint_list(config.command_listen)}});
  return loop.run(signals);
}

}  // namespace ikesteer::agent::daemon
