// run_command: a real child process each time (/bin/sh only as the test's program).
#include "agent/libreswan/run_command.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

namespace ikesteer::agent::libreswan {
namespace {

using std::chrono::milliseconds;

Result<CommandOutput, std::string> sh(const std::string& script, CommandLimits limits = {}) {
  return run_command({"/bin/sh", "-c", script}, limits);
}

TEST_CASE("stdout, stderr and the exit status, arguments passed as they are") {
  const auto ran = run_command(
      {"/bin/sh", "-c", "printf '%s|' \"$@\"; echo oops >&2; exit 3", "sh", "a b", "'c'", "$(d)"},
      {});
  REQUIRE(ran);
  CHECK(ran->out == "a b|'c'|$(d)|");
  CHECK(ran->err == "oops\n");
  CHECK(ran->exit_status == 3);
}

TEST_CASE("stdin is empty") {
  const auto ran = sh("cat; echo done");
  REQUIRE(ran);
  CHECK(ran->out == "done\n");
}

TEST_CASE("a program that outlives its timeout is killed") {
  const auto start = std::chrono::steady_clock::now();
  const auto ran = sh("echo started; exec sleep 10", {.timeout = milliseconds(200)});
  REQUIRE_FALSE(ran);
  CHECK(ran.error().find("did not finish within 200 ms") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < milliseconds(3000));
}

TEST_CASE("a program that closes its output but does not exit is killed too") {
  const auto ran = sh("exec >&- 2>&-; sleep 10", {.timeout = milliseconds(200)});
  REQUIRE_FALSE(ran);
  CHECK(ran.error().find("did not exit within 200 ms") != std::string::npos);
}

TEST_CASE("output over the bound stops the program") {
  const auto ran = sh("while :; do echo 0123456789abcdef; done", {.max_output = 4096});
  REQUIRE_FALSE(ran);
  CHECK(ran.error().find("printed more than 4096 bytes") != std::string::npos);
}

TEST_CASE("what cannot run is an error, not an exception") {
  const auto missing = run_command({"/nonexistent/whack", "--status"}, {});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().find("cannot run /nonexistent/whack") != std::string::npos);
  CHECK_FALSE(run_command({}, {}));
  const auto killed = sh("kill -9 $$");
  REQUIRE_FALSE(killed);
  CHECK(killed.error().find("killed by signal 9") != std::string::npos);
}

}  // namespace
}  // namespace ikesteer::agent::libreswan
