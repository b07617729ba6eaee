// The publisher step, on the main loop: for each change of configuration or member state it
// builds, once, everything the packet threads read (the DNS snapshot, the steering plan, one
// selector per IKE loop) and hands it over whole (SharedState::publish). The packet threads
// only switch to what it built.
#pragma once

#include <memory>
#include <string>

#include "common/result.hpp"
#include "frontend/cluster/cluster_state.hpp"
#include "frontend/cluster/shared_state.hpp"
#include "frontend/config/config.hpp"

namespace ikesteer::frontend {

// What the packet threads see for a validated configuration in a cluster state, with
// `ike_loops` IKE loops; `previous` (what was published before, if anything) lends what did
// not change (SteeringPlan::build). Fails only on a configuration that validation refuses.
Result<Published, std::string> build_published(std::shared_ptr<const Config> config,
                                               std::shared_ptr<const ClusterState> cluster,
                                               unsigned ike_loops,
                                               const SteeringPlan* previous = nullptr);

class Publisher {
 public:
  Publisher(SharedState& shared, unsigned ike_loops) noexcept
      : shared_(shared), ike_loops_(ike_loops) {}

  // Builds and publishes; on failure nothing changes and the reason is returned.
  Result<void, std::string> publish(std::shared_ptr<const Config> config,
                                    std::shared_ptr<const ClusterState> cluster);

 private:
  SharedState& shared_;
  unsigned ike_loops_;
};

}  // namespace ikesteer::frontend
