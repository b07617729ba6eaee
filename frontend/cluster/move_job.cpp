#include "frontend/cluster/move_job.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace ikesteer::frontend {
namespace {

constexpr Duration kRateWindow = std::chrono::seconds(10);

std::string describe_failure(std::string_view what, const CommandOutcome& outcome) {
  std::string text = std::string(what) + ": " + std::string(to_string(outcome.result));
  if (!outcome.reason.empty()) text += " (" + outcome.reason + ")";
  return text;
}

}  // namespace

MoveJob::MoveJob(std::string member, MoveJobSettings settings, TimePoint now,
                 std::chrono::system_clock::time_point wall_now, std::optional<FailbackScope> scope)
    : member_(std::move(member)),
      scope_(std::move(scope)),
      settings_(settings),
      next_list_at_(now),
      batch_since_(now) {
  progress_.member = member_;
  if (scope_) progress_.address = scope_->address;
  progress_.started_at = wall_now;
}

std::optional<MoveJob::ListRequest> MoveJob::list_due(TimePoint now) {
  if (state_ == MoveState::Stopped || list_in_flight_ || now < next_list_at_) return std::nullopt;
  if (!paging_) {
    paging_ = true;
    next_after_.reset();
    listing_.clear();
    list_started_ = now;
  }
  list_in_flight_ = true;
  return ListRequest{next_after_};
}

void MoveJob::on_list(const CommandOutcome& page, TimePoint now) {
  list_in_flight_ = false;
  if (state_ == MoveState::Stopped) return;
  if (page.result != CommandResult::Ok) {
    progress_.last_error = describe_failure("list", page);
    next_list_at_ = now + settings_.retry_delay;  // the same page again
    return;
  }
  listing_.insert(listing_.end(), page.sessions.begin(), page.sessions.end());
  if (page.more && !page.sessions.empty()) {
    next_after_ = page.sessions.back().id;
    next_list_at_ = now;
    return;
  }
  finish_list(now);
}

// A complete list: sessions gone were moved (if we asked them to), new ones are to be moved,
// and those still there a move_timeout after we asked are asked again or given up.
void MoveJob::finish_list(TimePoint now) {
  paging_ = false;
  // A failback's job sees only the sessions on its address (an agent that does not say where
  // a session runs leaves it out: it may well be on the member's own address).
  if (scope_)
    std::erase_if(listing_, [&](const ListedSessionCopy& s) { return s.local != scope_->address; });
  std::set<std::string> present;
  for (const ListedSessionCopy& s : listing_) present.insert(s.id);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (present.contains(it->first)) {
      ++it;
      continue;
    }
    if (it->second.attempts > 0) {
      ++progress_.moved;
      ++batch_[it->second.target];
      ++batch_total_;
    }
    it = sessions_.erase(it);
  }
  for (const ListedSessionCopy& listed : listing_) {
    auto [it, added] = sessions_.try_emplace(listed.id);
    Session& s = it->second;
    if (added) {
      s.peer = listed.peer;
      continue;
    }
    if (s.asked && !s.in_flight && !s.gave_up && *s.asked + settings_.move_timeout <= list_started_)
      give_up_or_retry(s);
  }
  if (!listed_once_) {
    progress_.total = static_cast<std::uint32_t>(listing_.size());
    if (scope_)
      events_.push_back({false, "moving " + std::to_string(listing_.size()) + " sessions of " +
                                    member_ + " on " + scope_->address.to_string() +
                                    " before it goes home to " + scope_->home});
  }
  listed_once_ = true;
  listing_.clear();
  add_batch_event(now, false);
  update_state(now);
  switch (state_) {
    case MoveState::Empty:
      next_list_at_ = TimePoint::max();  // until a report says it holds sessions again
      break;
    case MoveState::Moving:
      next_list_at_ = now + std::max(settings_.relist_interval, settings_.move_timeout);
      break;
    case MoveState::FailedSome:
      next_list_at_ = now + settings_.move_timeout;
      break;
    default:
      next_list_at_ = now + std::min(settings_.relist_interval, settings_.move_timeout);
  }
}

std::optional<MoveJob::MoveRequest> MoveJob::move_due(TimePoint now) const {
  if (state_ != MoveState::Moving) return std::nullopt;
  const auto in_flight = std::count_if(sessions_.begin(), sessions_.end(),
                                       [](const auto& s) { return s.second.in_flight; });
  if (in_flight >= static_cast<std::ptrdiff_t>(settings_.max_in_flight)) return std::nullopt;
  for (const auto& [id, s] : sessions_)
    if (s.due && !s.in_flight && !s.gave_up && now >= s.not_before) return MoveRequest{id, s.peer};
  return std::nullopt;
}

void MoveJob::move_sent(const std::string& session, const MoveTarget& target, TimePoint now) {
  const auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  Session& s = it->second;
  s.in_flight = true;
  s.due = false;
  s.without_target = false;
  ++s.attempts;
  s.target = target.member;
  update_state(now);
}

void MoveJob::no_target(const std::string& session, TimePoint now) {
  const auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  Session& s = it->second;
  s.not_before = now + settings_.no_target_retry;
  if (!s.without_target) ++progress_.failed_no_target;
  s.without_target = true;
  progress_.last_error = "session " + session + ": no eligible member to move it to";
}

void MoveJob::on_move(const std::string& session, const CommandOutcome& outcome, TimePoint now) {
  if (outcome.result == CommandResult::Ok) {
    ++progress_.requested;
    accepted_.push_back(now);
    while (!accepted_.empty() && accepted_.front() <= now - kRateWindow) accepted_.pop_front();
  } else {
    progress_.last_error = describe_failure("move " + session, outcome);
  }
  const auto it = sessions_.find(session);
  if (it == sessions_.end() || state_ == MoveState::Stopped) return;
  Session& s = it->second;
  s.in_flight = false;
  if (outcome.result == CommandResult::Ok || outcome.reason == "unknown_session") {
    // Asked (or already gone): the next list after move_timeout tells.
    s.asked = now;
  } else {
    s.not_before = now + settings_.retry_delay;
    give_up_or_retry(s);
  }
  update_state(now);
}

void MoveJob::give_up_or_retry(Session& s) {
  if (s.attempts < settings_.move_attempts) {
    s.due = true;
    return;
  }
  s.due = false;
  if (!s.gave_up) ++progress_.failed_attempts;
  s.gave_up = true;
}

void MoveJob::on_reported_sessions(std::uint32_t count, TimePoint now) {
  // A report counts every session of the member, not those on a failback's address.
  if (state_ == MoveState::Stopped || paging_ || scope_) return;
  // Empty but holding sessions again (clients that came back by address), or verifying and the
  // member says it is empty: list now rather than at the next interval.
  if ((state_ == MoveState::Empty && count > 0) || (state_ != MoveState::Empty && count == 0))
    next_list_at_ = std::min(next_list_at_, now);
}

void MoveJob::stop(std::string reason) {
  if (state_ == MoveState::Stopped) return;
  state_ = MoveState::Stopped;
  progress_.stop_reason = reason;
  events_.push_back({false, "stopped moving the sessions of " + member_ + " (" + reason +
                                "): " + std::to_string(progress_.moved) + " moved, " +
                                std::to_string(progress_.failed()) + " failed, " +
                                std::to_string(sessions_.size()) + " left"});
}

void MoveJob::update_state(TimePoint now) {
  if (state_ == MoveState::Stopped) return;
  const MoveState before = state_;
  const auto any = [&](auto pred) {
    return std::any_of(sessions_.begin(), sessions_.end(),
                       [&](const auto& s) { return pred(s.second); });
  };
  if (!listed_once_)
    state_ = MoveState::Listing;
  else if (sessions_.empty())
    state_ = MoveState::Empty;
  else if (any([](const Session& s) { return s.in_flight || (s.due && !s.gave_up); }))
    state_ = MoveState::Moving;
  else if (any([](const Session& s) { return !s.gave_up; }))
    state_ = MoveState::Verifying;
  else
    state_ = MoveState::FailedSome;
  if (state_ == before) return;
  if (state_ == MoveState::Empty) {
    add_batch_event(now, true);
    const std::string what =
        scope_ ? "no session of " + member_ + " is left on " + scope_->address.to_string()
               : "member " + member_ + " is empty";
    events_.push_back({false, what + ": " + std::to_string(progress_.moved) + " sessions moved, " +
                                  std::to_string(progress_.failed()) + " failed"});
  } else if (state_ == MoveState::FailedSome) {
    events_.push_back({true, "could not move " + std::to_string(sessions_.size()) +
                                 " sessions of " + member_ + " in " +
                                 std::to_string(settings_.move_attempts) + " attempts each"});
  }
}

// "moved 12 sessions of m1: 8 to m2, 4 to m3; 8 left", every batch_interval or batch_moves.
void MoveJob::add_batch_event(TimePoint now, bool force) {
  if (batch_total_ == 0) return;
  if (!force && batch_total_ < settings_.batch_moves &&
      now - batch_since_ < settings_.batch_interval)
    return;
  std::string text = "moved " + std::to_string(batch_total_) + " sessions of " + member_ + ":";
  bool first = true;
  for (const auto& [target, count] : batch_) {
    text += (first ? " " : ", ") + std::to_string(count) + " to " + target;
    first = false;
  }
  text += "; " + std::to_string(sessions_.size()) + " left";
  events_.push_back({false, std::move(text)});
  batch_.clear();
  batch_total_ = 0;
  batch_since_ = now;
}

MoveProgress MoveJob::progress(TimePoint now) const {
  MoveProgress p = progress_;
  p.state = state_;
  p.left = static_cast<std::uint32_t>(sessions_.size());
  const auto recent = std::count_if(accepted_.begin(), accepted_.end(),
                                    [&](TimePoint t) { return t > now - kRateWindow; });
  p.moves_per_second =
      static_cast<double>(recent) / std::chrono::duration<double>(kRateWindow).count();
  return p;
}

std::vector<MoveEvent> MoveJob::take_events() {
  return std::exchange(events_, {});
}

}  // namespace ikesteer::frontend
