// The agent daemon (`ikesteer-agent run`): one thread, one poll() loop. Every report interval
// it lists the sessions and sends a signed report; between reports it answers the commands
// that reach command_listen; SIGTERM or SIGINT end it.
#pragma once

#include "agent/daemon/agent_config.hpp"

namespace ikesteer::agent::daemon {

// Runs until SIGTERM or SIGINT (exit status 0) or until it cannot start (1, logged).
int run_agent(const AgentConfig& config);

}  // namespace ikesteer::agent::daemon
