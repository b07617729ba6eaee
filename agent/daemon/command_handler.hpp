// What the agent does with one command datagram from ikesteer (health/agent_command.hpp):
// parse, check the member name, admit (MAC, replay, time window), then list the sessions or
// move one through the backend, and the signed reply to send back. No sockets and no clock of
// its own: the time is passed in, so the whole exchange can be driven in a test.
//
// The backend's calls block (each bounded by its timeout); while one runs, the agent neither
// reports nor reads other commands. A member agent asked a few times a second can afford that,
// and it keeps the daemon to one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/daemon/refusal_counts.hpp"
#include "agent/session_backend.hpp"
#include "common/log.hpp"
#include "health/agent_command.hpp"
#include "health/agent_report.hpp"

namespace ikesteer::agent::daemon {

// The following pages of one listing may come from the list fetched for its first page if it
// is at most this old; the first page always asks the IKE daemon afresh.
inline constexpr std::chrono::seconds kListReuse{5};

struct CommandTime {
  std::int64_t unix_seconds = 0;                   // for the time window and the reply
  std::chrono::steady_clock::time_point steady{};  // for the age of a fetched list
};

struct CommandOutcome {
  std::optional<std::string> reply{};            // to the command's source; none: drop it
  std::optional<health::AgentReject> refusal{};  // not acted on, and why (counted)
  LogLevel level = LogLevel::Info;
  std::string_view message;
  std::vector<std::pair<std::string_view, std::string>> details{};  // key=value for the log line
};

class CommandHandler {
 public:
  // member and key: this member's name and agent key; backend: must outlive the handler.
  CommandHandler(std::string member, std::vector<std::byte> key, std::chrono::seconds max_skew,
                 const SessionBackend& backend);

  CommandOutcome handle(std::span<const std::byte> datagram, CommandTime now);
  const RefusalCounts& refusals() const noexcept { return refusals_; }

 private:
  struct FetchedList {
    std::vector<Session> sessions;
    std::chrono::steady_clock::time_point at;
  };

  CommandOutcome refuse(const health::AgentCommand& command, health::AgentReject reason, bool reply,
                        CommandTime now);
  CommandOutcome list(const health::AgentCommand& command, CommandTime now);
  CommandOutcome move(const health::AgentCommand& command, CommandTime now);
  std::string failed(const health::AgentCommand& command, std::string_view reason,
                     CommandTime now) const;
  health::AgentReply reply_header(const health::AgentCommand& command, CommandTime now) const;

  std::string member_;
  std::vector<std::byte> key_;
  health::AgentGate gate_;
  const SessionBackend& backend_;
  std::optional<FetchedList> fetched_;
  RefusalCounts refusals_;
};

}  // namespace ikesteer::agent::daemon
