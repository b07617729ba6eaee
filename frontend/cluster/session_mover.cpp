#include "frontend/cluster/session_mover.hpp"

#include <algorithm>

#include "frontend/cluster/move_planner.hpp"

namespace ikesteer::frontend {
namespace {

// How often the jobs are given their turn: fine enough for a budget of hundreds per second
// (the bucket's burst covers a tick), coarse enough to cost nothing when idle.
constexpr Duration kTick = std::chrono::milliseconds(20);

}  // namespace

SessionMover::SessionMover(uv_loop_t* loop, SharedState& shared, EventLog& events)
    : shared_(shared),
      events_(events),
      command_timeout_(Config::Sessions{}.command_timeout),
      failback_move_timeout_(Config::Failover{}.failback_move_timeout),
      coordinator_(Config::Sessions{}, shared.new_ike_sa_budget()),
      commands_(loop),
      timer_(loop) {}

void SessionMover::configure(const Config& config) {
  command_timeout_ = config.sessions.command_timeout;
  failback_move_timeout_ = config.failover.failback_move_timeout;
  coordinator_.configure(config.sessions);
  commands_.configure(config.members);
  for (const MoveProgress& p : coordinator_.progress(Clock::now())) {
    if (p.state == MoveState::Stopped) continue;
    const auto m = std::find_if(config.members.begin(), config.members.end(),
                                [&](const MemberConfig& c) { return c.name == p.member; });
    if (m == config.members.end())
      coordinator_.stop_member(p.member, "removed from the configuration");
    else if (!commands_.can_command(p.member))
      coordinator_.stop_member(p.member, "its agent has no agent_commands or agent_key any more");
  }
  refresh();
}

Result<void, std::string> SessionMover::start(const std::string& member, const std::string& who) {
  if (!commands_.can_command(member))
    return fail("member " + member +
                " has no agent_commands (with agent_key): its sessions cannot be moved");
  if (!coordinator_.start(member, Clock::now(), std::chrono::system_clock::now())) return {};
  events_.add(LogLevel::Info, "sessions", "session_move", member,
              "moving the sessions of " + member + " away", {{"member", member}, {"who", who}});
  keep_ticking();
  refresh();
  return {};
}

void SessionMover::empty_address(std::uint64_t id, const std::string& member, FailbackScope scope,
                                 Done done) {
  const std::string where = " of " + member + " on " + scope.address.to_string() +
                            " before it goes home to " + scope.home;
  if (!commands_.can_command(member)) {
    events_.add(LogLevel::Warn, "sessions", "session_move", member,
                "cannot move the sessions" + where +
                    " (no agent_commands with agent_key): they will be cut",
                {{"member", member}, {"address", scope.address.to_string()}});
    done(false, "no agent_commands with agent_key");
    return;
  }
  const Duration bound = failback_move_timeout_;
  const std::string job = coordinator_.start_failback(member, std::move(scope), Clock::now(),
                                                      std::chrono::system_clock::now());
  failbacks_[id] = {job, Clock::now() + bound, std::move(done)};
  keep_ticking();
  refresh();
}

void SessionMover::cancel(std::uint64_t id, const std::string& reason) {
  const auto it = failbacks_.find(id);
  if (it == failbacks_.end()) return;
  coordinator_.stop(it->second.job, reason);
  failbacks_.erase(it);
  refresh();
}

// A failback's job is over when a list found its address empty, some sessions could not be
// moved, it was stopped, or its bound passed.
void SessionMover::check_failbacks(TimePoint now) {
  for (auto it = failbacks_.begin(); it != failbacks_.end();) {
    const auto state = coordinator_.state(it->second.job);
    std::optional<std::pair<bool, std::string>> over;
    if (state == MoveState::Empty)
      over.emplace(true, "no session left on the address");
    else if (state == MoveState::FailedSome)
      over.emplace(false, "some sessions could not be moved");
    else if (!state || state == MoveState::Stopped)
      over.emplace(false, "stopped");
    else if (now >= it->second.deadline) {
      coordinator_.stop(it->second.job, "failback_move_timeout passed");
      over.emplace(false, "failback_move_timeout passed");
    }
    if (!over) {
      ++it;
      continue;
    }
    const Done done = std::move(it->second.done);
    it = failbacks_.erase(it);
    refresh();  // the job's events before the release's
    done(over->first, over->second);
  }
}

void SessionMover::stop(const std::string& member, const std::string& reason) {
  coordinator_.stop(member, reason);
  refresh();
}

void SessionMover::on_reported_sessions(const std::string& member, std::uint32_t count) {
  coordinator_.on_reported_sessions(member, count, Clock::now());
  if (count > 0 && coordinator_.wants_time(member)) keep_ticking();
}

void SessionMover::keep_ticking() {
  if (ticking_) return;
  ticking_ = true;
  timer_.start(
      kTick, [this] { tick(); }, kTick);
}

void SessionMover::close() {
  timer_.stop();
  ticking_ = false;
  commands_.close();
}

void SessionMover::tick() {
  const TimePoint now = Clock::now();
  const auto commands =
      coordinator_.due(now, [this](const std::string& from, const std::string& avoid,
                                   const IpAddress& peer) { return plan(from, avoid, peer); });
  for (const OutgoingCommand& c : commands) send(c);
  refresh();
  check_failbacks(now);
  // Idle (every job empty or stopped, no command waiting, no failback waiting): nothing to do
  // until a report, an operator or a failback says otherwise.
  if (!coordinator_.wants_time() && failbacks_.empty()) {
    timer_.stop();
    ticking_ = false;
  }
}

void SessionMover::send(const OutgoingCommand& command) {
  const bool sent =
      commands_.send(command, command_timeout_, [this, command](const CommandOutcome& outcome) {
        coordinator_.on_outcome(command, outcome, Clock::now());
      });
  if (!sent) {  // lost its agent between configure() and now: the job is being stopped
    CommandOutcome failed;
    failed.result = CommandResult::Failed;
    failed.reason = "no_agent";
    coordinator_.on_outcome(command, failed, Clock::now());
  }
}

std::optional<MoveTarget> SessionMover::plan(const std::string& from, const std::string& avoid,
                                             const IpAddress& peer) {
  const Published published = shared_.current();
  if (published.steering != plan_) {
    health::PoolSelector next = published.steering->selector();
    if (selector_) next.carry_load_from(*selector_);
    selector_.emplace(std::move(next));
    plan_ = published.steering;
  }
  const auto& members = published.config->members;
  const auto index = [&](const std::string& name) {
    return std::find_if(members.begin(), members.end(),
                        [&](const MemberConfig& m) { return m.name == name; });
  };
  const auto at = index(avoid);
  if (index(from) == members.end() || at == members.end()) return std::nullopt;
  return plan_move_target(*plan_, *selector_, static_cast<std::size_t>(at - members.begin()), peer,
                          Clock::now());
}

// Events out, and the snapshot for readers on other threads.
void SessionMover::refresh() {
  for (auto& [member, e] : coordinator_.take_events())
    events_.add(e.warning ? LogLevel::Warn : LogLevel::Info, "sessions", "session_move", member,
                e.message, {{"member", member}});
  std::vector<MoveProgress> progress = coordinator_.progress(Clock::now());
  std::lock_guard lock(mutex_);
  progress_ = std::move(progress);
  counters_ = commands_.counters();
}

std::vector<MoveProgress> SessionMover::progress() const {
  std::lock_guard lock(mutex_);
  return progress_;
}

AgentCommandCounters SessionMover::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace ikesteer::frontend
