#include "frontend/cluster/failover_executor.hpp"

#include <algorithm>

#include "frontend/actions/netlink_address.hpp"
#include "frontend/probes/probe_factory.hpp"

namespace ikesteer::frontend {
namespace {

std::string_view kind_name(health::ActionKind k) {
  switch (k) {
    case health::ActionKind::Release:
      return "release";
    case health::ActionKind::Claim:
      return "claim";
    case health::ActionKind::Verify:
      return "verify";
    case health::ActionKind::MoveSessions:
      return "move_sessions";
  }
  return "?";
}

std::string millis(Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

}  // namespace

FailoverExecutor::FailoverExecutor(uv_loop_t* loop, EventLog& events, std::function<void()> changed)
    : loop_(loop), events_(events), changed_(std::move(changed)) {}

std::vector<health::FailoverAddress> FailoverExecutor::planned_addresses(
    health::PlannerOptions& options) const {
  const Config& config = *config_;
  std::vector<health::FailoverAddress> addresses;
  options.fencing = config.failover.fencing;
  options.auto_failback = config.failover.auto_failback;
  options.failback_hold = config.failover.failback_hold;
  for (std::size_t i = 0; i < config.members.size(); ++i) {
    const MemberConfig& m = config.members[i];
    options.member_names.push_back(m.name);
    if (m.failover == health::FailoverMode::None) continue;
    health::Holder survivor = health::kNobody;
    for (std::size_t j = 0; j < config.members.size(); ++j)
      if (config.members[j].name == m.failover_member) survivor = j;
    for (const IpAddress& a : m.addresses) addresses.push_back({a, i, m.failover, survivor});
  }
  return addresses;
}

// A new planner over config_, starting from `owners` (one per planned address, or empty).
void FailoverExecutor::build(std::vector<health::Holder> owners) {
  health::PlannerOptions options;
  std::vector<health::FailoverAddress> addresses = planned_addresses(options);
  const Config::Failover& f = config_->failover;
  MoverOptions mover{f.interface,         f.hook, f.hook_timeout, f.announce_count,
                     f.announce_interval, {}};
  mover.current_token = [this](const FencingToken& t) { return acting_ && token_ == t; };
  mover_ = std::make_unique<AddressMover>(loop_, std::move(mover));
  planner_.emplace(std::move(addresses), options, std::move(owners));
}

void FailoverExecutor::abandon_in_flight(const std::string& why) {
  ++epoch_;
  verifying_.clear();
  for (const auto& [id, action] : in_flight_)
    if (action.kind == health::ActionKind::MoveSessions && emptier_) emptier_->cancel(id, why);
  in_flight_.clear();
}

void FailoverExecutor::configure(std::shared_ptr<const Config> next) {
  // Where each address is now, by holder name, so a reload keeps it there.
  const std::map<IpAddress, std::string> held = holder_names();
  const bool first = !config_;
  abandon_in_flight("reload");
  config_ = std::move(next);
  // Cluster mode: nothing is done before the election says this instance leads.
  if (first && config_->cluster.enabled) acting_ = false;
  health::PlannerOptions options;
  std::vector<health::Holder> owners;
  for (const health::FailoverAddress& a : planned_addresses(options)) {
    health::Holder owner = a.home;
    if (const auto it = held.find(a.address); it != held.end()) {
      if (it->second.starts_with("frontend"))
        owner = health::kFrontend;
      else if (it->second == "nobody")
        owner = health::kNobody;
      else {
        owner = health::kNobody;  // a holder that left the configuration holds nothing we know
        for (std::size_t j = 0; j < config_->members.size(); ++j)
          if (config_->members[j].name == it->second) owner = j;
      }
    }
    owners.push_back(owner);
  }
  build(std::move(owners));
}

void FailoverExecutor::stand_down() {
  const bool was_acting = acting_;
  acting_ = false;
  token_.reset();
  if (!planner_) return;
  abandon_in_flight("no longer the leader");
  // Addresses this host adopted go: the next leader claims them (never two holders).
  for (std::size_t i = 0; i < planner_->addresses().size(); ++i) {
    if (planner_->status(i).owner != health::kFrontend) continue;
    const IpAddress& a = planner_->addresses()[i].address;
    const unsigned prefix =
        a.is_v4() ? config_->failover.ipv4_prefix : config_->failover.ipv6_prefix;
    const auto removed = config_->failover.interface.empty()
                             ? Result<void, std::string>{}
                             : remove_address(config_->failover.interface, a, prefix);
    events_.add(removed ? LogLevel::Info : LogLevel::Error, "failover", "address_result",
                a.to_string(), "adopted address given up: this instance no longer leads",
                {{"address", a.to_string()},
                 {"action", "release"},
                 {"holder", "frontend"},
                 {"ok", removed ? "true" : "false"},
                 {"detail", removed ? "removed" : removed.error()}});
  }
  build({});  // a fresh mover: hooks still running are killed
  if (was_acting) changed_();
}

void FailoverExecutor::take_over(FencingToken token,
                                 const std::map<IpAddress, std::string>& holders) {
  acting_ = true;
  token_ = std::move(token);
  abandon_in_flight("new leader");
  health::PlannerOptions options;
  std::vector<health::Holder> owners;
  for (const health::FailoverAddress& a : planned_addresses(options)) {
    health::Holder owner = a.home;
    if (const auto it = holders.find(a.address); it != holders.end()) {
      owner = health::kNobody;  // a front end's, "nobody", or a member no longer configured
      for (std::size_t j = 0; j < config_->members.size(); ++j)
        if (config_->members[j].name == it->second) owner = j;
    }
    owners.push_back(owner);
  }
  build(std::move(owners));
  changed_();
}

void FailoverExecutor::follow(const std::map<IpAddress, std::string>& holders) {
  if (acting_ || !config_) return;
  health::PlannerOptions options;
  std::vector<health::Holder> owners;
  for (const health::FailoverAddress& a : planned_addresses(options)) {
    health::Holder owner = a.home;
    if (const auto it = holders.find(a.address); it != holders.end()) {
      owner = it->second.starts_with("frontend") ? health::kFrontend : health::kNobody;
      for (std::size_t j = 0; j < config_->members.size(); ++j)
        if (config_->members[j].name == it->second) owner = j;
    }
    owners.push_back(owner);
  }
  build(std::move(owners));
  changed_();
}

std::map<IpAddress, std::string> FailoverExecutor::holder_names() const {
  std::map<IpAddress, std::string> out;
  if (!planner_) return out;
  for (std::size_t i = 0; i < planner_->addresses().size(); ++i) {
    const health::Holder h = planner_->status(i).owner;
    std::string name = holder_name(h);
    if (h == health::kFrontend && token_) name += ":" + token_->instance;
    out[planner_->addresses()[i].address] = std::move(name);
  }
  return out;
}

void FailoverExecutor::update(std::span<const health::MemberSnapshot> members, TimePoint now) {
  if (!acting_ || !planner_ || planner_->addresses().empty()) return;
  auto actions = planner_->update(members, now);
  cancel_abandoned();
  start(std::move(actions));
}

void FailoverExecutor::fail_back(std::size_t member, TimePoint now) {
  if (acting_ && planner_) start(planner_->fail_back(member, now));
}

// Session moves the planner gave up (their holder or home failed meanwhile): stop them.
void FailoverExecutor::cancel_abandoned() {
  for (const std::uint64_t id : planner_->take_abandoned()) {
    const auto it = in_flight_.find(id);
    if (it == in_flight_.end()) continue;
    const health::FailoverAction action = it->second;
    in_flight_.erase(it);
    const std::string address = planner_->addresses()[action.address].address.to_string();
    const std::string reason = planner_->status(action.address).reason;
    events_.add(LogLevel::Warn, "failover", "address_result", address,
                "address move_sessions abandoned",
                {{"address", address},
                 {"action", "move_sessions"},
                 {"holder", holder_name(action.holder)},
                 {"reason", reason}});
    if (emptier_) emptier_->cancel(id, reason);
  }
}

std::vector<IpAddress> FailoverExecutor::moved_away() const {
  std::vector<IpAddress> out;
  if (!planner_) return out;
  for (std::size_t i = 0; i < planner_->addresses().size(); ++i)
    if (planner_->status(i).owner != planner_->addresses()[i].home)
      out.push_back(planner_->addresses()[i].address);
  return out;
}

std::vector<std::pair<IpAddress, health::Holder>> FailoverExecutor::holders() const {
  std::vector<std::pair<IpAddress, health::Holder>> out;
  if (!planner_) return out;
  for (std::size_t i = 0; i < planner_->addresses().size(); ++i)
    out.emplace_back(planner_->addresses()[i].address, planner_->status(i).owner);
  return out;
}

std::vector<AddressStatus> FailoverExecutor::report() const {
  using Phase = health::FailoverPlanner::Phase;
  static constexpr std::string_view kPhases[] = {"home",      "releasing", "fencing",  "claiming",
                                                 "verifying", "away",      "stranded", "emptying"};
  static_assert(std::size(kPhases) == static_cast<std::size_t>(Phase::Emptying) + 1);
  std::vector<AddressStatus> out;
  if (!planner_) return out;
  for (std::size_t i = 0; i < planner_->addresses().size(); ++i) {
    const auto& a = planner_->addresses()[i];
    const auto& s = planner_->status(i);
    out.push_back({a.address, holder_name(a.home),
                   s.owner == health::kNobody ? std::string() : holder_name(s.owner),
                   std::string(kPhases[static_cast<std::size_t>(s.phase)]), s.verified, s.reason});
  }
  return out;
}

std::string FailoverExecutor::holder_name(health::Holder h) const {
  if (h == health::kFrontend) return "frontend";
  if (h == health::kNobody) return "nobody";
  return config_->members[h].name;
}

void FailoverExecutor::start(std::vector<health::FailoverAction> actions) {
  for (const health::FailoverAction& action : actions) {
    const IpAddress address = planner_->addresses()[action.address].address;
    const std::string holder = holder_name(action.holder);
    events_.add(LogLevel::Info, "failover", "address_action", address.to_string(),
                "address " + std::string(kind_name(action.kind)) + " started",
                {{"address", address.to_string()},
                 {"action", kind_name(action.kind)},
                 {"holder", holder},
                 {"reason", action.reason}});
    const std::uint64_t id = action.id;
    const std::uint64_t epoch = epoch_;
    if (action.kind == health::ActionKind::MoveSessions) {
      empty_address(action);
      continue;
    }
    if (action.kind == health::ActionKind::Verify) {
      in_flight_[id] = action;
      verify(id, address, 1, Clock::now());
      continue;
    }
    const unsigned prefix =
        address.is_v4() ? config_->failover.ipv4_prefix : config_->failover.ipv6_prefix;
    MoveRequest request{action.kind == health::ActionKind::Claim,
                        address,
                        prefix,
                        action.holder == health::kFrontend,
                        action.holder == health::kFrontend ? "" : holder,
                        token_};
    in_flight_[id] = action;
    mover_->run(std::move(request), [this, id, epoch](MoveOutcome outcome) {
      if (epoch == epoch_) finished(id, outcome.ok, outcome.detail, outcome.elapsed);
    });
  }
}

// The moved address must answer IKE now (RFC 7296 IKE_SA_INIT probe, port 500). Asked up to
// kVerifyAttempts times: right after a claim, the front end's own neighbour cache may still
// name the previous holder until the new one's announcement arrives.
void FailoverExecutor::verify(std::uint64_t id, const IpAddress& address, unsigned attempt,
                              TimePoint started) {
  ProbeConfig probe;
  probe.address = address;
  probe.timing.timeout =
      std::max<Duration>(config_->failover.hook_timeout / 5, std::chrono::milliseconds(500));
  const std::uint64_t epoch = epoch_;
  auto& slot = verifying_[id];
  slot = make_probe(loop_, probe, address);
  slot->run([this, id, epoch, address, attempt, started](ProbeResult r) {
    if (epoch != epoch_) return;
    // The probe stays alive until its callback has returned.
    const std::unique_ptr<Probe> done = std::move(verifying_[id]);
    verifying_.erase(id);
    if (!r.ok && attempt < kVerifyAttempts) return verify(id, address, attempt + 1, started);
    finished(id, r.ok, r.detail + " (attempt " + std::to_string(attempt) + ")",
             Clock::now() - started);
  });
}

// Before the address goes home: its holder's sessions on it move to other members (never home).
void FailoverExecutor::empty_address(const health::FailoverAction& action) {
  const health::FailoverAddress& a = planner_->addresses()[action.address];
  const std::uint64_t id = action.id;
  const std::uint64_t epoch = epoch_;
  const TimePoint started = Clock::now();
  in_flight_[id] = action;
  const auto done = [this, id, epoch, started](bool ok, const std::string& detail) {
    if (epoch == epoch_) finished(id, ok, detail, Clock::now() - started);
  };
  if (!emptier_) {
    done(false, "no session mover");
    return;
  }
  emptier_->empty_address(id, holder_name(action.holder), {a.address, holder_name(a.home)}, done);
}

void FailoverExecutor::finished(std::uint64_t id, bool ok, const std::string& detail,
                                Duration elapsed) {
  const auto it = in_flight_.find(id);
  if (it == in_flight_.end()) return;
  const health::FailoverAction action = it->second;
  in_flight_.erase(it);
  std::vector<health::FailoverAction> next = planner_->completed(id, ok, Clock::now());
  const std::string address = planner_->addresses()[action.address].address.to_string();
  const std::string what = "address " + std::string(kind_name(action.kind));
  events_.add(ok ? LogLevel::Info : LogLevel::Warn, "failover", "address_result", address,
              what + (ok ? " succeeded" : " failed"),
              {{"address", address},
               {"action", kind_name(action.kind)},
               {"holder", holder_name(action.holder)},
               {"ok", ok ? "true" : "false"},
               {"detail", detail},
               {"ms", millis(elapsed)}});
  changed_();  // holders, phases or verification: the monitor republishes what differs
  start(std::move(next));
}

}  // namespace ikesteer::frontend
