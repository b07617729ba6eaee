// What a reload (SIGHUP) may change in the running process. Settings that need sockets, threads
// or privileges the process set up at start (and has given up since) take effect only at restart.
#pragma once

#include <string_view>
#include <vector>

#include "frontend/config/config.hpp"

namespace ikesteer::frontend {

struct ReloadPlan {
  Config config;  // to run: the next configuration with the restart-only settings as running
  std::vector<std::string_view> restart_only;  // those that differ, as named in the file
};

// Restart-only: ike.listen, ike.ports, ike.threads, cookies.secret_lifetime, process.user,
// dns.enabled, dns.listen, dns.port, and the addresses adopted on failover. The last are named
// but not kept: they come with the member list, which takes effect (new ones get no socket).
ReloadPlan plan_reload(const Config& running, Config next);

}  // namespace ikesteer::frontend
