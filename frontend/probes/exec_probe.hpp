// The exec probe: a command (argv, no shell) whose exit status 0 means up. Bounded by the probe
// timeout, after which the command's process group is killed.
#pragma once

#include <uv.h>

#include <string>
#include <vector>

#include "common/clock.hpp"
#include "frontend/actions/process_runner.hpp"
#include "frontend/probes/probe.hpp"

namespace ikesteer::frontend {

class ExecProbe final : public Probe {
 public:
  ExecProbe(uv_loop_t* loop, std::vector<std::string> command, Duration timeout);
  // The detail is "exit N", "timeout", "signal N" or "spawn: <error>", then ": " and the first
  // line of the command's output when there is one.
  void run(ProbeCallback done) override;

 private:
  ProcessRunner runner_;
  std::vector<std::string> command_;
  Duration timeout_;
};

}  // namespace ikesteer::frontend
