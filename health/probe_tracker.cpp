#include "health/probe_tracker.hpp"

#include <algorithm>

namespace ikesteer::health {

ProbeTracker::ProbeTracker(unsigned rise, unsigned fall) noexcept
    : rise_(std::max(rise, 1U)), fall_(std::max(fall, 1U)) {}

std::optional<ProbeTracker::Change> ProbeTracker::record(bool ok) noexcept {
  const unsigned needed = ok ? rise_ : fall_;
  streak_ = (ok == last_ok_) ? std::min(streak_ + 1, needed) : 1;
  last_ok_ = ok;
  const ProbeState verdict = ok ? ProbeState::Up : ProbeState::Down;
  if (streak_ < needed || state_ == verdict) return std::nullopt;
  const Change change{state_, verdict};
  state_ = verdict;
  return change;
}

bool ProbeTracker::transitioning() const noexcept {
  return (state_ == ProbeState::Up && !last_ok_) || (state_ == ProbeState::Down && last_ok_);
}

Duration next_probe_delay(const ProbeTiming& timing, const ProbeTracker& tracker,
                          double random01) noexcept {
  Duration base = timing.interval_up;
  if (tracker.transitioning()) {
    base = timing.interval_transition;
  } else if (tracker.state() != ProbeState::Up) {
    base = timing.interval_down;
  }
  // The negated comparisons also send NaN to the lower bound.
  const double r = !(random01 > 0.0) ? 0.0 : std::min(random01, 1.0);
  const double j = !(timing.jitter > 0.0) ? 0.0 : std::min(timing.jitter, 0.5);
  const std::chrono::duration<double, Duration::period> scaled = base;
  return std::chrono::round<Duration>(scaled * (1.0 - j + 2.0 * j * r));
}

}  // namespace ikesteer::health
