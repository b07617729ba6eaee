// Runs every member's checks on the main loop and keeps their verdicts: probes on their
// schedules (health/probe_tracker.hpp decides rise and fall), host names re-resolved on their
// TTL, agent reports authenticated (health/agent_report.hpp), all combined per member by
// health::evaluate. Every state change is an event; failover follows the states. The result
// is one ClusterState, handed to `changed` whenever it differs from the last.
#pragma once

#include <uv.h>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "frontend/cluster/agent_listener.hpp"
#include "frontend/cluster/cluster_state.hpp"
#include "frontend/cluster/failover_executor.hpp"
#include "frontend/cluster/health_counters.hpp"
#include "frontend/cluster/health_report.hpp"
#include "frontend/cluster/resolver.hpp"
#include "frontend/cluster/session_emptier.hpp"
#include "frontend/config/config.hpp"
#include "frontend/log/event_log.hpp"
#include "frontend/os/uv_timer.hpp"
#include "health/agent_report.hpp"

namespace ikesteer::frontend {

class HealthMonitor {
 public:
  HealthMonitor(uv_loop_t* loop, EventLog& events,
                std::function<void(std::shared_ptr<const ClusterState>)> changed);
  ~HealthMonitor();
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // Starts the checks, or takes a reloaded configuration: a member whose checks are configured
  // as before keeps its verdict and schedule. Fails only when an agent socket cannot be bound.
  Result<void, std::string> configure(std::shared_ptr<const Config> config);
  // Stops every check and timer (before the loop ends).
  void stop();
  // Who moves a holder's sessions off an address before it goes home (FailoverExecutor).
  void set_session_emptier(SessionEmptier* emptier);

  std::shared_ptr<const ClusterState> state() const { return state_; }
  const HealthCounters& counters() const { return counters_; }
  // Checks and address holders as of the last result; from any thread.
  HealthReport report() const;
  // Called with every admitted report that carries sessions= (on the main loop).
  void on_reported_sessions(std::function<void(const std::string&, std::uint32_t)> call) {
    on_sessions_ = std::move(call);
  }
  // Cluster mode: only the leader acts on addresses (FailoverExecutor::stand_down, take_over).
  void stand_down() { failover_->stand_down(); }
  void take_over(FencingToken token, const std::map<IpAddress, std::string>& holders) {
    failover_->take_over(std::move(token), holders);
  }
  void follow(const std::map<IpAddress, std::string>& holders) { failover_->follow(holders); }
  // Called with every address's holder after each change of one (on the main loop).
  void on_holders(std::function<void(std::map<IpAddress, std::string>)> call) {
    on_holders_ = std::move(call);
  }
  // Moves the member's addresses home now (manual failback). False: no such member.
  bool fail_back(const std::string& member);

 private:
  struct Check;
  struct Member;

  void schedule(Member& m, Check& c, Duration delay);
  void run_check(Member& m, Check& c);
  void record(Member& m, Check& c, bool ok, std::string detail, Duration latency);
  void on_agent_datagram(std::span<const std::byte> datagram, const IpAddress& source);
  void judge(Member& m);
  void publish();
  // A publish on the loop's next turn, or 10 ms after the last one if that is later: a burst
  // of verdicts (1,000 members' first probe results) builds a few cluster states and steering
  // plans, not one per member.
  void publish_soon();
  std::vector<health::MemberSnapshot> snapshots() const;

  uv_loop_t* loop_;
  EventLog& events_;
  std::function<void(std::shared_ptr<const ClusterState>)> changed_;
  std::shared_ptr<const Config> config_;
  std::vector<std::unique_ptr<Member>> members_;
  std::unique_ptr<AgentListener> agents_;
  std::vector<Endpoint> agent_endpoints_;
  // Reset by stop(), so that the loop can end.
  std::unique_ptr<Resolver> resolver_;
  std::unique_ptr<FailoverExecutor> failover_;
  std::unique_ptr<UvTimer> failover_tick_;
  std::unique_ptr<UvTimer> publish_timer_;  // publish_soon()'s; running while one is pending
  bool publish_pending_ = false;
  Clock::time_point last_publish_{};
  std::shared_ptr<const ClusterState> state_;
  HealthCounters counters_;
  mutable std::mutex report_mutex_;
  HealthReport report_;
  std::mt19937_64 random_;
  std::function<void(const std::string&, std::uint32_t)> on_sessions_;
  std::function<void(std::map<IpAddress, std::string>)> on_holders_;
};

}  // namespace ikesteer::frontend
