// How busy this member is, as reports carry it (load=0..1).
#pragma once

#include <optional>

#include "agent/daemon/agent_config.hpp"

namespace ikesteer::agent::daemon {

// LoadSource::Auto: the 1-minute load average divided by the online CPUs, clamped to 0..1
// (empty if the system does not say). Fixed: the configured number. None: empty.
std::optional<double> current_load(const AgentConfig& config);

}  // namespace ikesteer::agent::daemon
