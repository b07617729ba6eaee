#include "frontend/probes/exec_probe.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>

#include "uv_test_loop.hpp"

using namespace ikesteer;
using namespace ikesteer::frontend;
using namespace std::chrono_literals;

namespace {

ProbeResult probe_once(const std::string& script, Duration timeout = 5s) {
  test::TestLoop l;
  ExecProbe probe(l.get(), {"/bin/sh", "-c", script}, timeout);
  return l.run(probe);
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

  test::TestLoop l;
  ExecProbe missing(l.get(), {"/nonexistent/check"}, 1s);
  const ProbeResult result = l.run(missing);
  CHECK(!result.ok);
  CHECK(result.detail == "spawn: no such file or directory");
}

TEST_CASE("a probe runs again after each result, and may be destroyed mid-attempt") {
  test::TestLoop l;
  auto probe = std::make_unique<ExecProbe>(
      l.get(), std::vector<std::string>{"/bin/sh", "-c", "echo run"}, 5s);
  int results = 0;
  std::function<void(ProbeResult)> again = [&](ProbeResult r) {
    CHECK(r.ok);
    if (++results < 3) probe->run(again);
  };
  probe->run(again);
  l.drain();
  CHECK(results == 3);

  bool called = false;
  auto slow = std::make_unique<ExecProbe>(
      l.get(), std::vector<std::string>{"/bin/sh", "-c", "sleep 30"}, 60s);
  slow->run([&](ProbeResult) { called = true; });
  uv_run(l.get(), UV_RUN_NOWAIT);
  slow.reset();
  const auto started = Clock::now();
  l.drain();
  CHECK(Clock::now() - started < 2s);
  CHECK(!called);
}
