// Rise/fall verdicts of one probe, and the delay until its next attempt.
#include "health/probe_tracker.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace ikesteer::health {
namespace {

using namespace std::chrono_literals;

// Records the results and returns the verdict after each.
std::vector<ProbeState> feed(ProbeTracker& t, std::initializer_list<bool> results) {
  std::vector<ProbeState> states;
  for (const bool ok : results) {
    (void)t.record(ok);
    states.push_back(t.state());
  }
  return states;
}

constexpr auto U = ProbeState::Unknown;
constexpr auto Up = ProbeState::Up;
constexpr auto Dn = ProbeState::Down;

TEST_CASE("a probe starts unknown and not transitioning") {
  const ProbeTracker t(2, 3);
  CHECK(t.state() == U);
  CHECK_FALSE(t.transitioning());
}

TEST_CASE("rise successes make an unknown probe up, reported once") {
  ProbeTracker t(3, 2);
  CHECK_FALSE(t.record(true));
  CHECK_FALSE(t.record(true));
  const auto change = t.record(true);
  REQUIRE(change);
  CHECK(change->from == U);
  CHECK(change->to == Up);
  CHECK_FALSE(t.record(true));
  CHECK(t.state() == Up);
}

TEST_CASE("fall failures make an unknown probe down") {
  ProbeTracker t(3, 2);
  CHECK_FALSE(t.record(false));
  const auto change = t.record(false);
  REQUIRE(change);
  CHECK(change->from == U);
  CHECK(change->to == Dn);
}

TEST_CASE("up goes down after fall failures, down comes up after rise successes") {
  ProbeTracker t(2, 3);
  CHECK(feed(t, {true, true}) == std::vector{U, Up});
  CHECK(feed(t, {false, false, false}) == std::vector{Up, Up, Dn});
  const auto change = t.record(true);
  CHECK_FALSE(change);
  const auto back = t.record(true);
  REQUIRE(back);
  CHECK(back->from == Dn);
  CHECK(back->to == Up);
}

TEST_CASE("a result of the other kind resets the streak") {
  ProbeTracker t(3, 3);
  CHECK(feed(t, {true, true, false, true, true}) == std::vector{U, U, U, U, U});
  CHECK(feed(t, {true}) == std::vector{Up});
  CHECK(feed(t, {false, false, true, false, false}) == std::vector{Up, Up, Up, Up, Up});
  CHECK(feed(t, {false}) == std::vector{Dn});
}

TEST_CASE("flapping never changes the verdict faster than rise and fall allow") {
  for (const unsigned rise : {1U, 2U, 3U}) {
    for (const unsigned fall : {1U, 2U, 4U}) {
      ProbeTracker t(rise, fall);
      std::uint32_t x = 12345;  // xorshift: a fixed pseudo-random flapping pattern
      std::vector<bool> history;
      for (int i = 0; i < 2000; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        const bool ok = (x % 3) != 0;
        history.push_back(ok);
        const auto change = t.record(ok);
        if (!change) continue;
        // A change needs the last rise (fall) results to be successes (failures).
        const unsigned needed = ok ? rise : fall;
        REQUIRE(history.size() >= needed);
        for (std::size_t k = history.size() - needed; k < history.size(); ++k)
          CHECK(history[k] == ok);
        CHECK(change->to == (ok ? Up : Dn));
        CHECK(change->from != change->to);
      }
    }
  }
  ProbeTracker alternating(2, 2);
  for (int i = 0; i < 100; ++i) CHECK_FALSE(alternating.record(i % 2 == 0));
  CHECK(alternating.state() == U);
}

TEST_CASE("rise and fall of 0 count as 1") {
  ProbeTracker t(0, 0);
  CHECK(feed(t, {true, false, true}) == std::vector{Up, Dn, Up});
}

TEST_CASE("transitioning: the last result disagrees with the verdict") {
  ProbeTracker t(2, 2);
  (void)t.record(true);
  CHECK_FALSE(t.transitioning());  // unknown is never transitioning
  (void)t.record(false);
  CHECK_FALSE(t.transitioning());
  (void)t.record(true);
  (void)t.record(true);
  REQUIRE(t.state() == Up);
  CHECK_FALSE(t.transitioning());
  (void)t.record(false);
  CHECK(t.transitioning());
  (void)t.record(true);
  CHECK_FALSE(t.transitioning());
  (void)t.record(false);
  (void)t.record(false);
  REQUIRE(t.state() == Dn);
  CHECK_FALSE(t.transitioning());
  (void)t.record(true);
  CHECK(t.transitioning());
  (void)t.record(true);
  CHECK(t.state() == Up);
  CHECK_FALSE(t.transitioning());
}

TEST_CASE("the next delay follows the verdict and the last result") {
  const ProbeTiming timing{.interval_up = 3s,
                           .interval_down = 2s,
                           .interval_transition = 700ms,
                           .timeout = 500ms,
                           .rise = 2,
                           .fall = 2,
                           .jitter = 0.0};
  ProbeTracker t(timing.rise, timing.fall);
  CHECK(next_probe_delay(timing, t, 0.3) == 2s);  // unknown
  (void)t.record(true);
  CHECK(next_probe_delay(timing, t, 0.3) == 2s);
  (void)t.record(true);
  CHECK(next_probe_delay(timing, t, 0.3) == 3s);  // up
  (void)t.record(false);
  CHECK(next_probe_delay(timing, t, 0.3) == 700ms);  // up but failing
  (void)t.record(false);
  CHECK(next_probe_delay(timing, t, 0.3) == 2s);  // down
  (void)t.record(true);
  CHECK(next_probe_delay(timing, t, 0.3) == 700ms);  // down but passing
}

TEST_CASE("jitter scales the delay within [1 - jitter, 1 + jitter]") {
  const ProbeTracker unknown(2, 2);
  ProbeTiming timing;  // interval_down 1 s, jitter 0.1
  CHECK(next_probe_delay(timing, unknown, 0.0) == 900ms);
  CHECK(next_probe_delay(timing, unknown, 0.5) == 1s);
  CHECK(next_probe_delay(timing, unknown, 1.0) == 1100ms);
  for (int i = 0; i <= 100; ++i) {
    const Duration d = next_probe_delay(timing, unknown, i / 100.0);
    CHECK(d >= 900ms);
    CHECK(d <= 1100ms);
  }
  // Out-of-range inputs are clamped.
  CHECK(next_probe_delay(timing, unknown, -3.0) == 900ms);
  CHECK(next_probe_delay(timing, unknown, 7.0) == 1100ms);
  timing.jitter = 0.9;
  CHECK(next_probe_delay(timing, unknown, 0.0) == 500ms);
  CHECK(next_probe_delay(timing, unknown, 1.0) == 1500ms);
  timing.jitter = 0.0;
  CHECK(next_probe_delay(timing, unknown, 0.99) == 1s);
}

}  // namespace
}  // namespace ikesteer::health
