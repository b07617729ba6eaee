// Emptying one member of its established sessions, as a pure state machine fed with agent
// replies and the time: list every session (paged with after=), ask each to move (the caller
// plans where and paces), list again to see which left, ask again those still there after
// move_timeout, up to move_attempts, and say when the member is empty. No I/O: the caller sends
// what list_due() and move_due() ask for and hands back what the agent answered.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "frontend/cluster/session_move.hpp"

namespace ikesteer::frontend {

struct MoveJobSettings {
  Duration move_timeout = std::chrono::seconds(20);
  unsigned move_attempts = 3;
  unsigned max_in_flight = 4;                          // move commands per member at once
  Duration relist_interval = std::chrono::seconds(5);  // while verifying
  Duration retry_delay = std::chrono::seconds(1);      // after a command that failed
  Duration no_target_retry = std::chrono::seconds(5);  // a session with nowhere to go
  Duration batch_interval = std::chrono::seconds(5);   // progress events at most this often
  unsigned batch_moves = 20;                           // ... or after this many moves
};

// An event for the operators' timeline.
struct MoveEvent {
  bool warning = false;
  std::string message;
};

class MoveJob {
 public:
  struct ListRequest {
    std::optional<std::string> after;  // the page after this id; nullopt: the first page
  };
  struct MoveRequest {
    std::string session;
    IpAddress peer;
  };

  // With a scope, the job moves only the sessions on scope->address (listed with that local
  // address), never to scope->home, and ignores the member's session reports.
  MoveJob(std::string member, MoveJobSettings settings, TimePoint now,
          std::chrono::system_clock::time_point wall_now,
          std::optional<FailbackScope> scope = std::nullopt);

  // The list page to ask for now, if any; the job then waits for on_list().
  std::optional<ListRequest> list_due(TimePoint now);
  void on_list(const CommandOutcome& page, TimePoint now);

  // The next session to move now (within the in-flight limit), if any. Nothing changes until
  // the caller says what it did: move_sent() or no_target().
  std::optional<MoveRequest> move_due(TimePoint now) const;
  void move_sent(const std::string& session, const MoveTarget& target, TimePoint now);
  void no_target(const std::string& session, TimePoint now);
  void on_move(const std::string& session, const CommandOutcome& outcome, TimePoint now);

  // The member's agent reported this many sessions: an empty member that holds sessions again
  // is listed again.
  void on_reported_sessions(std::uint32_t count, TimePoint now);
  void stop(std::string reason);

  // A new move_timeout or move_attempts (a reload).
  void set_settings(const MoveJobSettings& settings) { settings_ = settings; }

  const std::string& member() const noexcept { return member_; }
  // The member its sessions must not go to: itself, or a failback's home.
  const std::string& avoid() const noexcept { return scope_ ? scope_->home : member_; }
  MoveState state() const noexcept { return state_; }
  // False when nothing will happen without a report or an answer (empty and not listing, or
  // stopped).
  bool wants_time() const noexcept {
    return state_ != MoveState::Stopped &&
           (state_ != MoveState::Empty || next_list_at_ != TimePoint::max() || list_in_flight_);
  }
  MoveProgress progress(TimePoint now) const;
  // Events since the last call, oldest first.
  std::vector<MoveEvent> take_events();

 private:
  struct Session {
    IpAddress peer;
    unsigned attempts = 0;           // move commands sent
    bool in_flight = false;          // a move command awaits its answer
    bool gave_up = false;            // attempts used up: failed
    bool without_target = false;     // no eligible member the last time it was planned
    std::optional<TimePoint> asked;  // the last move the agent accepted
    bool due = true;                 // to be asked (again)
    TimePoint not_before{};          // after a failed command or without a target
    std::string target;              // the member it was last sent to
  };

  void finish_list(TimePoint now);
  void update_state(TimePoint now);
  void add_batch_event(TimePoint now, bool force);
  void give_up_or_retry(Session& s);

  std::string member_;
  std::optional<FailbackScope> scope_;
  MoveJobSettings settings_;
  MoveState state_ = MoveState::Listing;
  std::map<std::string, Session> sessions_;  // as of the last complete list, minus those gone
  bool listed_once_ = false;

  // Listing: the pages read so far of the list in progress.
  bool list_in_flight_ = false;
  bool paging_ = false;
  std::optional<std::string> next_after_;
  std::vector<ListedSessionCopy> listing_;
  TimePoint list_started_{};
  TimePoint next_list_at_{};

  MoveProgress progress_;
  std::deque<TimePoint> accepted_;         // accepted move commands in the last 10 s
  std::map<std::string, unsigned> batch_;  // moved since the last progress event, by target
  unsigned batch_total_ = 0;
  TimePoint batch_since_{};
  std::vector<MoveEvent> events_;
};

}  // namespace ikesteer::frontend
