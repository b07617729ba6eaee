// What the operator HTTP side (dashboard, JSON API, metrics) may see and do. The daemon
// implements it; every member is safe to call from the HTTP thread. Reads return snapshots;
// act() hands a write action to the main loop and waits for its outcome.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/ip_address.hpp"
#include "common/ip_prefix.hpp"
#include "frontend/cluster/health_report.hpp"
#include "frontend/cluster/session_move.hpp"
#include "frontend/cluster/shared_state.hpp"
#include "frontend/coordination/cluster_status.hpp"
#include "frontend/log/event_log.hpp"
#include "frontend/operator/counter_summary.hpp"
#include "health/failover_planner.hpp"
#include "health/pool_selector.hpp"

namespace ikesteer::frontend {

// Where a client's pools sent it (regional pools): the chosen member's pool, the topology
// prefix that gave the client its order of pools, and the first pool when it was passed.
struct PoolPlacement {
  std::string pool;
  std::optional<IpPrefix> matched;  // empty: the topology's default entry (or no topology)
  std::optional<std::string> spilled_from;
  health::PoolSkip spill_why = health::PoolSkip::None;
};

// A redirect the front end made recently, and why.
struct RecentDecision {
  std::chrono::system_clock::time_point at;
  IpAddress client;
  std::string member;
  std::string gateway;  // the identity in the REDIRECT
  health::PickReason reason;
  PoolPlacement placement{};
};

// Counter totals at one moment, summed over the event loops.
struct Totals {
  IkeTotals ike;
  std::vector<std::uint64_t> redirects_per_member;  // as current().config's members
  std::vector<std::uint64_t> spills;  // by SteeringWhy::spill_slot() of current().steering
  DnsTotals dns;
  HealthCounters health;
  AgentCommandCounters agent_commands;
};

// One point of the dashboard's charts: rates over the second before `at`.
struct RatePoint {
  std::chrono::system_clock::time_point at;
  double redirects = 0;
  double dns_queries = 0;
  double drops = 0;                                 // IKE and DNS drops of every reason
  std::map<std::string, double> drops_by_reason{};  // the non-zero ones, named as drop_counters()
};

// "Where would this client go, and why": the steering decision without counting it as load.
struct SteeringExplanation {
  IpAddress client;
  IpAddress key;                     // the client masked to the steering prefix
  std::vector<std::string> pools;    // the client's order of pools
  std::vector<std::string> ranking;  // the chosen pool's eligible members, in hash order
  std::optional<std::string> member;
  std::string gateway;
  health::PickReason reason = health::PickReason::NoEligibleMember;
  PoolPlacement placement;
};

struct OperatorAction {
  enum class Kind : std::uint8_t { Drain, Undrain, Maintenance, SetWeight, FailBack };
  Kind kind;
  std::string member;
  double weight = 0;           // SetWeight
  std::string who;             // from the request: peer address (and token name, if any)
  std::string why;             // the operator's reason, from the request body
  bool move_sessions = false;  // Drain, Maintenance: move the member's sessions away too
};

struct ActionOutcome {
  bool ok = false;
  unsigned status = 200;  // HTTP status to answer with (404 unknown member, 409, ...)
  std::string message;
};

class ControlPlane {
 public:
  virtual ~ControlPlane() = default;
  virtual Published current() const = 0;
  virtual HealthReport health() const = 0;
  virtual std::vector<Event> events_since(std::uint64_t after) const = 0;
  virtual Totals totals() const = 0;
  virtual std::vector<RatePoint> rates() const = 0;  // the last 15 minutes, oldest first
  virtual std::vector<RecentDecision> recent_decisions() const = 0;  // newest first
  virtual SteeringExplanation explain(const IpAddress& client) const = 0;
  virtual std::vector<MoveProgress> moves() const = 0;  // every move job, by member name
  virtual ActionOutcome act(const OperatorAction& action) = 0;
  // Why this instance is not ready, "" when it is: listening, a first verdict for every member,
  // and in cluster mode etcd reachable and the shared state read.
  virtual std::string not_ready() const = 0;
  // Cluster mode: the instances, the leader, etcd; nullopt without a [cluster] table.
  virtual std::optional<ClusterStatus> cluster() const { return std::nullopt; }
  virtual std::chrono::system_clock::time_point started() const = 0;
};

}  // namespace ikesteer::frontend
