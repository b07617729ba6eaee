// Cluster mode as operators see it (API, metrics, dashboard, /readyz): who leads, whether this
// instance acts, etcd's state, and every instance's record.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "frontend/actions/fencing_token.hpp"
#include "frontend/coordination/shared_records.hpp"

namespace ikesteer::frontend {

struct ClusterStatus {
  std::string instance;               // this one
  std::string leader;                 // as the leader key says; "" = none
  bool acting = false;                // this instance leads and may act
  std::optional<FencingToken> token;  // while acting
  bool etcd_reachable = false;
  bool synced = false;     // the shared state has been read at least once
  std::string etcd_error;  // why etcd is unreachable
  std::chrono::system_clock::time_point unreachable_since{};
  std::int64_t revision = 0;  // etcd's revision the shared state is current to
  std::vector<InstanceRecord> instances;
  std::uint64_t writes = 0;  // etcd writes this instance made
  std::uint64_t terms = 0;   // times this instance became the acting leader
};

// Why this instance is not ready in cluster mode; "" = it is.
std::string not_ready_reason(const ClusterStatus& status);

}  // namespace ikesteer::frontend
