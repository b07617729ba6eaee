#include "agent/daemon/command_handler.hpp"

#include <algorithm>

namespace ikesteer::agent::daemon {
namespace {

using health::AgentReject;

// kReplyFailureReasons, by what each means here.
constexpr std::string_view kUnknownSession = health::kReplyFailureReasons[0];
constexpr std::string_view kDaemonUnreachable = health::kReplyFailureReasons[1];
constexpr std::string_view kDaemonRefused = health::kReplyFailureReasons[2];

// The backend tells why a redirect was not done; the reply says it in the protocol's words.
std::string_view reply_reason(RedirectFailure failure) {
  switch (failure) {
    case RedirectFailure::UnknownSession:
      return kUnknownSession;
    case RedirectFailure::DaemonUnreachable:
      return kDaemonUnreachable;
    case RedirectFailure::DaemonRefused:
      return kDaemonRefused;
  }
  return kDaemonRefused;
}

}  // namespace

CommandHandler::CommandHandler(std::string member, std::vector<std::byte> key,
                               std::chrono::seconds max_skew, const SessionBackend& backend)
    : member_(std::move(member)), key_(key), gate_(std::move(key), max_skew), backend_(backend) {}

CommandOutcome CommandHandler::handle(std::span<const std::byte> datagram, CommandTime now) {
  const auto parsed = health::parse_agent_command(datagram);
  if (!parsed) {
    refusals_.add(AgentReject::Malformed);
    return {.refusal = AgentReject::Malformed,
            .level = LogLevel::Warn,
            .message = "command dropped",
            .details = {{"reason", std::string(to_string(AgentReject::Malformed))}}};
  }
  const health::AgentCommand& command = *parsed;
  // A command for another member is answered only when it carries our key's MAC: whoever
  // holds the key may learn that the name is wrong, nobody else learns anything.
  if (command.member != member_)
    return refuse(command, AgentReject::UnknownMember,
                  health::verify_agent_mac(key_, command.signed_part, command.mac), now);
  if (const auto admitted = gate_.admit(command.signed_part, command.mac, command.seq, command.time,
                                        now.unix_seconds);
      !admitted)
    return refuse(command, admitted.error(), admitted.error() != AgentReject::BadMac, now);
  return command.kind == health::CommandKind::List ? list(command, now) : move(command, now);
}

health::AgentReply CommandHandler::reply_header(const health::AgentCommand& command,
                                                CommandTime now) const {
  health::AgentReply header;
  header.member = command.member;
  header.seq = command.seq;
  header.time = now.unix_seconds;
  return header;
}

CommandOutcome CommandHandler::refuse(const health::AgentCommand& command, AgentReject reason,
                                      bool reply, CommandTime now) {
  refusals_.add(reason);
  CommandOutcome out{.refusal = reason,
                     .level = LogLevel::Warn,
                     .message = reply ? "command refused" : "command dropped",
                     .details = {{"reason", std::string(to_string(reason))},
                                 {"command", std::string(to_string(command.kind))},
                                 {"member", std::string(command.member)},
                                 {"seq", std::to_string(command.seq)},
                                 {"time", std::to_string(command.time)}}};
  if (reply) {
    health::AgentReply refused = reply_header(command, now);
    refused.result = health::ReplyResult::Refused;
    refused.reason = to_string(reason);
    out.reply = health::encode_agent_reply(refused, key_);
  }
  return out;
}

std::string CommandHandler::failed(const health::AgentCommand& command, std::string_view reason,
                                   CommandTime now) const {
  health::AgentReply failure = reply_header(command, now);
  failure.result = health::ReplyResult::Failed;
  failure.reason = reason;
  return health::encode_agent_reply(failure, key_);
}

CommandOutcome CommandHandler::list(const health::AgentCommand& command, CommandTime now) {
  CommandOutcome out{.message = "command done",
                     .details = {{"command", "list"},
                                 {"seq", std::to_string(command.seq)},
                                 {"after", std::string(command.after.value_or(""))}}};
  const bool reuse = command.after && fetched_ && now.steady - fetched_->at <= kListReuse &&
                     now.steady >= fetched_->at;
  if (!reuse) {
    auto listed = backend_.list_sessions();
    if (!listed) {
      fetched_.reset();
      out.level = LogLevel::Warn;
      out.message = "command failed";
      out.details.emplace_back("reason", kDaemonUnreachable);
      out.details.emplace_back("error", listed.error());
      out.reply = failed(command, kDaemonUnreachable, now);
      return out;
    }
    fetched_ = FetchedList{std::move(listed->sessions), now.steady};
  }
  std::vector<health::ListedSession> all;
  all.reserve(fetched_->sessions.size());
  for (const Session& s : fetched_->sessions)
    if (health::is_session_id(s.id))
      all.push_back({s.id, s.peer_address, s.peer_id, s.local_address});
  out.reply = health::encode_list_reply(reply_header(command, now), all, command.after, key_);
  out.details.emplace_back("sessions", std::to_string(all.size()));
  out.details.emplace_back("fresh", reuse ? "no" : "yes");
  return out;
}

CommandOutcome CommandHandler::move(const health::AgentCommand& command, CommandTime now) {
  CommandOutcome out{.message = "command done",
                     .details = {{"command", "move"},
                                 {"seq", std::to_string(command.seq)},
                                 {"session", std::string(command.session)},
                                 {"gateway", std::string(command.gateway)}}};
  const auto answer = backend_.redirect(command.session, command.gateway);
  if (!answer) {
    const std::string_view reason = reply_reason(answer.error().failure);
    out.level = LogLevel::Warn;
    out.message = "command failed";
    out.details.emplace_back("error", answer.error().message);
    out.details.emplace_back("reason", reason);
    out.reply = failed(command, reason, now);
    return out;
  }
  out.details.emplace_back("matches", std::to_string(answer->matches));
  health::AgentReply done = reply_header(command, now);
  done.result = health::ReplyResult::Ok;
  out.reply = health::encode_agent_reply(done, key_);
  return out;
}

}  // namespace ikesteer::agent::daemon
