#include "frontend/probes/exec_probe.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <optional>

using namespace ikesteer;
using namespace ikesteer::frontend;
using namespace std::chrono_literals;

namespace {

struct Loop {
  uv_loop_t loop{};
  Loop() { uv_loop_init(&loop); }
  ~Loop() {
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
};

ProbeResult probe_once(const std::string& script, Duration timeout = 5s) {
  Loop l;
  ExecProbe probe(&l.loop, {"/bin/sh", "-c", script}, timeout);
  std::optional<ProbeResult> result;
  probe.run([&](ProbeResult r) { result = std::move(r); });
  CHECK(!result.has_value());  // never from inside run()
  uv_run(&l.loop, UV_RUN_DEFAULT);
  REQUIRE(result.has_value());
  return *result;
}

}  // namespace

TEST_CASE("exit 0 is up; the detail has the status and the first line of output") {
  const ProbeResult up = probe_once("echo '  all good  '; echo more");
  CHECK(up.ok);
  CHECK(up.detail == "exit 0: all good");
  CHECK(up.latency > Duration::zero());
  CHECK(up.latency < 5s);

  const ProbeResult down = probe_once("printf '\\n\\n  disk full\\r\\nsecond\\n' >&2; exit 3");
  CHECK(!down.ok);
  CHECK(down.detail == "exit 3: disk full");

  const ProbeResult quiet = probe_once("exit 1");
  CHECK(!quiet.ok);
  CHECK(quiet.detail == "exit 1");
}

TEST_CASE("a probe past its timeout is down with detail \"timeout\"") {
  const auto started = Clock::now();
  const ProbeResult r = probe_once("sleep 30", 200ms);
  CHECK(Clock::now() - started < 2s);
  CHECK(!r.ok);
  CHECK(r.detail == "timeout");
  CHECK(r.latency >= 199ms);  // libuv keeps time in whole milliseconds
}

TEST_CASE("death by a signal and a command that cannot start are down") {
  const ProbeResult killed = probe_once("echo bye; kill -KILL $$");
  CHECK(!killed.ok);
  CHECK(killed.detail == "signal 9: bye");

  Loop l;
  ExecProbe missing(&l.loop, {"/nonexistent/check"}, 1s);
  std::optional<ProbeResult> result;
  missing.run([&](ProbeResult r) { result = std::move(r); });
  CHECK(!result.has_value());
  uv_run(&l.loop, UV_RUN_DEFAULT);
  REQUIRE(result.has_value());
  CHECK(!result->ok);
  CHECK(result->detail == "spawn: no such file or directory");
}

TEST_CASE("a probe runs again after each result, and may be destroyed mid-attempt") {
  Loop l;
  auto probe = std::make_unique<ExecProbe>(
      &l.loop, std::vector<std::string>{"/bin/sh", "-c", "echo run"}, 5s);
  int results = 0;
  std::function<void(ProbeResult)> again = [&](ProbeResult r) {
    CHECK(r.ok);
    if (++results < 3) probe->run(again);
  };
  probe->run(again);
  uv_run(&l.loop, UV_RUN_DEFAULT);
  CHECK(results == 3);

  bool called = false;
  auto slow = std::make_unique<ExecProbe>(
      &l.loop, std::vector<std::string>{"/bin/sh", "-c", "sleep 30"}, 60s);
  slow->run([&](ProbeResult) { called = true; });
  uv_run(&l.loop, UV_RUN_NOWAIT);
  slow.reset();
  const auto started = Clock::now();
  uv_run(&l.loop, UV_RUN_DEFAULT);
  CHECK(Clock::now() - started < 2s);
  CHECK(!called);
}
