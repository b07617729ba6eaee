#include "frontend/cluster/move_coordinator.hpp"

#include <algorithm>

namespace ikesteer::frontend {
namespace {

MoveJobSettings job_settings(const Config::Sessions& s) {
  MoveJobSettings j;
  j.move_timeout = s.move_timeout;
  j.move_attempts = s.move_attempts;
  return j;
}

}  // namespace

MoveCoordinator::MoveCoordinator(const Config::Sessions& settings, TokenBucket& budget)
    : job_settings_(job_settings(settings)), budget_(budget) {}

void MoveCoordinator::configure(const Config::Sessions& settings) {
  job_settings_ = job_settings(settings);
  for (auto& [member, job] : jobs_) job->set_settings(job_settings_);
}

bool MoveCoordinator::start(const std::string& member, TimePoint now,
                            std::chrono::system_clock::time_point wall_now) {
  if (running(member)) return false;
  jobs_[member] = std::make_unique<MoveJob>(member, job_settings_, now, wall_now);
  return true;
}

std::string MoveCoordinator::start_failback(const std::string& member, FailbackScope scope,
                                            TimePoint now,
                                            std::chrono::system_clock::time_point wall_now) {
  std::string name = member + " on " + scope.address.to_string();
  jobs_[name] = std::make_unique<MoveJob>(member, job_settings_, now, wall_now, std::move(scope));
  return name;
}

void MoveCoordinator::stop(const std::string& job, const std::string& reason) {
  if (MoveJob* j = find(job)) j->stop(reason);
}

void MoveCoordinator::stop_member(const std::string& member, const std::string& reason) {
  for (auto& [name, job] : jobs_)
    if (job->member() == member) job->stop(reason);
}

std::optional<MoveState> MoveCoordinator::state(const std::string& job) const {
  const auto it = jobs_.find(job);
  if (it == jobs_.end()) return std::nullopt;
  return it->second->state();
}

void MoveCoordinator::forget(const std::string& job) {
  jobs_.erase(job);
}

bool MoveCoordinator::running(const std::string& member) const {
  const auto it = jobs_.find(member);
  return it != jobs_.end() && it->second->state() != MoveState::Stopped &&
         it->second->state() != MoveState::Empty && it->second->state() != MoveState::FailedSome;
}

bool MoveCoordinator::wants_time(const std::string& member) const {
  return std::any_of(jobs_.begin(), jobs_.end(), [&](const auto& j) {
    return (member.empty() || j.second->member() == member) && j.second->wants_time();
  });
}

MoveJob* MoveCoordinator::find(const std::string& member) {
  const auto it = jobs_.find(member);
  return it == jobs_.end() ? nullptr : it->second.get();
}

std::vector<OutgoingCommand> MoveCoordinator::due(TimePoint now, const MovePlanner& plan) {
  std::vector<OutgoingCommand> out;
  std::vector<std::pair<const std::string*, MoveJob*>> order;
  for (auto& [name, job] : jobs_) order.emplace_back(&name, job.get());
  if (order.empty()) return out;
  for (auto [name, job] : order)
    if (auto list = job->list_due(now))
      out.push_back(
          {*name, job->member(), OutgoingCommand::Kind::List, std::move(list->after), {}, {}});
  // Moves: one per job in turn while the budget lasts. A job with nothing to send (or only
  // sessions with nowhere to go) drops out of this round.
  std::vector<bool> done(order.size(), false);
  std::size_t active = order.size();
  for (std::size_t i = turn_ % order.size(); active > 0 && budget_.ready(now);
       i = (i + 1) % order.size()) {
    if (done[i]) continue;
    MoveJob& job = *order[i].second;
    const auto request = job.move_due(now);
    if (!request) {
      done[i] = true;
      --active;
      continue;
    }
    auto target = plan(job.member(), job.avoid(), request->peer);
    if (!target) {
      job.no_target(request->session, now);
      continue;
    }
    // The front end may have taken the last token since ready(): this move waits its turn.
    if (!budget_.take(now)) break;
    job.move_sent(request->session, *target, now);
    out.push_back({*order[i].first, job.member(), OutgoingCommand::Kind::Move, std::nullopt,
                   request->session, *target});
    turn_ = i + 1;
  }
  return out;
}

void MoveCoordinator::on_outcome(const OutgoingCommand& command, const CommandOutcome& outcome,
                                 TimePoint now) {
  MoveJob* job = find(command.job);
  if (!job) return;
  if (command.kind == OutgoingCommand::Kind::List)
    job->on_list(outcome, now);
  else
    job->on_move(command.session, outcome, now);
}

void MoveCoordinator::on_reported_sessions(const std::string& member, std::uint32_t count,
                                           TimePoint now) {
  for (auto& [name, job] : jobs_)
    if (job->member() == member) job->on_reported_sessions(count, now);
}

std::vector<MoveProgress> MoveCoordinator::progress(TimePoint now) const {
  std::vector<MoveProgress> out;
  for (const auto& [member, job] : jobs_) out.push_back(job->progress(now));
  return out;
}

std::vector<std::pair<std::string, MoveEvent>> MoveCoordinator::take_events() {
  std::vector<std::pair<std::string, MoveEvent>> out;
  for (auto& [member, job] : jobs_)
    for (MoveEvent& e : job->take_events()) out.emplace_back(member, std::move(e));
  return out;
}

}  // namespace ikesteer::frontend
