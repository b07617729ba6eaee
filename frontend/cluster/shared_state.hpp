// What the main loop hands to the packet threads: the current configuration, the members' live
// state and everything built from both by the publisher (cluster/publisher.hpp), swapped whole
// on reload or state change so that a thread never sees half an update; and the secrets every
// loop derives its cookie secrets and table seeds from.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "dns/zone_snapshot.hpp"
#include "frontend/cluster/cluster_state.hpp"
#include "frontend/cluster/steering_plan.hpp"
#include "frontend/config/config.hpp"
#include "health/selector.hpp"

namespace ikesteer::frontend {

// What one IKE loop takes over at a publish. Built on the main loop, so that switching to it
// neither allocates nor throws on the loop; loop i alone touches the i-th.
struct IkeLoopHandover {
  health::Selector selector;                        // a copy of the plan's: the loop's own window
  std::vector<std::uint64_t> redirects_per_member;  // zeros, taken when the member list changed
};

struct Published {
  std::shared_ptr<const Config> config;
  std::shared_ptr<const ClusterState> cluster;   // members as in config
  std::shared_ptr<const dns::ZoneSnapshot> dns;  // null when DNS is not configured
  std::shared_ptr<const SteeringPlan> steering;
  // One per IKE loop. The pointees are not const: each loop takes its own over.
  std::shared_ptr<const std::vector<std::shared_ptr<IkeLoopHandover>>> ike_loops;
};

class SharedState {
 public:
  explicit SharedState(Published initial);

  void publish(Published next);
  Published current() const;
  // Cheap check on the packet path: has publish() been called since `seen`?
  std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

  const std::array<std::byte, 32>& cookie_master() const noexcept { return cookie_master_; }
  // Seed for the loops' hash tables, random per process so table slots cannot be aimed at.
  std::uint64_t hash_seed() const noexcept { return hash_seed_; }

 private:
  mutable std::mutex mutex_;
  Published current_;
  std::atomic<std::uint64_t> generation_{1};
  std::array<std::byte, 32> cookie_master_{};
  std::uint64_t hash_seed_ = 0;
};

}  // namespace ikesteer::frontend
