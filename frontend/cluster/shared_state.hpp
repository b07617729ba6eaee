// What the main loop hands to the packet threads: the current configuration, the members' live
// state and everything built from both by the publisher (cluster/publisher.hpp), swapped whole
// on reload or state change so that a thread never sees half an update; the secrets every
// loop derives its cookie secrets and table seeds from; and the one budget of new IKE SAs that
// every IKE loop's redirects and the main loop's session moves take from.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "common/token_bucket.hpp"
#include "dns/zone_snapshot.hpp"
#include "frontend/cluster/cluster_state.hpp"
#include "frontend/cluster/steering_plan.hpp"
#include "frontend/config/config.hpp"
#include "health/pool_selector.hpp"

namespace ikesteer::frontend {

// What one IKE loop takes over at a publish. Built on the main loop, so that switching to it
// neither allocates nor throws on the loop; loop i alone touches the i-th.
struct IkeLoopHandover {
  health::PoolSelector selector;                    // a copy of the plan's: the loop's own window
  std::vector<std::uint64_t> redirects_per_member;  // zeros, taken when the member list changed
  std::vector<std::uint64_t> spills;  // zeros, by SteeringWhy::spill_slot(), taken likewise
};

struct Published {
  std::shared_ptr<const Config> config;
  std::shared_ptr<const ClusterState> cluster;   // members as in config
  std::shared_ptr<const dns::ZoneSnapshot> dns;  // null when DNS is not configured
  std::shared_ptr<const SteeringPlan> steering;
  // One per IKE loop. The pointees are not const: each loop takes its own over.
  std::shared_ptr<const std::vector<std::shared_ptr<IkeLoopHandover>>> ike_loops;
};

// The budget's burst: one second's worth, so that clients that retransmit together after an
// idle spell get what the idle second saved, and no second sees more than twice the budget.
unsigned new_ike_sa_burst(double per_second) noexcept;

class SharedState {
 public:
  explicit SharedState(Published initial);

  // Also sets the budget's rate from the new configuration.
  void publish(Published next);
  Published current() const;
  // Cheap check on the packet path: has publish() been called since `seen`?
  std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

  const std::array<std::byte, 32>& cookie_master() const noexcept { return cookie_master_; }
  // Seed for the loops' hash tables, random per process so table slots cannot be aimed at.
  std::uint64_t hash_seed() const noexcept { return hash_seed_; }
  // [sessions] new_ike_sas_per_second, for the whole instance; lock-free.
  TokenBucket& new_ike_sa_budget() noexcept { return new_ike_sa_budget_; }

 private:
  mutable std::mutex mutex_;
  Published current_;
  std::atomic<std::uint64_t> generation_{1};
  std::array<std::byte, 32> cookie_master_{};
  std::uint64_t hash_seed_ = 0;
  TokenBucket new_ike_sa_budget_;
};

}  // namespace ikesteer::frontend
