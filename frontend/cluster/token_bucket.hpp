// A token bucket kept as a theoretical arrival time (the generic cell rate algorithm, ITU-T
// I.371): one token every 1/rate, at most `burst` at once. Integer time, so a budget of 20 per
// second grants exactly 20 in every second once the burst is spent.
#pragma once

#include <algorithm>

#include "common/clock.hpp"

namespace ikesteer::frontend {

class TokenBucket {
 public:
  // rate > 0 tokens per second; burst >= 1. Starts full.
  TokenBucket(double rate, unsigned burst, TimePoint now) noexcept : ready_at_(now) {
    set_rate(rate, burst);
  }

  // A new rate (a reload); tokens already granted stay granted.
  void set_rate(double rate, unsigned burst) noexcept {
    interval_ =
        std::max(Duration(1),
                 std::chrono::duration_cast<Duration>(std::chrono::duration<double>(1.0 / rate)));
    tolerance_ = interval_ * (std::max(1u, burst) - 1);
  }

  // True when a token is there now (nothing is taken).
  bool ready(TimePoint now) const noexcept { return now >= ready_at_ - tolerance_; }

  // Takes a token if one is there.
  bool take(TimePoint now) noexcept {
    if (!ready(now)) return false;
    ready_at_ = std::max(ready_at_, now) + interval_;
    return true;
  }

 private:
  Duration interval_{};
  Duration tolerance_{};
  TimePoint ready_at_;  // when the next token is there with no burst left
};

}  // namespace ikesteer::frontend
