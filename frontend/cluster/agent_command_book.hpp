// The command client's bookkeeping, apart from its sockets: signs each command with its
// member's key under a seq that grows across restarts, keeps it until its reply or its
// deadline, and takes a datagram as a reply only if it parses, carries the right MAC for the
// member it names, and answers a command of that member still waiting (health/agent_command.hpp
// has the wire format). Everything else is dropped and counted by reason.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "frontend/cluster/agent_command_counters.hpp"
#include "frontend/cluster/move_coordinator.hpp"
#include "frontend/config/config.hpp"

namespace ikesteer::frontend {

using CommandDone = std::function<void(const CommandOutcome&)>;

class AgentCommandBook {
 public:
  // now_us: the unix time in microseconds, the first seq (so that seqs grow across restarts
  // whose clocks do not go back).
  explicit AgentCommandBook(std::uint64_t now_us) noexcept : last_seq_(now_us - 1) {}

  // The members with agent_commands and agent_key. Commands waiting for a member that has
  // gone (or lost its command address) are forgotten without an answer.
  void configure(const std::vector<MemberConfig>& members);
  bool can_command(const std::string& member) const;

  struct Signed {
    std::string datagram;
    Endpoint to;
    std::uint64_t seq = 0;
  };
  // Signs `command` and waits for its reply until `deadline`; nullopt when the member cannot
  // be commanded (nothing is kept then, and `done` is not called).
  std::optional<Signed> prepare(const OutgoingCommand& command, TimePoint deadline,
                                std::uint64_t now_us, std::int64_t now_unix, CommandDone done);
  // A datagram from the command socket: calls the command's `done` if it is its reply.
  void on_datagram(std::span<const std::byte> datagram);
  // Calls `done` with a timeout for every command past its deadline.
  void expire(TimePoint now);

  bool idle() const noexcept { return pending_.empty(); }
  const AgentCommandCounters& counters() const noexcept { return counters_; }

 private:
  struct Agent {
    std::vector<std::byte> key;
    Endpoint commands;
  };
  struct Pending {
    std::string member;
    OutgoingCommand::Kind kind;
    TimePoint deadline;
    CommandDone done;
  };
  void finish(std::map<std::uint64_t, Pending>::iterator it, const CommandOutcome& outcome);

  std::map<std::string, Agent> agents_;
  std::map<std::uint64_t, Pending> pending_;  // by seq
  std::uint64_t last_seq_;
  AgentCommandCounters counters_;
};

}  // namespace ikesteer::frontend
