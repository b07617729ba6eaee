#include "frontend/daemon/daemon.hpp"

#include <uv.h>

#include <csignal>
#include <exception>
#include <stdexcept>
#include <thread>

#include "common/log.hpp"
#include "frontend/cluster/health_monitor.hpp"
#include "frontend/cluster/publisher.hpp"
#include "frontend/cluster/session_mover.hpp"
#include "frontend/cluster/shared_state.hpp"
#include "frontend/config/config_loader.hpp"
#include "frontend/config/reload_rules.hpp"
#include "frontend/coordination/coordinator.hpp"
#include "frontend/daemon/operator_side.hpp"
#include "frontend/log/event_log.hpp"
#include "frontend/operator/counter_summary.hpp"
#include "frontend/operator/operator_actions.hpp"
#include "frontend/operator/operator_overrides.hpp"
#include "frontend/os/privileges.hpp"
#include "frontend/os/uv_handle.hpp"
#include "frontend/packet/blocking_udp_worker.hpp"
#include "frontend/packet/dns_handler.hpp"
#include "frontend/packet/dns_tcp_server.hpp"
#include "frontend/packet/ike_handler.hpp"
#include "frontend/packet/udp_worker.hpp"

namespace ikesteer::frontend {
namespace {

unsigned thread_count(const Config& c) {
  if (c.ike.threads != 0) return c.ike.threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

// Every listen address is bound with IP_FREEBIND (IPV6_FREEBIND): it need not be on this host
// yet, and datagrams arrive once it is added. The front end's own address may come later than
// ikesteer: a VIP that keepalived (VRRP) adds only on the instance it makes master, or that an
// ECMP set-up puts on the loopback; and the addresses the front end may adopt on failover are
// local only once adopted. (The price: a listen address mistyped in the configuration is bound
// all the same and never receives anything.)

// Every loop gets its own socket per (address, port); SO_REUSEPORT spreads clients over them.
Result<std::vector<UdpListener>, std::string> bind_ike(const Config& c, DatagramHandler& handler) {
  std::vector<IpAddress> addresses = c.ike.listen;
  for (const MemberConfig& m : c.members)
    if (m.failover == health::FailoverMode::Adopt)
      addresses.insert(addresses.end(), m.addresses.begin(), m.addresses.end());
  std::vector<UdpListener> listeners;
  for (const IpAddress& a : addresses)
    for (std::uint16_t port : c.ike.ports) {
      auto s = UdpSocket::bind(a, port, /*freebind=*/true);
      if (!s) return fail(s.error());
      listeners.push_back({std::move(s).value(), &handler, port == 4500});
    }
  return listeners;
}

// DNS over UDP: per loop, one socket per address, each with its own thread and handler
// (BlockingUdpWorker); SO_REUSEPORT spreads clients over the loops' sockets. Bound with
// IP_FREEBIND like the IKE addresses (so is DNS over TCP: DnsTcpServer::listen).
Result<std::vector<UdpSocket>, std::string> bind_dns(const Config& c) {
  std::vector<UdpSocket> sockets;
  for (const IpAddress& a : c.dns.listen) {
    auto s = UdpSocket::bind(a, c.dns.port, /*freebind=*/true);
    if (!s) return fail(s.error());
    sockets.push_back(std::move(s).value());
  }
  return sockets;
}

// What the packet threads see at start, before any probe has answered.
Published first_published(std::shared_ptr<const Config> config, unsigned ike_loops) {
  auto cluster = std::make_shared<const ClusterState>(initial_cluster_state(*config, Clock::now()));
  auto published = build_published(std::move(config), std::move(cluster), ike_loops);
  if (!published) throw std::runtime_error(published.error());  // start-up: caught in run_daemon
  return std::move(published).value();
}

class Daemon {
 public:
  // `file_config`: as validated from the file; `overrides`: the operators' changes on top.
  Daemon(std::string path, std::string version, Config file_config, OperatorOverrides overrides)
      : path_(std::move(path)),
        version_(std::move(version)),
        overrides_(std::move(overrides)),
        file_config_(std::move(file_config)),
        config_(std::make_shared<const Config>(overrides_.apply(file_config_))),
        ike_loops_(thread_count(*config_)),
        shared_(first_published(config_, ike_loops_)),
        publisher_(shared_, ike_loops_),
        events_(config_->health.events),
        monitor_(
            uv_default_loop(), events_,
            [this](std::shared_ptr<const ClusterState> cluster) { publish(std::move(cluster)); }),
        mover_(uv_default_loop(), shared_, events_),
        operator_side_(uv_default_loop(), {shared_, events_, monitor_, [this] { return totals(); },
                                           [this] { return ike_counters(); },
                                           [this](const OperatorAction& a) { return apply(a); },
                                           [this] { return mover_.progress(); },
                                           [this] { return cluster_status(); }}) {
    monitor_.on_reported_sessions([this](const std::string& member, std::uint32_t count) {
      mover_.on_reported_sessions(member, count);
    });
    monitor_.set_session_emptier(&mover_);
  }

  // Cluster mode ([cluster]): the shared state and the election, on etcd.
  Result<void, std::string> join_cluster() {
    if (!config_->cluster.enabled) return {};
    auto coordinator = Coordinator::create(
        uv_default_loop(), *config_, version_, events_,
        {[this](const std::string& text) { take_shared_overrides(text); },
         [this] { publish(monitor_.state()); },
         [this](std::optional<FencingToken> token, const std::map<IpAddress, std::string>& held) {
           change_authority(std::move(token), held);
         },
         [this](const std::map<IpAddress, std::string>& held) { monitor_.follow(held); },
         [this](Event e) { events_.add_shared(std::move(e)); },
         [this](const std::map<std::string, MoveRequestRecord>& requests) {
           run_move_requests(requests);
         }});
    if (!coordinator) return fail(coordinator.error());
    coordinator_ = std::move(coordinator).value();
    events_.share_as(config_->cluster.instance,
                     [c = coordinator_.get()](const Event& e) { c->publish_event(e); });
    monitor_.on_holders([this](const std::map<IpAddress, std::string>& held) {
      if (coordinator_) coordinator_->publish_holders(held);
    });
    return {};
  }

  // Events added while the members go (after the coordinator) are not shared.
  ~Daemon() { events_.share_as({}, nullptr); }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  int run() {
    const auto config = config_;
    const unsigned threads = ike_loops_;
    std::vector<std::vector<UdpListener>> listeners;
    std::vector<UdpListener> dns_listeners;
    for (unsigned i = 0; i < threads; ++i) {
      ike_handlers_.push_back(std::make_unique<IkeHandler>(i, shared_));
      auto ike = bind_ike(*config, *ike_handlers_.back());
      if (!ike) {
        log(LogLevel::Error, "ike", "cannot listen", {{"error", ike.error()}});
        return 1;
      }
      listeners.push_back(std::move(ike).value());
      if (config->dns.enabled) {
        auto dns = bind_dns(*config);
        if (!dns) {
          log(LogLevel::Error, "dns", "cannot listen", {{"error", dns.error()}});
          return 1;
        }
        for (UdpSocket& s : dns.value()) {
          dns_handlers_.push_back(std::make_unique<DnsHandler>(shared_));
          dns_listeners.push_back({std::move(s), dns_handlers_.back().get()});
        }
      }
    }
    uv_loop_t* loop = uv_default_loop();
    if (config->dns.enabled) {
      dns_tcp_ = std::make_unique<DnsTcpServer>(loop, shared_);
      if (auto bound = dns_tcp_->listen(config->dns.listen, config->dns.port); !bound) {
        log(LogLevel::Error, "dns", "cannot listen", {{"error", bound.error()}});
        return 1;
      }
    }
    if (auto started = operator_side_.start(config->http, version_); !started) {
      log(LogLevel::Error, "http", "cannot listen", {{"error", started.error()}});
      return 1;
    }
    if (!config->process.user.empty()) {
      if (auto dropped = drop_privileges(config->process.user); !dropped) {
        log(LogLevel::Error, "cfg", "cannot drop privileges", {{"error", dropped.error()}});
        return 1;
      }
    }
    for (unsigned i = 0; i < threads; ++i)
      workers_.push_back(std::make_unique<UdpWorker>(i, std::move(listeners[i])));
    for (UdpListener& l : dns_listeners)
      dns_workers_.push_back(std::make_unique<BlockingUdpWorker>(std::move(l)));
    for (auto& w : workers_) w->start();
    for (auto& w : dns_workers_) w->start();
    log(LogLevel::Info, "ike", "listening",
        {{"addresses", std::to_string(config->ike.listen.size())},
         {"ports", std::to_string(config->ike.ports.size())},
         {"loops", std::to_string(threads)},
         {"members", std::to_string(config->members.size())}});
    if (config->dns.enabled)
      log(LogLevel::Info, "dns", "listening",
          {{"addresses", std::to_string(config->dns.listen.size())},
           {"port", std::to_string(config->dns.port)},
           {"zones", std::to_string(config->dns.zones.size())},
           {"cluster_names", std::to_string(config->dns.clusters.size())}});

    if (auto started = monitor_.configure(config); !started) {
      log(LogLevel::Error, "health", "cannot start", {{"error", started.error()}});
      return 1;
    }
    mover_.configure(*config);
    if (coordinator_) coordinator_->start();
    for (Signal* s : {&sighup_, &sigterm_, &sigint_}) s->init(loop, *this, uv_signal_init);
    stats_timer_.init(loop, *this, uv_timer_init);
    uv_signal_start(
        sighup_.get(), [](uv_signal_t* s, int) { Signal::context(s).reload(); }, SIGHUP);
    uv_signal_start(
        sigterm_.get(), [](uv_signal_t* s, int) { Signal::context(s).stop(); }, SIGTERM);
    uv_signal_start(
        sigint_.get(), [](uv_signal_t* s, int) { Signal::context(s).stop(); }, SIGINT);
    uv_timer_start(
        stats_timer_.get(), [](uv_timer_t* t) { Timer::context(t).log_stats(); }, 60'000, 60'000);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    return 0;
  }

 private:
  using Signal = UvHandle<uv_signal_t, Daemon>;
  using Timer = UvHandle<uv_timer_t, Daemon>;

  void reload() {
    if (path_.empty()) {
      log(LogLevel::Warn, "cfg", "reload ignored: the demo configuration is built in");
      return;
    }
    auto next = load_config(path_);
    if (!next) {
      for (const std::string& e : next.error())
        log(LogLevel::Error, "cfg", "invalid", {{"error", e}});
      log(LogLevel::Error, "cfg", "reload failed, keeping the running configuration",
          {{"file", path_}});
      return;
    }
    ReloadPlan plan = plan_reload(*config_, std::move(next).value());
    // What runs is the file with restart-only settings kept: refused whole if that cannot be
    // built (a kept [dns] table that no longer fits the new member list).
    const auto running = std::make_shared<const Config>(overrides_.apply(plan.config));
    if (auto built = build_published(
            running,
            std::make_shared<const ClusterState>(initial_cluster_state(*running, Clock::now())),
            ike_loops_);
        !built) {
      log(LogLevel::Error, "cfg", "reload failed, keeping the running configuration",
          {{"file", path_}, {"error", built.error()}});
      return;
    }
    if (!plan.restart_only.empty()) {
      std::string names;
      for (std::string_view name : plan.restart_only)
        names += (names.empty() ? "" : ",") + std::string(name);
      log(LogLevel::Warn, "cfg", "changes take effect only at restart",
          {{"settings", names}, {"file", path_}});
    }
    set_log_level(plan.config.log.level);
    file_config_ = std::move(plan.config);
    events_.set_capacity(file_config_.health.events);
    take_effect();
    events_.add(LogLevel::Info, "cfg", "reload", "", "reloaded", {{"file", path_}});
  }

  // The file's configuration with the operators' overrides, for the monitor and the loops.
  void take_effect() {
    config_ = std::make_shared<const Config>(overrides_.apply(file_config_));
    if (auto configured = monitor_.configure(config_); !configured)
      log(LogLevel::Error, "health", "agent reports not received", {{"error", configured.error()}});
    publish(monitor_.state());
    mover_.configure(*config_);
  }

  // The running configuration in a new cluster state, to the packet threads. In cluster mode
  // every instance steers on the state the leader shares (the leader too: as shared).
  void publish(std::shared_ptr<const ClusterState> own) {
    std::shared_ptr<const ClusterState> cluster = std::move(own);
    if (coordinator_) {
      coordinator_->publish_view(*cluster, config_->members);
      if (coordinator_->acting()) coordinator_->publish_verdicts(*cluster, config_->members);
      cluster = std::make_shared<const ClusterState>(
          coordinator_->acting() || !coordinator_->verdicts()
              ? shared_view(*cluster)
              : followed(*coordinator_->verdicts(), config_->members, *cluster));
    }
    if (auto published = publisher_.publish(config_, std::move(cluster)); !published)
      log(LogLevel::Error, "cfg", "not published, the packet threads keep the previous state",
          {{"error", published.error()}});
  }

  // An operator's write action from the API (on the main loop).
  ActionOutcome apply(const OperatorAction& a) {
    if (coordinator_) return apply_shared(a);
    ActionDecision d = decide_action(a, config_->members, overrides_);
    if (!d.outcome.ok) return d.outcome;
    if (d.overrides) {
      overrides_ = std::move(*d.overrides);
      take_effect();
      if (auto saved = overrides_.save(); !saved)
        d.outcome.message += " (not persisted: " + saved.error() + ")";
    }
    if (d.fail_back) monitor_.fail_back(a.member);
    if (d.stop_moving) mover_.stop(a.member, "undrained by " + a.who);
    // After take_effect(): the plan the moves follow no longer steers to the member.
    if (d.move_sessions)
      if (auto moving = mover_.start(a.member, a.who); !moving) {
        d.outcome = {false, 409, moving.error()};
        return d.outcome;
      }
    events_.add(LogLevel::Info, "operator", "operator_action", a.member,
                "operator: " + d.outcome.message,
                {{"member", a.member}, {"action", d.what}, {"who", a.who}, {"why", a.why}});
    return d.outcome;
  }

  // Cluster mode: an operator's action goes to etcd, and from there to every instance (this
  // one included, at once); failover and moves follow on the leader.
  ActionOutcome apply_shared(const OperatorAction& a) {
    if (!coordinator_->reachable())
      return {false, 503, "etcd is unreachable: the change would reach no other instance"};
    ActionDecision d = decide_action(a, config_->members, overrides_);
    if (!d.outcome.ok) return d.outcome;
    if (d.fail_back && !coordinator_->acting())
      return {false, 409,
              "failback runs on the leader (" + coordinator_->status().leader + "); ask it"};
    if (d.move_sessions) {
      const auto m = std::find_if(config_->members.begin(), config_->members.end(),
                                  [&](const MemberConfig& c) { return c.name == a.member; });
      if (m == config_->members.end() || m->agent_key.empty() || !m->agent_commands)
        return {false, 409,
                "member " + a.member +
                    " has no agent_commands (with agent_key): its sessions cannot be moved"};
    }
    if (d.overrides) {
      const auto it = d.overrides->members().find(a.member);
      const MemberOverride change =
          it == d.overrides->members().end() ? MemberOverride{} : it->second;
      coordinator_->change_overrides([member = a.member, change](std::string_view current) {
        auto shared = current.empty() ? OperatorOverrides::load("")
                                      : OperatorOverrides::from_json(current, "etcd");
        OperatorOverrides next = shared ? std::move(shared).value() : *OperatorOverrides::load("");
        next.set(member, change);
        return next.to_json();
      });
      overrides_ = std::move(*d.overrides);
      take_effect();
    }
    if (d.fail_back) monitor_.fail_back(a.member);
    if (d.stop_moving) coordinator_->end_move(a.member);
    if (d.move_sessions) coordinator_->request_move(a.member, a.who);
    events_.add(LogLevel::Info, "operator", "operator_action", a.member,
                "operator: " + d.outcome.message,
                {{"member", a.member}, {"action", d.what}, {"who", a.who}, {"why", a.why}});
    return d.outcome;
  }

  // The overrides as etcd has them now (after any instance's action).
  void take_shared_overrides(const std::string& text) {
    auto shared =
        text.empty() ? OperatorOverrides::load("") : OperatorOverrides::from_json(text, "etcd");
    if (!shared) {
      log(LogLevel::Error, "cluster", "shared overrides unreadable", {{"error", shared.error()}});
      return;
    }
    if (*shared == overrides_) return;
    overrides_ = std::move(shared).value();
    take_effect();
  }

  // This instance starts acting (a token) or stops.
  void change_authority(std::optional<FencingToken> token,
                        const std::map<IpAddress, std::string>& held) {
    if (token) {
      monitor_.take_over(std::move(*token), held);
    } else {
      monitor_.stand_down();
      for (const MoveProgress& p : mover_.progress())
        if (!p.address) mover_.stop(p.member, "this instance no longer leads");
    }
    publish(monitor_.state());
  }

  // The leader empties every member a drain with move was asked for, and only those. Each
  // request starts its member's job once: a job started for it and not stopped since goes on,
  // or stays finished, when another member's request comes or goes; the member asked again (a
  // new request) or its job stopped (this instance no longer led) starts it over.
  void run_move_requests(const std::map<std::string, MoveRequestRecord>& requests) {
    const std::vector<MoveProgress> jobs = mover_.progress();
    const auto started_for = [&](const std::string& member, const MoveRequestRecord& request) {
      const auto it = move_requests_started_.find(member);
      return it != move_requests_started_.end() && it->second == request &&
             std::any_of(jobs.begin(), jobs.end(), [&](const MoveProgress& p) {
               return p.member == member && !p.address && p.state != MoveState::Stopped;
             });
    };
    std::erase_if(move_requests_started_,
                  [&](const auto& started) { return !requests.contains(started.first); });
    for (const auto& [member, request] : requests) {
      if (started_for(member, request)) continue;
      if (auto started = mover_.start(member, request.who); !started)
        log(LogLevel::Warn, "sessions", "cannot move sessions",
            {{"member", member}, {"error", started.error()}});
      else
        move_requests_started_[member] = request;
    }
    for (const MoveProgress& p : mover_.progress())
      if (!p.address && p.state != MoveState::Stopped && !requests.contains(p.member))
        mover_.stop(p.member, "undrained");
  }

  void stop() {
    log(LogLevel::Info, "ike", "stopping");
    if (coordinator_) coordinator_->stop();
    operator_side_.stop();
    for (auto& w : workers_) w->stop();
    for (auto& w : dns_workers_) w->stop();
    if (dns_tcp_) dns_tcp_->close();
    monitor_.stop();
    mover_.close();
    log_stats();
    for (Signal* s : {&sighup_, &sigterm_, &sigint_}) s->close();
    stats_timer_.close();
  }

  std::vector<IkeCounters> ike_counters() const {
    std::vector<IkeCounters> ike;
    for (auto& h : ike_handlers_) ike.push_back(h->counters());
    return ike;
  }

  // Every counter summed over the loops; from any thread.
  Totals totals() const {
    Totals t;
    const std::vector<IkeCounters> ike = ike_counters();
    std::vector<UdpTransportCounters> ike_transport;
    for (auto& w : workers_) ike_transport.push_back(w->counters());
    t.ike = sum(ike, ike_transport);
    const auto config = shared_.current().config;  // not config_: this runs on any thread
    t.redirects_per_member.resize(config->members.size());
    for (const IkeCounters& loop : ike) {
      if (loop.config != config) continue;  // counted under a member list since replaced
      for (std::size_t i = 0; i < loop.redirects_per_member.size(); ++i)
        t.redirects_per_member[i] += loop.redirects_per_member[i];
      t.spills.resize(std::max(t.spills.size(), loop.spills.size()));
      for (std::size_t i = 0; i < loop.spills.size(); ++i) t.spills[i] += loop.spills[i];
    }
    if (dns_tcp_) {
      std::vector<DnsCounters> dns{dns_tcp_->counters()};
      for (auto& h : dns_handlers_) dns.push_back(h->counters());
      std::vector<UdpTransportCounters> dns_transport;
      for (auto& w : dns_workers_) dns_transport.push_back(w->counters());
      t.dns = sum(dns, dns_transport);
    }
    t.health = monitor_.report().counters;
    t.agent_commands = mover_.counters();
    return t;
  }

  // From any thread: coordinator_ is set before the HTTP thread starts and kept until the end.
  std::optional<ClusterStatus> cluster_status() const {
    if (!coordinator_) return std::nullopt;
    return coordinator_->status();
  }

  // One line per protocol with every non-zero counter summed over the loops.
  void log_stats() {
    const Totals t = totals();
    log(LogLevel::Info, "ike", "counters", {{"totals", summary(t.ike)}});
    log(LogLevel::Info, "health", "counters", {{"totals", summary(t.health)}});
    log(LogLevel::Info, "sessions", "counters", {{"totals", summary(t.agent_commands)}});
    if (dns_tcp_) log(LogLevel::Info, "dns", "counters", {{"totals", summary(t.dns)}});
  }

  std::string path_;
  std::string version_;
  OperatorOverrides overrides_;
  Config file_config_;                    // as the file says
  std::shared_ptr<const Config> config_;  // running: the file plus the operators' overrides
  unsigned ike_loops_;
  SharedState shared_;
  Publisher publisher_;
  EventLog events_;
  HealthMonitor monitor_;
  SessionMover mover_;
  std::unique_ptr<Coordinator> coordinator_;  // cluster mode only
  // Cluster mode, on the leader: the move request each member's job was started for.
  std::map<std::string, MoveRequestRecord> move_requests_started_;
  OperatorSide operator_side_;
  std::vector<std::unique_ptr<IkeHandler>> ike_handlers_;  // one per loop
  std::vector<std::unique_ptr<DnsHandler>> dns_handlers_;  // one per DNS UDP socket
  std::unique_ptr<DnsTcpServer> dns_tcp_;
  // After the handlers: destroyed first.
  std::vector<std::unique_ptr<UdpWorker>> workers_;              // IKE, one per loop
  std::vector<std::unique_ptr<BlockingUdpWorker>> dns_workers_;  // one per DNS UDP socket
  Signal sighup_, sigterm_, sigint_;
  Timer stats_timer_;
};

}  // namespace

int run_daemon(DaemonOptions options) {
  set_log_level(options.config.log.level);
  // A peer closing a TCP connection (DNS, health probes) must be an error code, not a signal.
  std::signal(SIGPIPE, SIG_IGN);
  // Start-up failures (no entropy, a libuv error) end the process with a reason, not abort().
  try {
    auto overrides = OperatorOverrides::load(options.config.health.state_file);
    if (!overrides) {
      log(LogLevel::Error, "cfg", "cannot read the state file", {{"error", overrides.error()}});
      return 1;
    }
    Daemon daemon(std::move(options.config_path), std::move(options.version),
                  std::move(options.config), std::move(overrides).value());
    if (auto joined = daemon.join_cluster(); !joined) {
      log(LogLevel::Error, "cluster", "cannot start", {{"error", joined.error()}});
      return 1;
    }
    return daemon.run();
  } catch (const std::exception& e) {
    log(LogLevel::Error, "ike", "cannot start", {{"error", e.what()}});
    return 1;
  }
}

}  // namespace ikesteer::frontend
