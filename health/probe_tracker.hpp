// The verdict of one probe from its stream of results: rise/fall hysteresis, so that one lost
// packet neither takes a member down nor brings it back. Also the delay until the next attempt.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/clock.hpp"

namespace ikesteer::health {

enum class ProbeState : std::uint8_t { Unknown, Up, Down };

constexpr std::string_view to_string(ProbeState s) noexcept {
  switch (s) {
    case ProbeState::Unknown:
      return "unknown";
    case ProbeState::Up:
      return "up";
    case ProbeState::Down:
      return "down";
  }
  return "?";
}

// A probe's schedule and thresholds; the defaults are the config defaults ([health]).
struct ProbeTiming {
  Duration interval_up = std::chrono::seconds(1);
  Duration interval_down = std::chrono::seconds(1);  // while down or unknown
  Duration interval_transition = std::chrono::milliseconds(500);
  Duration timeout = std::chrono::milliseconds(500);
  unsigned rise = 2;    // consecutive successes: unknown/down -> up; >= 1
  unsigned fall = 2;    // consecutive failures: unknown/up -> down; >= 1
  double jitter = 0.1;  // 0 .. 0.5
  bool operator==(const ProbeTiming&) const = default;
};

class ProbeTracker {
 public:
  // rise and fall of 0 count as 1.
  explicit ProbeTracker(unsigned rise, unsigned fall) noexcept;

  struct Change {
    ProbeState from;
    ProbeState to;
  };

  // Records one result. Unknown or Down becomes Up after `rise` consecutive successes;
  // Unknown or Up becomes Down after `fall` consecutive failures. Returns the change, if any.
  std::optional<Change> record(bool ok) noexcept;

  ProbeState state() const noexcept { return state_; }

  // The last result disagrees with the verdict (up but failing, down but passing): the
  // verdict may be about to change (probes run faster, DNS shortens TTLs). Never while
  // Unknown: there is no verdict to disagree with.
  bool transitioning() const noexcept;

 private:
  unsigned rise_;
  unsigned fall_;
  ProbeState state_ = ProbeState::Unknown;
  bool last_ok_ = false;
  unsigned streak_ = 0;  // consecutive results equal to last_ok_, capped at the threshold
};

// The delay until the next attempt: interval_transition while transitioning, interval_down
// while down or unknown, interval_up while up; scaled by (1 - jitter + 2 * jitter * random01)
// so that probes of many members spread out. random01 is clamped to [0, 1], jitter to
// [0, 0.5].
Duration next_probe_delay(const ProbeTiming& timing, const ProbeTracker& tracker,
                          double random01) noexcept;

}  // namespace ikesteer::health
