#include "frontend/actions/process_runner.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>

#include "temp_dir.hpp"
#include "uv_test_loop.hpp"

using namespace ikesteer;
using namespace ikesteer::frontend;
using namespace std::chrono_literals;

namespace {

ProcessSpec shell(const std::string& script, Duration timeout = 5s) {
  return {{"/bin/sh", "-c", script}, {}, timeout};
}

// Runs one command to completion; checks that the callback is not made from inside run().
ProcessResult run_once(ProcessSpec spec) {
  test::TestLoop l;
  ProcessRunner runner(l.get());
  std::optional<ProcessResult> result;
  runner.run(std::move(spec), [&](ProcessResult r) { result = std::move(r); });
  CHECK(runner.running());
  CHECK(!result.has_value());
  l.drain();
  CHECK(!runner.running());
  REQUIRE(result.has_value());
  return *result;
}

// True while `pid` is a live (not zombie) process.
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string ignored, state;
  if (!(stat >> ignored >> ignored >> state)) return false;
  return state != "Z" && state != "X";
}

pid_t read_pid(const std::filesystem::path& file) {
  std::ifstream in(file);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

}  // namespace

TEST_CASE("the exit status and stdout+stderr are reported") {
  const ProcessResult r = run_once(shell("echo out; echo err >&2; exit 3"));
  CHECK(r.exit_status == 3);
  CHECK(r.term_signal == 0);
  CHECK(!r.timed_out);
  CHECK(r.spawn_error.empty());
  CHECK(r.output == "out\nerr\n");
  CHECK(r.discarded == 0);
  CHECK(!succeeded(r));
  CHECK(status_text(r) == "exit 3");
  CHECK(r.elapsed < 5s);

  const ProcessResult ok = run_once(shell("true"));
  CHECK(ok.exit_status == 0);
  CHECK(ok.output.empty());
  CHECK(succeeded(ok));
  CHECK(status_text(ok) == "exit 0");
}

TEST_CASE("output past 4 KiB is discarded but counted") {
  const ProcessResult r = run_once(shell("head -c 10000 /dev/zero | tr '\\0' x"));
  CHECK(r.exit_status == 0);
  CHECK(r.output.size() == ProcessResult::kMaxOutput);
  CHECK(r.output == std::string(4096, 'x'));
  CHECK(r.discarded == 10000 - 4096);
}

TEST_CASE("a timeout kills the command and what it started, promptly") {
  const test::TempDir dir("ikesteer-runner");
  const std::string pid_file = dir.file("grandchild");
  const auto started = Clock::now();
  const ProcessResult r = run_once(shell("sleep 30 & echo $! > " + pid_file + "; wait", 300ms));
  CHECK(Clock::now() - started < 2s);
  CHECK(r.timed_out);
  CHECK(r.exit_status == -1);
  CHECK(r.term_signal == SIGKILL);
  CHECK(status_text(r) == "timeout");
  CHECK(!succeeded(r));
  CHECK(r.elapsed >= 299ms);  // libuv keeps time in whole milliseconds
  const pid_t grandchild = read_pid(pid_file);
  REQUIRE(grandchild > 0);
  // SIGKILL went to the whole process group; give the kernel a moment to finish it.
  for (int i = 0; i < 100 && alive(grandchild); ++i) ::usleep(10'000);
  CHECK(!alive(grandchild));
}

TEST_CASE("death by a signal is reported as such") {
  const ProcessResult r = run_once(shell("kill -TERM $$"));
  CHECK(!r.timed_out);
  CHECK(r.exit_status == -1);
  CHECK(r.term_signal == SIGTERM);
  CHECK(status_text(r) == "signal 15");
}

TEST_CASE("environment variables are added to ours and arrive verbatim") {
  const test::TempDir dir("ikesteer-runner");
  const std::string marker = dir.file("marker");
  const std::string hostile = "m1; touch " + marker;
  ProcessSpec spec =
      shell("printf '%s|%s|%s|%s' \"$IKESTEER_A\" \"$IKESTEER_B\" \"$HOME\" \"$PATH\"");
  spec.env = {{"IKESTEER_A", hostile}, {"IKESTEER_B", "$(id) `id` \"'"}, {"HOME", "/nowhere"}};
  const ProcessResult r = run_once(spec);
  CHECK(r.exit_status == 0);
  const char* path = std::getenv("PATH");
  CHECK(r.output == hostile + "|$(id) `id` \"'|/nowhere|" + (path ? path : ""));
  CHECK(!std::filesystem::exists(marker));

  // No shell at all: the argv and the environment reach the program untouched.
  const ProcessResult direct =
      run_once({{"/usr/bin/env"}, {{"IKESTEER_A", hostile}, {"IKESTEER_B", "$(id)"}}, 5s});
  CHECK(direct.output.find("\nIKESTEER_A=" + hostile + "\n") != std::string::npos);
  CHECK(direct.output.find("\nIKESTEER_B=$(id)\n") != std::string::npos);
  const ProcessResult echo = run_once({{"echo", hostile, "$(id)"}, {}, 5s});  // found in PATH
  CHECK(echo.output == hostile + " $(id)\n");
  CHECK(!std::filesystem::exists(marker));
}

TEST_CASE("a command that cannot start is reported on a later loop turn") {
  const ProcessResult missing = run_once({{"/nonexistent/ikesteer-hook"}, {}, 5s});
  CHECK(missing.exit_status == -1);
  CHECK(!succeeded(missing));
  CHECK(status_text(missing) == "spawn: no such file or directory");
  const ProcessResult empty = run_once({{}, {}, 5s});
  CHECK(status_text(empty) == "spawn: empty command");
}

TEST_CASE("destroying the runner kills the command and never calls back") {
  const test::TempDir dir("ikesteer-runner");
  const std::string pid_file = dir.file("destroyed");
  test::TestLoop l;
  bool called = false;
  auto runner = std::make_unique<ProcessRunner>(l.get());
  runner->run(shell("echo $$ > " + pid_file + "; exec sleep 30", 60s),
              [&](ProcessResult) { called = true; });
  for (int i = 0; i < 500 && read_pid(pid_file) == 0; ++i) {
    uv_run(l.get(), UV_RUN_NOWAIT);
    ::usleep(2'000);
  }
  const pid_t child = read_pid(pid_file);
  REQUIRE(child > 0);
  CHECK(alive(child));
  runner.reset();
  const auto started = Clock::now();
  l.drain();  // returns once the killed child is reaped
  CHECK(Clock::now() - started < 2s);
  CHECK(!alive(child));
  CHECK(!called);
}

TEST_CASE("the runner can be reused, and destroyed, from inside its callback") {
  test::TestLoop l;
  auto runner = std::make_unique<ProcessRunner>(l.get());
  std::vector<std::string> outputs;
  runner->run(shell("echo one"), [&](ProcessResult first) {
    outputs.push_back(first.output);
    runner->run(shell("echo two"), [&](ProcessResult second) {
      outputs.push_back(second.output);
      runner.reset();
    });
  });
  l.drain();
  CHECK(outputs == std::vector<std::string>{"one\n", "two\n"});
  CHECK(runner == nullptr);
}
