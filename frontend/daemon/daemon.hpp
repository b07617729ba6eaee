// The daemon's wiring: binds the IKE sockets, drops root, runs one IKE loop per thread and a
// main loop for signals (SIGHUP reload, SIGTERM/SIGINT stop) and periodic statistics.
#pragma once

#include <memory>
#include <string>

#include "frontend/config/config.hpp"

namespace ikesteer::frontend {

struct DaemonOptions {
  std::string config_path;  // re-read on SIGHUP; empty for the embedded demo configuration
  Config config;            // already validated
  std::string version;      // shown by the API and metrics
};

// Runs until SIGTERM or SIGINT; returns the process exit status.
int run_daemon(DaemonOptions options);

}  // namespace ikesteer::frontend
