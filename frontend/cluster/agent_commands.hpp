// The client side of the agent commands, on the main loop: sends signed commands to members'
// agents over UDP (one unbound socket per address family; replies come back to it) and hands
// each command's reply, or its timeout, to the sender. The bookkeeping and every check on
// replies are AgentCommandBook's.
#pragma once

#include <uv.h>

#include <memory>

#include "frontend/cluster/agent_command_book.hpp"
#include "frontend/os/uv_timer.hpp"

namespace ikesteer::frontend {

class AgentCommands {
 public:
  explicit AgentCommands(uv_loop_t* loop);
  ~AgentCommands();
  AgentCommands(const AgentCommands&) = delete;
  AgentCommands& operator=(const AgentCommands&) = delete;

  void configure(const std::vector<MemberConfig>& members) { book_.configure(members); }
  bool can_command(const std::string& member) const { return book_.can_command(member); }

  // Sends `command`; `done` runs exactly once on the loop, with the reply or a timeout after
  // `timeout` (also when the datagram cannot be sent), unless the member stops being
  // commandable first (a reload). False, and `done` never runs: the member cannot be commanded.
  bool send(const OutgoingCommand& command, Duration timeout, CommandDone done);

  const AgentCommandCounters& counters() const noexcept { return book_.counters(); }
  // Closes the sockets and the timer (before the loop ends).
  void close();

 private:
  struct Socket;
  Socket* socket_for(IpFamily family);

  uv_loop_t* loop_;
  AgentCommandBook book_;
  std::unique_ptr<Socket> v4_, v6_;
  UvTimer sweep_;
  bool sweeping_ = false;
};

}  // namespace ikesteer::frontend
