// What the main loop hands to the event loops: the current configuration, the members' live
// state and the DNS data built from both (swapped whole, together, on reload or state change,
// so a loop never sees half an update), and the secrets every loop derives its cookie secrets
// and table seeds from.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "dns/zone_snapshot.hpp"
#include "frontend/cluster/cluster_state.hpp"
#include "frontend/config/config.hpp"

namespace ikesteer::frontend {

struct Published {
  std::shared_ptr<const Config> config;
  std::shared_ptr<const ClusterState> cluster;   // members as in config
  std::shared_ptr<const dns::ZoneSnapshot> dns;  // null when DNS is not configured
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
