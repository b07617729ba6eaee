#include "health/failover_planner.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace ikesteer::health {
namespace {

std::string format_seconds(Duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", std::chrono::duration<double>(d).count());
  return text;
}

double load_of(const MemberSnapshot& m) {
  return std::isnan(m.load) ? 0.5 : m.load;
}

}  // namespace

FailoverPlanner::FailoverPlanner(std::vector<FailoverAddress> addresses, PlannerOptions options,
                                 std::vector<Holder> initial_owners)
    : addresses_(std::move(addresses)), options_(std::move(options)), slots_(addresses_.size()) {
  for (std::size_t a = 0; a < addresses_.size(); ++a) {
    const Holder home = addresses_[a].home;
    const Holder owner = a < initial_owners.size() ? initial_owners[a] : home;
    Slot& s = slots_[a];
    s.status = {owner, Phase::Home, kNobody, TimePoint{}, std::nullopt, std::nullopt, "at home"};
    if (owner == kNobody) {
      s.status.phase = Phase::Stranded;
      s.status.reason = "no holder at start";
    } else if (owner != home) {
      s.status.phase = Phase::Away;
      s.status.reason = "held by " + name(owner) + " at start";
    }
    s.cause = s.status.reason;
  }
}

std::vector<FailoverAction> FailoverPlanner::update(std::span<const MemberSnapshot> members,
                                                    TimePoint now) {
  up_since_.resize(members.size());
  for (std::size_t m = 0; m < members.size(); ++m) {
    if (members[m].state != MemberState::Up) {
      up_since_[m].reset();
    } else if (!up_since_[m]) {
      up_since_[m] = now;
    }
  }
  members_.assign(members.begin(), members.end());

  std::vector<FailoverAction> out;
  const bool any_unknown = std::any_of(members.begin(), members.end(), [](const auto& m) {
    return m.state == MemberState::Unknown;
  });
  if (any_unknown) return out;
  for (std::size_t a = 0; a < addresses_.size(); ++a) step(a, now, out);
  return out;
}

std::vector<FailoverAction> FailoverPlanner::completed(std::uint64_t id, bool ok, TimePoint now) {
  std::vector<FailoverAction> out;
  const auto it =
      std::find_if(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.in_flight == id; });
  if (id == 0 || it == slots_.end()) return out;
  const auto a = static_cast<std::size_t>(it - slots_.begin());
  Slot& s = *it;
  s.in_flight = 0;
  const Holder owner = s.status.owner;
  switch (s.in_flight_kind) {
    case ActionKind::Release:
      if (ok) {
        s.status.owner = kNobody;
        claim(a, s.status.target, s.cause, now, out);
      } else if (must_give_up(owner)) {
        s.wait_until = now + options_.fencing;
        enter(a, Phase::Fencing, now);
        s.status.reason = "release from " + name(owner) + " failed (" + s.cause + ")";
      } else {  // a healthy holder still has it: a claim would make two holders
        settle(a, "release from " + name(owner) + " failed; it keeps the address", now);
        s.wait_until = now + options_.retry;
      }
      break;
    case ActionKind::Claim:
      if (ok) {
        s.status.owner = s.status.target;
        s.status.verified.reset();
        enter(a, Phase::Verifying, now);
        s.status.reason = s.cause;
        start(a, ActionKind::Verify, s.status.owner, s.cause, out);
      } else {
        const Holder target = s.status.target;
        strand(a, "claim by " + name(target) + " failed (" + s.cause + ")", now);
      }
      break;
    case ActionKind::Verify:
      s.status.verified = ok;
      settle(a, s.cause, now);
      break;
    case ActionKind::MoveSessions:
      s.status.sessions_moved = ok;
      if (const Holder failed = failback_blocked_by(a); failed != kNobody)
        settle(a, "failback abandoned: " + state_words(failed), now);
      else
        release(a, addresses_[a].home, s.cause, now, out);
      break;
  }
  return out;
}

std::vector<std::uint64_t> FailoverPlanner::take_abandoned() {
  return std::exchange(abandoned_, {});
}

std::vector<FailoverAction> FailoverPlanner::fail_back(Holder member, TimePoint now) {
  std::vector<FailoverAction> out;
  if (must_give_up(member)) return out;
  for (std::size_t a = 0; a < addresses_.size(); ++a) {
    const Slot& s = slots_[a];
    if (addresses_[a].home != member || addresses_[a].mode == FailoverMode::None ||
        s.in_flight != 0 || s.status.phase == Phase::Fencing || s.status.owner == member)
      continue;
    if (s.status.owner == kNobody) {
      slots_[a].cause = "failback: operator";
      claim(a, member, "failback: operator", now, out);
    } else {
      go_home(a, "failback: operator", now, out);
    }
  }
  return out;
}

void FailoverPlanner::step(std::size_t a, TimePoint now, std::vector<FailoverAction>& out) {
  Slot& s = slots_[a];
  const FailoverAddress& address = addresses_[a];
  if (address.mode == FailoverMode::None) return;
  if (s.in_flight != 0 && !abandon_emptying(a, now)) return;
  const Holder owner = s.status.owner;
  const auto failback = [&] {
    return "failback: " + name(address.home) + " up for " + format_seconds(options_.failback_hold);
  };

  if (s.status.phase == Phase::Fencing) {
    if (now < s.wait_until) return;
    s.status.owner = kNobody;
    claim(a, s.status.target, "fencing over: release from " + name(owner) + " failed", now, out);
    return;
  }
  if (owner == kNobody) {  // stranded after a failed claim
    if (now < s.wait_until) return;
    if (failback_due(a, now)) {
      s.cause = failback();
      claim(a, address.home, s.cause, now, out);
    } else {
      claim(a, kNobody, "retry: " + s.cause, now, out);
    }
    return;
  }
  if (owner != address.home && failback_due(a, now)) {
    go_home(a, failback(), now, out);
    return;
  }
  const auto state = [&] { return state_words(owner); };
  if (!must_give_up(owner)) {
    if (s.status.phase == Phase::Stranded) settle(a, state(), now);
    return;
  }
  if (s.status.phase == Phase::Stranded && now < s.wait_until) return;
  const Holder target = choose_target(address);
  if (target == kNobody) {
    s.cause = state();
    strand(a, "nowhere to go (" + s.cause + ")", now);
    return;
  }
  release(a, target, state(), now, out);
}

void FailoverPlanner::release(std::size_t a, Holder target, std::string cause, TimePoint now,
                              std::vector<FailoverAction>& out) {
  Slot& s = slots_[a];
  s.cause = std::move(cause);
  s.status.target = target;
  enter(a, Phase::Releasing, now);
  s.status.reason = s.cause;
  start(a, ActionKind::Release, s.status.owner, s.cause, out);
}

// Failback from the holder: a member holder's sessions on the address move first (they would
// be cut by the release); the front end (adopt) holds none, a holder that is down or in
// maintenance none to save.
void FailoverPlanner::go_home(std::size_t a, std::string cause, TimePoint now,
                              std::vector<FailoverAction>& out) {
  Slot& s = slots_[a];
  const Holder owner = s.status.owner;
  if (owner == kFrontend || owner == kNobody || must_give_up(owner)) {
    release(a, addresses_[a].home, std::move(cause), now, out);
    return;
  }
  s.cause = std::move(cause);
  s.status.target = addresses_[a].home;
  s.status.sessions_moved.reset();
  enter(a, Phase::Emptying, now);
  s.status.reason =
      "failback: moving " + name(owner) + "'s sessions on " + addresses_[a].address.to_string();
  start(a, ActionKind::MoveSessions, owner, s.status.reason, out);
}

// A session move in flight whose failback no longer holds (its holder must give up the address,
// or home may not take it) is given up; true when the address has nothing in flight now.
bool FailoverPlanner::abandon_emptying(std::size_t a, TimePoint now) {
  Slot& s = slots_[a];
  if (s.in_flight_kind != ActionKind::MoveSessions) return false;
  const Holder failed = failback_blocked_by(a);
  if (failed == kNobody) return false;
  abandoned_.push_back(s.in_flight);
  s.in_flight = 0;
  s.status.sessions_moved = false;
  settle(a, "failback abandoned: " + state_words(failed), now);
  return true;
}

// The holder or home, whichever must give up addresses now (holder first); kNobody: neither.
Holder FailoverPlanner::failback_blocked_by(std::size_t a) const {
  if (must_give_up(slots_[a].status.owner)) return slots_[a].status.owner;
  if (must_give_up(addresses_[a].home)) return addresses_[a].home;
  return kNobody;
}

std::string FailoverPlanner::state_words(Holder h) const {
  return name(h) + " " + std::string(to_string(state_of(h)));
}

// Claims at `preferred` if it may still take the address, else at a target chosen anew.
// Precondition: nobody holds the address.
void FailoverPlanner::claim(std::size_t a, Holder preferred, std::string reason, TimePoint now,
                            std::vector<FailoverAction>& out) {
  Slot& s = slots_[a];
  const Holder target =
      preferred != kNobody && !must_give_up(preferred) ? preferred : choose_target(addresses_[a]);
  if (target == kNobody) {
    strand(a, "nowhere to go (" + s.cause + ")", now);
    return;
  }
  s.status.target = target;
  enter(a, Phase::Claiming, now);
  s.status.reason = reason;
  start(a, ActionKind::Claim, target, std::move(reason), out);
}

void FailoverPlanner::strand(std::size_t a, std::string reason, TimePoint now) {
  Slot& s = slots_[a];
  s.status.target = kNobody;
  enter(a, Phase::Stranded, now);
  s.status.reason = std::move(reason);
  s.wait_until = now + options_.retry;
}

void FailoverPlanner::settle(std::size_t a, std::string reason, TimePoint now) {
  Slot& s = slots_[a];
  s.status.target = kNobody;
  enter(a, s.status.owner == addresses_[a].home ? Phase::Home : Phase::Away, now);
  s.status.reason = std::move(reason);
}

void FailoverPlanner::enter(std::size_t a, Phase phase, TimePoint now) {
  AddressStatus& status = slots_[a].status;
  if (status.phase == phase) return;
  status.phase = phase;
  status.since = now;
}

void FailoverPlanner::start(std::size_t a, ActionKind kind, Holder holder, std::string reason,
                            std::vector<FailoverAction>& out) {
  slots_[a].in_flight = next_id_;
  slots_[a].in_flight_kind = kind;
  out.push_back({next_id_++, kind, a, holder, std::move(reason)});
}

MemberState FailoverPlanner::state_of(Holder h) const {
  return h < members_.size() ? members_[h].state : MemberState::Unknown;
}

bool FailoverPlanner::must_give_up(Holder h) const {
  const MemberState state = state_of(h);
  return state == MemberState::Down || state == MemberState::Maintenance;
}

bool FailoverPlanner::failback_due(std::size_t a, TimePoint now) const {
  const Holder home = addresses_[a].home;
  return options_.auto_failback && home < up_since_.size() && up_since_[home] &&
         now - *up_since_[home] >= options_.failback_hold && now >= slots_[a].wait_until;
}

Holder FailoverPlanner::choose_target(const FailoverAddress& address) const {
  switch (address.mode) {
    case FailoverMode::None:
      return kNobody;
    case FailoverMode::Adopt:
      return kFrontend;
    case FailoverMode::Member:
      if (state_of(address.survivor) == MemberState::Up) return address.survivor;
      break;
    case FailoverMode::LeastLoaded:
      break;
  }
  Holder best = kNobody;
  for (Holder m = 0; m < members_.size(); ++m) {
    if (members_[m].state != MemberState::Up) continue;
    if (best == kNobody || load_of(members_[m]) < load_of(members_[best])) best = m;
  }
  return best;
}

std::string FailoverPlanner::name(Holder h) const {
  if (h == kFrontend) return "front end";
  if (h == kNobody) return "nobody";
  if (h < options_.member_names.size() && !options_.member_names[h].empty())
    return options_.member_names[h];
  return "member " + std::to_string(h);
}

}  // namespace ikesteer::health
