// A token bucket kept as a theoretical arrival time (the generic cell rate algorithm, ITU-T
// I.371): one token every 1/rate, at most `burst` at once. Integer time, so a budget of 20 per
// second grants exactly 20 in every second once the burst is spent.
//
// Lock-free: every IKE loop and the main loop take from one bucket (the cluster-wide budget of
// new IKE SAs, [sessions] new_ike_sas_per_second); a take is a compare-and-swap on one atomic
// word, with no allocation, lock or exception.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

#include "common/clock.hpp"

namespace ikesteer {

class TokenBucket {
 public:
  // rate > 0 tokens per second; burst >= 1. Starts full, whatever the first `now`.
  TokenBucket(double rate, unsigned burst) noexcept { set_rate(rate, burst); }
  TokenBucket(const TokenBucket&) = delete;
  TokenBucket& operator=(const TokenBucket&) = delete;

  // A new rate (a reload); tokens already granted stay granted. Takes racing with it see the
  // old interval or the new one, either is fine.
  void set_rate(double rate, unsigned burst) noexcept {
    const Duration interval =
        std::max(Duration(1),
                 std::chrono::duration_cast<Duration>(std::chrono::duration<double>(1.0 / rate)));
    interval_.store(interval.count(), std::memory_order_relaxed);
    tolerance_.store(interval.count() * (std::max(1u, burst) - 1), std::memory_order_relaxed);
  }

  // True when a token is there now (nothing is taken).
  bool ready(TimePoint now) const noexcept {
    return ready_at(ready_at_.load(std::memory_order_relaxed), now.time_since_epoch().count());
  }

  // Takes a token if one is there.
  bool take(TimePoint now) noexcept {
    const Rep t = now.time_since_epoch().count();
    Rep seen = ready_at_.load(std::memory_order_relaxed);
    do {
      if (!ready_at(seen, t)) return false;
    } while (!ready_at_.compare_exchange_weak(
        seen, std::max(seen, t) + interval_.load(std::memory_order_relaxed),
        std::memory_order_relaxed));
    return true;
  }

 private:
  using Rep = Duration::rep;
  static_assert(std::atomic<Rep>::is_always_lock_free);

  bool ready_at(Rep ready_at, Rep now) const noexcept {
    return now >= ready_at - tolerance_.load(std::memory_order_relaxed);
  }

  std::atomic<Rep> interval_{1};
  std::atomic<Rep> tolerance_{0};
  // When the next token is there with no burst left; far in the past (but with room for the
  // tolerance below it) at the start.
  std::atomic<Rep> ready_at_{std::numeric_limits<Rep>::min() / 2};
};

}  // namespace ikesteer
