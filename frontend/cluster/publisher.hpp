// The publisher step: builds, from one configuration and one cluster state, everything the
// packet threads read, and hands it over whole (SharedState::publish).
#pragma once

#include <memory>

#include "frontend/cluster/cluster_state.hpp"
#include "frontend/cluster/shared_state.hpp"
#include "frontend/config/config.hpp"

namespace ikesteer::frontend {

// What the packet threads see for a validated configuration in a cluster state.
Published build_published(std::shared_ptr<const Config> config,
                          std::shared_ptr<const ClusterState> cluster);

}  // namespace ikesteer::frontend
