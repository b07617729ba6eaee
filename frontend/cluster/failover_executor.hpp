// Carries out health::FailoverPlanner's decisions: releases and claims through the
// AddressMover (builtin on this host, the exec hook on members), verifies each claim with an
// IKE probe to the moved address, moves a holder's sessions off an address before it goes home
// (the SessionEmptier), records every step as an event, and tells the monitor after each
// outcome (an address changed hands, or was verified).
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "frontend/actions/address_mover.hpp"
#include "frontend/actions/fencing_token.hpp"
#include "frontend/cluster/health_report.hpp"
#include "frontend/cluster/session_emptier.hpp"
#include "frontend/config/config.hpp"
#include "frontend/log/event_log.hpp"
#include "frontend/probes/probe.hpp"
#include "health/failover_planner.hpp"

namespace ikesteer::frontend {

class FailoverExecutor {
 public:
  FailoverExecutor(uv_loop_t* loop, EventLog& events, std::function<void()> changed);

  // Builds the plan for `config`'s movable addresses. Addresses already planned keep their
  // holder (a reload does not forget where they are); actions in flight are abandoned.
  void configure(std::shared_ptr<const Config> config);
  // Cluster mode (frontend/coordination/): only the leader acts. stand_down(): actions in
  // flight are abandoned (hooks killed), addresses this host adopted are removed from its
  // interface (the next leader claims them), and nothing starts until take_over().
  // take_over(): acts from now on, every claim carrying `token`, resuming from the holders the
  // previous leader recorded (by address: a member's name, "nobody", or "frontend:<instance>";
  // addresses a front end held are claimed anew, those not recorded are taken to be at home).
  // Without a [cluster] table, the executor always acts and neither is called.
  void stand_down();
  void take_over(FencingToken token, const std::map<IpAddress, std::string>& holders);
  // Not acting: who holds what as the leader recorded it, for operators (report(), holders()).
  void follow(const std::map<IpAddress, std::string>& holders);
  bool acting() const { return acting_; }
  // The holders as take_over() reads them.
  std::map<IpAddress, std::string> holder_names() const;

  // The members' current states (index = member). Starts whatever is due.
  void update(std::span<const health::MemberSnapshot> members, TimePoint now);
  // Who moves sessions before a failback; without one (or with nullptr) they are cut.
  void set_session_emptier(SessionEmptier* emptier) { emptier_ = emptier; }
  // Moves `member`'s addresses back home now (manual failback).
  void fail_back(std::size_t member, TimePoint now);

  // The addresses whose holder is not their home member (moved, or released and unclaimed).
  std::vector<IpAddress> moved_away() const;
  // Who holds each movable address now: a member index, health::kFrontend or health::kNobody.
  std::vector<std::pair<IpAddress, health::Holder>> holders() const;
  // The same, for operators: names, phase, verification, reason.
  std::vector<AddressStatus> report() const;

 private:
  void start(std::vector<health::FailoverAction> actions);
  void empty_address(const health::FailoverAction& action);
  static constexpr unsigned kVerifyAttempts = 3;
  void verify(std::uint64_t id, const IpAddress& address, unsigned attempt, TimePoint started);
  void cancel_abandoned();
  void finished(std::uint64_t id, bool ok, const std::string& detail, Duration elapsed);
  void abandon_in_flight(const std::string& why);
  void build(std::vector<health::Holder> owners);
  std::vector<health::FailoverAddress> planned_addresses(health::PlannerOptions& options) const;
  std::string holder_name(health::Holder h) const;

  uv_loop_t* loop_;
  EventLog& events_;
  std::function<void()> changed_;  // after every outcome
  std::shared_ptr<const Config> config_;
  std::optional<health::FailoverPlanner> planner_;
  std::unique_ptr<AddressMover> mover_;
  SessionEmptier* emptier_ = nullptr;
  std::map<std::uint64_t, health::FailoverAction> in_flight_;  // by action id
  std::map<std::uint64_t, std::unique_ptr<Probe>> verifying_;  // by action id
  std::uint64_t epoch_ = 0;  // bumped by configure(): outcomes of older actions are ignored
  bool acting_ = true;
  std::optional<FencingToken> token_;  // cluster mode, while acting
};

}  // namespace ikesteer::frontend
