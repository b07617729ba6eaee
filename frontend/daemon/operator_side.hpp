// The operator HTTP side: the HTTP server (on its own thread) with the JSON API, metrics and
// dashboard, over a ControlPlane made of the daemon's parts. Reads take snapshots under their
// parts' own locks; write actions are carried to the main loop, applied there, and answered.
#pragma once

#include <uv.h>

#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "frontend/cluster/health_monitor.hpp"
#include "frontend/cluster/shared_state.hpp"
#include "frontend/http/http_server.hpp"
#include "frontend/log/event_log.hpp"
#include "frontend/operator/control_plane.hpp"
#include "frontend/os/uv_handle.hpp"
#include "frontend/os/uv_timer.hpp"
#include "frontend/packet/ike_handler.hpp"

namespace ikesteer::frontend {

class OperatorSide final : public ControlPlane {
 public:
  struct Parts {
    SharedState& shared;
    EventLog& events;
    HealthMonitor& monitor;
    std::function<Totals()> totals;                             // any thread
    std::function<std::vector<IkeCounters>()> ike_loops;        // any thread
    std::function<ActionOutcome(const OperatorAction&)> apply;  // called on the main loop
    std::function<std::vector<MoveProgress>()> moves;           // any thread
    std::function<std::optional<ClusterStatus>()> cluster;      // any thread
  };

  OperatorSide(uv_loop_t* loop, Parts parts);
  ~OperatorSide() override;

  // Starts sampling rates and, with an [http] table, the HTTP server.
  Result<void, std::string> start(const Config::Http& http, std::string version);
  // Stops the HTTP server (joins its thread) and the main-loop handles.
  void stop();

  Published current() const override;
  HealthReport health() const override;
  std::vector<Event> events_since(std::uint64_t after) const override;
  Totals totals() const override;
  std::vector<RatePoint> rates() const override;
  std::vector<RecentDecision> recent_decisions() const override;
  SteeringExplanation explain(const IpAddress& client) const override;
  std::vector<MoveProgress> moves() const override { return parts_.moves(); }
  ActionOutcome act(const OperatorAction& action) override;
  std::string not_ready() const override;
  std::optional<ClusterStatus> cluster() const override { return parts_.cluster(); }
  std::chrono::system_clock::time_point started() const override { return started_; }

 private:
  using Wakeup = UvHandle<uv_async_t, OperatorSide>;
  struct Pending {
    OperatorAction action;
    std::promise<ActionOutcome> outcome;
  };
  void sample();
  void run_pending();

  uv_loop_t* loop_;
  Parts parts_;
  std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();
  UvTimer sampler_;
  Wakeup wakeup_;  // runs the pending actions on the loop

  mutable std::mutex rates_mutex_;
  std::deque<RatePoint> rates_;
  std::optional<Totals> last_totals_;

  std::mutex pending_mutex_;
  std::deque<Pending> pending_;
  bool closing_ = false;

  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace ikesteer::frontend
