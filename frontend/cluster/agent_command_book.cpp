#include "frontend/cluster/agent_command_book.hpp"

#include <algorithm>

#include "health/agent_command.hpp"

namespace ikesteer::frontend {
namespace {

CommandResult result_of(health::ReplyResult r) {
  switch (r) {
    case health::ReplyResult::Ok:
      return CommandResult::Ok;
    case health::ReplyResult::Refused:
      return CommandResult::Refused;
    case health::ReplyResult::Failed:
      return CommandResult::Failed;
  }
  return CommandResult::Failed;
}

}  // namespace

void AgentCommandBook::configure(const std::vector<MemberConfig>& members) {
  agents_.clear();
  for (const MemberConfig& m : members)
    if (m.agent_commands && !m.agent_key.empty())
      agents_[m.name] = {m.agent_key, *m.agent_commands};
  std::erase_if(pending_, [&](const auto& p) { return !agents_.contains(p.second.member); });
}

bool AgentCommandBook::can_command(const std::string& member) const {
  return agents_.contains(member);
}

std::optional<AgentCommandBook::Signed> AgentCommandBook::prepare(const OutgoingCommand& command,
                                                                  TimePoint deadline,
                                                                  std::uint64_t now_us,
                                                                  std::int64_t now_unix,
                                                                  CommandDone done) {
  const auto agent = agents_.find(command.member);
  if (agent == agents_.end()) return std::nullopt;
  last_seq_ = std::max(last_seq_ + 1, now_us);
  health::AgentCommand c;
  c.member = command.member;
  c.seq = last_seq_;
  c.time = now_unix;
  if (command.kind == OutgoingCommand::Kind::List) {
    c.kind = health::CommandKind::List;
    if (command.after) c.after = *command.after;
  } else {
    c.kind = health::CommandKind::Move;
    c.session = command.session;
    c.gateway = command.target.gateway;
  }
  pending_[last_seq_] = {command.member, command.kind, deadline, std::move(done)};
  return Signed{health::encode_agent_command(c, agent->second.key), agent->second.commands,
                last_seq_};
}

void AgentCommandBook::on_datagram(std::span<const std::byte> datagram) {
  auto drop = [this](ReplyDrop why) { ++counters_.replies_dropped[static_cast<std::size_t>(why)]; };
  auto reply = health::parse_agent_reply(datagram);
  if (!reply) return drop(ReplyDrop::Malformed);
  const auto agent = agents_.find(std::string(reply->member));
  if (agent == agents_.end()) return drop(ReplyDrop::UnknownMember);
  if (!health::verify_agent_mac(agent->second.key, reply->signed_part, reply->mac))
    return drop(ReplyDrop::BadMac);
  const auto pending = pending_.find(reply->seq);
  if (pending == pending_.end() || pending->second.member != reply->member)
    return drop(ReplyDrop::NotPending);
  CommandOutcome outcome;
  outcome.result = result_of(reply->result);
  if (reply->reason) outcome.reason = *reply->reason;
  outcome.total = reply->sessions;
  outcome.more = reply->more;
  for (const health::ListedSession& s : reply->listed)
    outcome.sessions.push_back({std::string(s.id), s.peer, std::string(s.identity), s.local});
  finish(pending, outcome);
}

void AgentCommandBook::expire(TimePoint now) {
  CommandOutcome timeout;
  timeout.result = CommandResult::Timeout;
  while (true) {
    const auto late = std::find_if(pending_.begin(), pending_.end(),
                                   [&](const auto& p) { return p.second.deadline <= now; });
    if (late == pending_.end()) return;
    finish(late, timeout);
  }
}

// Counts the outcome and answers: the entry goes first, so that `done` may send again.
void AgentCommandBook::finish(std::map<std::uint64_t, Pending>::iterator it,
                              const CommandOutcome& outcome) {
  Pending p = std::move(it->second);
  pending_.erase(it);
  auto& by_result = p.kind == OutgoingCommand::Kind::List ? counters_.list : counters_.move;
  ++by_result[static_cast<std::size_t>(outcome.result)];
  p.done(outcome);
}

}  // namespace ikesteer::frontend
