// The SessionBackend for the IKE daemon the configuration names.
#pragma once

#include <memory>

#include "agent/daemon/agent_config.hpp"
#include "agent/session_backend.hpp"

namespace ikesteer::agent::daemon {

std::unique_ptr<SessionBackend> make_backend(const BackendConfig& config);

}  // namespace ikesteer::agent::daemon
