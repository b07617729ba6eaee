// Drain with move, on the main loop: a job per member being emptied (MoveCoordinator), fed
// with agent replies (AgentCommands) and the published steering plan, so that each session goes
// where its client would be redirected now, paced by the cluster-wide budget. Its progress and
// counters are readable from any thread; its events go to the event log.
#pragma once

#include <uv.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "frontend/cluster/agent_commands.hpp"
#include "frontend/cluster/move_coordinator.hpp"
#include "frontend/cluster/session_emptier.hpp"
#include "frontend/cluster/shared_state.hpp"
#include "frontend/log/event_log.hpp"
#include "frontend/os/uv_timer.hpp"
#include "health/pool_selector.hpp"

namespace ikesteer::frontend {

class SessionMover : public SessionEmptier {
 public:
  SessionMover(uv_loop_t* loop, SharedState& shared, EventLog& events);

  // The running configuration: budget and timeouts, the agents' keys and addresses. Stops the
  // jobs of members that are gone or can no longer be commanded.
  void configure(const Config& config);
  // Starts emptying the member (see MoveCoordinator::start); an error says why it cannot be.
  Result<void, std::string> start(const std::string& member, const std::string& who);
  void stop(const std::string& member, const std::string& reason);
  // Failback (SessionEmptier): a job for the member's sessions on scope.address, done when a
  // list finds none left there, or after failover.failback_move_timeout.
  void empty_address(std::uint64_t id, const std::string& member, FailbackScope scope,
                     Done done) override;
  void cancel(std::uint64_t id, const std::string& reason) override;
  // A member's agent reported this many sessions (an admitted report).
  void on_reported_sessions(const std::string& member, std::uint32_t count);
  // Stops the timer and the sockets (before the loop ends).
  void close();

  // From any thread.
  std::vector<MoveProgress> progress() const;
  AgentCommandCounters counters() const;

 private:
  void tick();
  void keep_ticking();
  void send(const OutgoingCommand& command);
  std::optional<MoveTarget> plan(const std::string& from, const std::string& avoid,
                                 const IpAddress& peer);
  void check_failbacks(TimePoint now);
  void refresh();

  // A failback's request: its job, its bound and whom to tell.
  struct Failback {
    std::string job;
    TimePoint deadline;
    Done done;
  };

  SharedState& shared_;
  EventLog& events_;
  Duration command_timeout_;
  Duration failback_move_timeout_;
  MoveCoordinator coordinator_;
  std::map<std::uint64_t, Failback> failbacks_;  // by request id
  AgentCommands commands_;
  UvTimer timer_;
  bool ticking_ = false;
  // The selector moves are planned with: a copy of the published plan's, counting the moves
  // as load; replaced (carrying its load over) when a new plan is published.
  std::shared_ptr<const SteeringPlan> plan_;
  std::optional<health::PoolSelector> selector_;

  mutable std::mutex mutex_;  // guards the two below, read by the HTTP thread
  std::vector<MoveProgress> progress_;
  AgentCommandCounters counters_;
};

}  // namespace ikesteer::frontend
