// Runs a program with an argument vector (never a shell), captures what it prints on stdout and
// stderr up to a bound, and kills it when it outlives its timeout. Nothing throws: every failure
// to start, read or wait is an error string.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace ikesteer::agent::libreswan {

struct CommandLimits {
  std::chrono::milliseconds timeout{5000};
  std::size_t max_output = 1 << 20;  // stdout and stderr together, in bytes
};

struct CommandOutput {
  int exit_status = 0;  // the program's own exit status (it exited: killed by a signal is an error)
  std::string out;
  std::string err;
};

// argv[0] is the program's path (no PATH search); stdin is /dev/null.
Result<CommandOutput, std::string> run_command(const std::vector<std::string>& argv,
                                               const CommandLimits& limits);

}  // namespace ikesteer::agent::libreswan
