// Every member's move job together, paced by the budget of new IKE SAs that ikesteer causes
// ([sessions] new_ike_sas_per_second, cluster-wide), which the front end's redirects take from
// too. Pure: due() says which commands to send now, taking turns between the jobs, and the
// caller hands every answer back.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/token_bucket.hpp"
#include "frontend/cluster/move_job.hpp"
#include "frontend/config/config.hpp"

namespace ikesteer::frontend {

// A command for one member's agent.
struct OutgoingCommand {
  enum class Kind : std::uint8_t { List, Move };
  std::string job;  // the job it is for (its answer goes back there)
  std::string member;
  Kind kind = Kind::List;
  std::optional<std::string> after;  // list
  std::string session;               // move
  MoveTarget target;                 // move: where, and the gateway the agent names
};

// Where a client at `peer` on member `from` would be redirected now, never to `avoid` (`from`
// itself for a drain, a failback's home); nullopt: nowhere eligible.
using MovePlanner = std::function<std::optional<MoveTarget>(
    const std::string& from, const std::string& avoid, const IpAddress& peer)>;

class MoveCoordinator {
 public:
  // `budget` (shared with the IKE loops) must outlive the coordinator.
  MoveCoordinator(const Config::Sessions& settings, TokenBucket& budget);

  // A reload: the new timeouts apply to running jobs too (the budget's owner sets its rate).
  void configure(const Config::Sessions& settings);

  // Starts emptying `member` (a job named after it). A job that is running already goes on; a
  // finished or stopped one starts over. False: it was running already.
  bool start(const std::string& member, TimePoint now,
             std::chrono::system_clock::time_point wall_now);
  // Starts moving the member's sessions on scope.address (see MoveJob); returns the job's name.
  // A job of the same name starts over.
  std::string start_failback(const std::string& member, FailbackScope scope, TimePoint now,
                             std::chrono::system_clock::time_point wall_now);
  // Stops the job, if one runs (finished jobs stay as they are); stop_member: every job of it.
  void stop(const std::string& job, const std::string& reason);
  void stop_member(const std::string& member, const std::string& reason);
  bool running(const std::string& job) const;
  std::optional<MoveState> state(const std::string& job) const;
  // Forgets a finished or stopped job (a failback's, once its address went home).
  void forget(const std::string& job);
  // Whether due() may have something to send later: a job (of `member`, or any) neither empty
  // nor stopped, or empty but about to list again.
  bool wants_time(const std::string& member = {}) const;

  // The commands to send now: list pages first, then moves paced by the shared budget, one job
  // after another in turn.
  std::vector<OutgoingCommand> due(TimePoint now, const MovePlanner& plan);
  void on_outcome(const OutgoingCommand& command, const CommandOutcome& outcome, TimePoint now);
  void on_reported_sessions(const std::string& member, std::uint32_t count, TimePoint now);

  std::vector<MoveProgress> progress(TimePoint now) const;  // by job name
  // Events of every job since the last call, each with its member.
  std::vector<std::pair<std::string, MoveEvent>> take_events();

 private:
  MoveJob* find(const std::string& member);

  MoveJobSettings job_settings_;
  TokenBucket& budget_;
  std::map<std::string, std::unique_ptr<MoveJob>> jobs_;  // by name: the member, or a failback's
  std::size_t turn_ = 0;                                  // the job that moves first next time
};

}  // namespace ikesteer::frontend
