// Runs one external command on a libuv loop: an argv executed directly (never through a shell),
// extra environment variables on top of ours, stdout and stderr captured together, a timeout
// after which the whole process group is killed. For exec probes and failover hooks.
#pragma once

#include <uv.h>

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.hpp"

namespace ikesteer::frontend {

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing) ours
  Duration timeout{};
};

struct ProcessResult {
  int exit_status = -1;  // -1 when killed by a signal or not started
  int term_signal = 0;
  bool timed_out = false;
  std::string output;         // stdout and stderr interleaved, the first kMaxOutput bytes
  std::size_t discarded = 0;  // output bytes past kMaxOutput
  std::string spawn_error;    // why the command could not be started ("" when it ran)
  Duration elapsed{};

  static constexpr std::size_t kMaxOutput = 4096;
};

using ProcessCallback = std::function<void(ProcessResult)>;

// Ran, finished in time, exit status 0.
bool succeeded(const ProcessResult& r);
// "exit N", "timeout", "signal N" or "spawn: <error>".
std::string status_text(const ProcessResult& r);

class ProcessRunner {
 public:
  explicit ProcessRunner(uv_loop_t* loop) : loop_(loop) {}
  // A command still running is killed and its callback never called; the loop reaps it.
  ~ProcessRunner();
  ProcessRunner(const ProcessRunner&) = delete;
  ProcessRunner& operator=(const ProcessRunner&) = delete;

  // Starts `spec`; `done` is called once, later, on the loop thread (also when the command
  // cannot be started). Not called again before `done` has been.
  void run(ProcessSpec spec, ProcessCallback done);
  bool running() const noexcept { return current_ != nullptr; }

  struct Run;  // one command's handles; defined in the .cpp, outlives the runner if need be

 private:
  uv_loop_t* loop_;
  Run* current_ = nullptr;
};

}  // namespace ikesteer::frontend
