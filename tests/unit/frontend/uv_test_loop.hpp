// A libuv loop for one test, run until a condition holds or a probe has answered.
#pragma once

#include <doctest/doctest.h>
#include <uv.h>

#include <chrono>
#include <functional>
#include <optional>

#include "common/clock.hpp"
#include "frontend/probes/probe.hpp"

namespace ikesteer::frontend::test {

// Destroying it runs the loop until nothing is left to do, then checks every handle was closed.
class TestLoop {
 public:
  TestLoop() { uv_loop_init(&loop_); }
  ~TestLoop() {
    drain();
    CHECK(uv_loop_close(&loop_) == 0);
  }
  TestLoop(const TestLoop&) = delete;
  TestLoop& operator=(const TestLoop&) = delete;
  uv_loop_t* get() { return &loop_; }

  // Runs the loop until nothing is left to do (handles closed, work done).
  void drain() { uv_run(&loop_, UV_RUN_DEFAULT); }

  // Runs the loop until `done` holds or `limit` passes; true if it held.
  bool run_until(const std::function<bool()>& done, Duration limit = std::chrono::seconds(10)) {
    const TimePoint end = Clock::now() + limit;
    while (!done() && Clock::now() < end) uv_run(&loop_, UV_RUN_ONCE);
    return done();
  }

  // Starts one attempt, checks the callback did not run inside run(), and runs the loop until
  // it has (at most 10 s).
  ProbeResult run(Probe& probe) {
    std::optional<ProbeResult> result;
    probe.run([&](ProbeResult r) { result = std::move(r); });
    CHECK_FALSE(result.has_value());  // never from inside run()
    run_until([&] { return result.has_value(); });
    REQUIRE(result.has_value());
    return *result;
  }

 private:
  uv_loop_t loop_{};
};

}  // namespace ikesteer::frontend::test
