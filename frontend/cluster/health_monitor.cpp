#include "frontend/cluster/health_monitor.hpp"

#include <algorithm>
#include <cmath>

#include "frontend/probes/probe_factory.hpp"
#include "health/member_verdict.hpp"

namespace ikesteer::frontend {
namespace {

// Failover timers (fencing, failback hold, retries) are checked this often.
constexpr Duration kFailoverTick = std::chrono::milliseconds(100);
// publish_soon() publishes at once after a quiet spell; within this of the last publish it
// waits for the rest of it, so a burst of verdicts is one publish and no more than 100 a second.
constexpr Duration kPublishSpacing = std::chrono::milliseconds(10);
// Re-resolution of member host names: the records' TTL, within these bounds.
constexpr Duration kMinResolveInterval = std::chrono::seconds(1);
constexpr Duration kMaxResolveInterval = std::chrono::hours(1);

std::string millis(Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct HealthMonitor::Check {
  Check(uv_loop_t* loop, CheckKind of_kind, const health::ProbeTiming& check_timing)
      : kind(of_kind),
        timing(check_timing),
        tracker(check_timing.rise, check_timing.fall),
        timer(loop) {}

  CheckKind kind;
  std::optional<ProbeConfig> probe;
  health::ProbeTiming timing;
  health::ProbeTracker tracker;
  std::unique_ptr<Probe> running;
  UvTimer timer;
  std::string detail = "no result yet";
  Duration latency{};
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
};

struct HealthMonitor::Member {
  std::size_t index = 0;
  MemberConfig config;
  std::vector<std::unique_ptr<Check>> checks;  // in check_kinds() order
  std::optional<health::AgentGate> gate;
  std::optional<health::AgentState> agent;  // the last admitted report, while fresh
  std::optional<double> load;
  std::optional<std::uint32_t> capacity;
  std::optional<std::uint32_t> sessions;  // the latest admitted report's
  std::vector<IpAddress> addresses;       // configured, or as last resolved
  health::MemberVerdict verdict{health::MemberState::Unknown, false, "starting"};
  TimePoint since{};
  std::shared_ptr<int> alive = std::make_shared<int>();  // for callbacks that cannot be cancelled

  Check* find(CheckKind kind) {
    for (auto& c : checks)
      if (c->kind == kind) return c.get();
    return nullptr;
  }
  // Reloads keep a member's verdict when everything its checks depend on is unchanged.
  bool same_checks(const MemberConfig& other) const {
    return config.name == other.name && config.host == other.host &&
           config.addresses == other.addresses && config.probes == other.probes &&
           config.agent_key == other.agent_key;
  }
};

HealthMonitor::HealthMonitor(uv_loop_t* loop, EventLog& events,
                             std::function<void(std::shared_ptr<const ClusterState>)> changed)
    : loop_(loop),
      events_(events),
      changed_(std::move(changed)),
      resolver_(std::make_unique<Resolver>(loop)),
      failover_(std::make_unique<FailoverExecutor>(loop, events,
                                                   [this] {
                                                     publish();
                                                     if (on_holders_)
                                                       on_holders_(failover_->holder_names());
                                                   })),
      failover_tick_(std::make_unique<UvTimer>(loop)),
      publish_timer_(std::make_unique<UvTimer>(loop)),
      state_(std::make_shared<const ClusterState>()),
      random_(std::random_device{}()) {}

HealthMonitor::~HealthMonitor() = default;

void HealthMonitor::set_session_emptier(SessionEmptier* emptier) {
  failover_->set_session_emptier(emptier);
}

Result<void, std::string> HealthMonitor::configure(std::shared_ptr<const Config> config) {
  const health::ProbeTiming agent_timing{.interval_up = config->health.agent_max_age,
                                         .interval_down = config->health.agent_max_age,
                                         .interval_transition = config->health.agent_max_age,
                                         .timeout = config->health.agent_max_age,
                                         .rise = 1,
                                         .fall = 1,
                                         .jitter = 0};
  std::vector<std::unique_ptr<Member>> next;
  for (std::size_t i = 0; i < config->members.size(); ++i) {
    const MemberConfig& mc = config->members[i];
    auto kept = std::find_if(members_.begin(), members_.end(),
                             [&](const auto& m) { return m && m->same_checks(mc); });
    if (kept != members_.end()) {
      next.push_back(std::move(*kept));
      next.back()->index = i;
      next.back()->config = mc;
      continue;
    }
    auto m = std::make_unique<Member>();
    m->index = i;
    m->config = mc;
    m->addresses = mc.addresses;
    m->since = Clock::now();
    if (!mc.agent_key.empty()) m->gate.emplace(mc.agent_key);
    std::size_t probe = 0;
    for (CheckKind kind : check_kinds(mc)) {
      if (kind == CheckKind::Resolve) {
        m->checks.push_back(std::make_unique<Check>(loop_, kind, config->health.timing));
      } else if (kind == CheckKind::Agent) {
        m->checks.push_back(std::make_unique<Check>(loop_, kind, agent_timing));
      } else {
        const ProbeConfig& p = mc.probes[probe++];
        m->checks.push_back(std::make_unique<Check>(loop_, kind, p.timing));
        m->checks.back()->probe = p;
      }
    }
    next.push_back(std::move(m));
  }
  members_ = std::move(next);  // members gone from the configuration stop here
  config_ = std::move(config);

  if (!agents_ || agent_endpoints_ != config_->health.agent_listen) {
    agents_.reset();
    agent_endpoints_ = config_->health.agent_listen;
    if (!agent_endpoints_.empty()) {
      agents_ = std::make_unique<AgentListener>(
          loop_, [this](std::span<const std::byte> d, const IpAddress& from) {
            on_agent_datagram(d, from);
          });
      if (auto listening = agents_->listen(agent_endpoints_); !listening) return listening;
    }
  }
  failover_->configure(config_);
  failover_tick_->start(
      kFailoverTick, [this] { failover_->update(snapshots(), Clock::now()); }, kFailoverTick);

  // Start what is not running yet, spread over the first 100 ms.
  std::uniform_int_distribution<int> stagger(0, 100);
  for (auto& m : members_) {
    for (auto& c : m->checks) {
      if (c->kind == CheckKind::Agent) {
        Member* member = m.get();
        Check* check = c.get();
        if (check->tracker.state() == health::ProbeState::Unknown)
          schedule(*member, *check, check->timing.interval_down);
        continue;
      }
      if (!c->running) schedule(*m, *c, std::chrono::milliseconds(stagger(random_)));
    }
    judge(*m);
  }
  publish();
  return {};
}

void HealthMonitor::stop() {
  members_.clear();
  agents_.reset();
  failover_tick_.reset();
  publish_timer_.reset();
  failover_.reset();
  resolver_.reset();
}

void HealthMonitor::schedule(Member& m, Check& c, Duration delay) {
  c.timer.start(delay, [this, &m, &c] { run_check(m, c); });
}

void HealthMonitor::run_check(Member& m, Check& c) {
  const TimePoint started = Clock::now();
  if (c.kind == CheckKind::Agent) {  // the staleness timer: no admitted report for agent_max_age
    record(m, c, false, "no valid report for " + millis(config_->health.agent_max_age) + " ms",
           Duration{});
    m.agent.reset();
    schedule(m, c, c.timing.interval_down);
    judge(m);
    return;
  }
  if (c.kind == CheckKind::Resolve) {
    resolver_->resolve(m.config.host, [this, &m, &c, started, alive = std::weak_ptr<int>(m.alive)](
                                          Result<Resolution, std::string> r) {
      if (alive.expired()) return;
      const Duration latency = Clock::now() - started;
      if (r) {
        m.addresses = r->addresses;
        record(m, c, true, std::to_string(r->addresses.size()) + " addresses", latency);
        schedule(m, c, std::clamp(r->ttl, kMinResolveInterval, kMaxResolveInterval));
      } else {
        record(m, c, false, r.error(), latency);
        schedule(m, c,
                 health::next_probe_delay(c.timing, c.tracker,
                                          std::uniform_real_distribution<>(0, 1)(random_)));
      }
      judge(m);
    });
    return;
  }
  const std::optional<IpAddress> target =
      c.probe->address
          ? c.probe->address
          : (m.addresses.empty() ? std::nullopt : std::optional<IpAddress>(m.addresses.front()));
  auto after = [this, &m, &c](bool ok, std::string detail, Duration latency) {
    record(m, c, ok, std::move(detail), latency);
    schedule(m, c,
             health::next_probe_delay(c.timing, c.tracker,
                                      std::uniform_real_distribution<>(0, 1)(random_)));
    judge(m);
  };
  if (!target) {
    after(false, "no address to probe", Duration{});
    return;
  }
  c.running = make_probe(loop_, *c.probe, *target);
  c.running->run([&c, after](ProbeResult r) {
    const std::unique_ptr<Probe> done = std::move(c.running);  // alive until we return
    after(r.ok, std::move(r.detail), r.latency);
  });
}

void HealthMonitor::record(Member& m, Check& c, bool ok, std::string detail, Duration latency) {
  ++(ok ? counters_.probes_ok : counters_.probes_failed);
  ++(ok ? c.ok : c.failed);
  const auto change = c.tracker.record(ok);
  c.detail = std::move(detail);
  c.latency = latency;
  if (change)
    log(LogLevel::Info, "health", "check changed",
        {{"member", m.config.name},
         {"check", to_string(c.kind)},
         {"from", health::to_string(change->from)},
         {"to", health::to_string(change->to)},
         {"detail", c.detail},
         {"ms", millis(latency)}});
}

void HealthMonitor::on_agent_datagram(std::span<const std::byte> datagram,
                                      const IpAddress& source) {
  auto reject = [this, &source](health::AgentReject why) {
    ++counters_.agent_rejected[static_cast<std::size_t>(why)];
    log(LogLevel::Debug, "health", "agent report refused",
        {{"from", source.to_string()}, {"why", health::to_string(why)}});
  };
  auto report = health::parse_agent_report(datagram);
  if (!report) return reject(report.error());
  auto m = std::find_if(members_.begin(), members_.end(), [&](const auto& member) {
    return member->gate && member->config.name == report->member;
  });
  if (m == members_.end()) return reject(health::AgentReject::UnknownMember);
  Member& member = **m;
  if (auto admitted = member.gate->admit(*report, unix_now()); !admitted)
    return reject(admitted.error());
  ++counters_.agent_admitted;
  member.agent = report->state;
  member.load = report->load;
  member.capacity = report->capacity;
  if (report->sessions) member.sessions = report->sessions;
  Check& check = *member.find(CheckKind::Agent);
  std::string detail = "state=" + std::string(health::to_string(report->state));
  if (report->load) detail += " load=" + std::to_string(*report->load);
  record(member, check, true, std::move(detail), Duration{});
  schedule(member, check, config_->health.agent_max_age);
  judge(member);
  if (report->sessions && on_sessions_) on_sessions_(member.config.name, *report->sessions);
}

void HealthMonitor::judge(Member& m) {
  std::vector<health::ProbeView> views;
  for (const auto& c : m.checks)
    views.push_back(
        {to_string(c->kind), c->tracker.state(), c->tracker.transitioning(), c->detail});
  const health::MemberVerdict verdict =
      health::evaluate({.operator_state = m.config.state, .probes = views, .agent = m.agent});
  if (verdict.state != m.verdict.state) {
    events_.add(verdict.state == health::MemberState::Down ? LogLevel::Warn : LogLevel::Info,
                "health", "member_state", m.config.name,
                "member " + m.config.name + " is " + std::string(to_string(verdict.state)),
                {{"member", m.config.name},
                 {"from", to_string(m.verdict.state)},
                 {"to", to_string(verdict.state)},
                 {"reason", verdict.reason}});
    m.since = Clock::now();
  }
  m.verdict = verdict;
  failover_->update(snapshots(), Clock::now());
  publish_soon();
}

void HealthMonitor::publish_soon() {
  if (publish_pending_ || !publish_timer_) return;
  publish_pending_ = true;
  const Clock::time_point now = Clock::now();
  const Clock::time_point due = last_publish_ + kPublishSpacing;
  publish_timer_->start(due > now ? due - now : Duration{}, [this] { publish(); });
}

std::vector<health::MemberSnapshot> HealthMonitor::snapshots() const {
  std::vector<health::MemberSnapshot> out;
  for (const auto& m : members_) out.push_back({m->verdict.state, m->load.value_or(std::nan(""))});
  return out;
}

HealthReport HealthMonitor::report() const {
  std::lock_guard lock(report_mutex_);
  return report_;
}

bool HealthMonitor::fail_back(const std::string& member) {
  for (const auto& m : members_)
    if (m->config.name == member) {
      failover_->fail_back(m->index, Clock::now());
      return true;
    }
  return false;
}

void HealthMonitor::publish() {
  if (!failover_) return;  // stopped
  publish_pending_ = false;
  publish_timer_->stop();
  last_publish_ = Clock::now();
  HealthReport report;
  for (const auto& m : members_)
    for (const auto& c : m->checks)
      report.checks.push_back({m->config.name, c->kind, c->tracker.state(),
                               c->tracker.transitioning(), c->detail, c->latency, c->ok,
                               c->failed});
  for (const auto& m : members_) report.sessions.push_back({m->config.name, m->sessions});
  report.addresses = failover_->report();
  report.counters = counters_;
  {
    std::lock_guard lock(report_mutex_);
    report_ = std::move(report);
  }
  auto next = std::make_shared<ClusterState>();
  const std::vector<IpAddress> moved = failover_->moved_away();
  for (const auto& m : members_) {
    MemberStatus s;
    s.state = m->verdict.state;
    s.transitioning = m->verdict.transitioning;
    s.reason = m->verdict.reason;
    s.addresses = m->addresses;
    for (const IpAddress& a : m->addresses)
      if (std::find(moved.begin(), moved.end(), a) != moved.end()) s.moved_away.push_back(a);
    s.load = m->load;
    s.capacity = m->capacity;
    s.since = m->since;
    next->members.push_back(std::move(s));
  }
  if (*next == *state_) return;
  state_ = std::move(next);
  changed_(state_);
}

}  // namespace ikesteer::frontend
