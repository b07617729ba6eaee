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
};

}  // namespace ikesteer::frontend
