// The validated, immutable configuration. Defaults live here (and are documented, key by key,
// in examples/ikesteer.toml; a unit test keeps the two equal).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "common/ip_prefix.hpp"
#include "common/log.hpp"
#include "dns/zone_snapshot.hpp"
#include "frontend/etcd/etcd_client.hpp"
#include "health/failover_planner.hpp"
#include "health/member_state.hpp"
#include "health/probe_tracker.hpp"
#include "health/topology.hpp"
#include "redirect/responder.hpp"

namespace ikesteer::frontend {

using health::OperatorState;

// Named as in the file; a probe's check is named the same (CheckKind, frontend/cluster).
enum class ProbeType : std::uint8_t { Ike, Tcp, Http, Https, Exec };

struct ProbeConfig {
  ProbeType type = ProbeType::Ike;
  std::optional<IpAddress> address;  // unset: the member's first address
  std::uint16_t port = 0;            // 0: the type's default (ike 500, http 80, https 443)
  std::string path = "/";            // http(s)
  std::string host;                  // http(s): Host header and SNI; "" = the address
  unsigned expect_status = 200;      // http(s)
  std::string expect_body;           // http(s): a substring the body must contain
  std::vector<std::string> command;  // exec: argv; exit 0 = up
  health::ProbeTiming timing;        // [health] defaults, overridden per probe
  bool operator==(const ProbeConfig&) const = default;
};

// "198.51.100.2:5555" or "[2001:db8::2]:5555".
struct Endpoint {
  IpAddress address;
  std::uint16_t port = 0;
  bool operator==(const Endpoint&) const = default;
};

struct MemberConfig {
  std::string name;
  std::vector<IpAddress> addresses;  // service addresses (steered to, moved on failover)
  std::string host;                  // instead of addresses: resolved with DNS, re-resolved on TTL
  std::string gateway;  // "" = member address in the client's family; an IP; or an FQDN
  double weight = 1.0;
  std::uint32_t capacity = 0;    // new clients per second; 0 = unlimited
  std::string pool = "default";  // the site or region it belongs to
  OperatorState state = OperatorState::Active;
  health::FailoverMode failover = health::FailoverMode::None;
  std::string failover_member;             // FailoverMode::Member: the survivor's name
  std::vector<std::byte> agent_key;        // empty: agent reports from this member are refused
  std::optional<Endpoint> agent_commands;  // the agent's UDP command address; needs agent_key
  std::vector<ProbeConfig> probes;
  bool operator==(const MemberConfig&) const = default;
};

struct Config {
  struct Ike {
    std::vector<IpAddress> listen{*IpAddress::parse("127.0.0.1"), *IpAddress::parse("::1")};
    std::vector<std::uint16_t> ports{500, 4500};
    unsigned threads = 0;  // 0 = one per CPU
    redirect::UnsupportedClientPolicy unsupported_client =
        redirect::UnsupportedClientPolicy::NoProposalChosen;
    bool invalid_syntax_reply = false;
    bool invalid_spi_reply = true;  // RFC 7296 §2.21.4, for clients of adopted addresses
    bool operator==(const Ike&) const = default;
  } ike;
  struct Steering {
    unsigned ipv4_prefix = 32;
    unsigned ipv6_prefix = 64;
    double load_factor = 1.25;
    unsigned load_window = 10;      // seconds
    std::uint32_t load_floor = 50;  // new clients per member per window before the bound engages
    double load_margin = 0.1;  // agent-reported load: pass over members this far above the least
    bool operator==(const Steering&) const = default;
  } steering;
  struct Cookies {
    bool enabled = true;
    std::uint32_t threshold = 5000;  // IKE_SA_INIT/s per event loop; 0 = always
    unsigned secret_lifetime = 120;  // seconds
    bool operator==(const Cookies&) const = default;
  } cookies;
  struct RateLimit {
    std::uint32_t replies_per_second = 100;  // per source prefix; 0 = unlimited
    std::uint32_t burst = 200;
    unsigned ipv4_prefix = 24;
    unsigned ipv6_prefix = 56;
    bool operator==(const RateLimit&) const = default;
  } rate_limit;
  struct Dns {
    bool enabled = false;  // a [dns] table is present
    std::vector<IpAddress> listen{*IpAddress::parse("127.0.0.1"), *IpAddress::parse("::1")};
    std::uint16_t port = 53;
    unsigned tcp_idle_timeout = 10;  // seconds
    unsigned tcp_max_connections = 256;
    std::uint32_t rrl_responses_per_second = 0;  // per source prefix; 0 = off
    unsigned rrl_slip = 2;
    unsigned rrl_ipv4_prefix = 24;
    unsigned rrl_ipv6_prefix = 56;
    std::vector<dns::ZoneSpec> zones;
    std::vector<dns::ClusterNameSpec> clusters;
    bool operator==(const Dns&) const = default;
  } dns;
  struct Health {
    health::ProbeTiming timing;          // defaults of every probe
    std::vector<Endpoint> agent_listen;  // UDP, for agent reports; empty = none
    Duration agent_max_age = std::chrono::seconds(5);
    std::string state_file;  // operator changes made through the API persist here; "" = memory
    unsigned events = 1000;  // events kept in memory
    bool operator==(const Health&) const = default;
  } health;
  struct Failover {
    std::string interface;          // where adopted addresses are added on this host
    std::vector<std::string> hook;  // argv run for claims and releases on members
    Duration hook_timeout = std::chrono::seconds(5);
    Duration fencing = std::chrono::seconds(5);
    bool auto_failback = true;
    Duration failback_hold = std::chrono::seconds(10);
    // Before an address goes home, its holder's sessions on it are moved; the release waits
    // for them this long at most.
    Duration failback_move_timeout = std::chrono::seconds(60);
    unsigned ipv4_prefix = 24;  // prefix length of moved addresses
    unsigned ipv6_prefix = 64;
    unsigned announce_count = 3;
    Duration announce_interval = std::chrono::milliseconds(200);
    bool operator==(const Failover&) const = default;
  } failover;
  // Established sessions that ikesteer moves between members (drain with move).
  struct Sessions {
    // The cluster-wide budget of new IKE SAs ikesteer causes: redirects of new clients (one
    // token each, from every IKE loop) and session moves take from it.
    double new_ike_sas_per_second = 20;
    // What a new client gets while the budget is spent; Off: redirects are not paced.
    redirect::OverBudgetPolicy over_budget = redirect::OverBudgetPolicy::Off;
    Duration move_timeout = std::chrono::seconds(20);  // a moved session must leave by then
    unsigned move_attempts = 3;                        // moves per session before it counts failed
    Duration command_timeout = std::chrono::seconds(2);  // an unanswered agent command times out
    bool operator==(const Sessions&) const = default;
  } sessions;
  struct Http {
    bool enabled = false;  // an [http] table is present
    std::vector<Endpoint> listen{{*IpAddress::parse("127.0.0.1"), 8080}};
    std::string token;                     // bearer token for write actions; "" = read-only API
    std::string tls_certificate, tls_key;  // PEM files; both set = HTTPS
    unsigned max_connections = 64;
    std::size_t max_body_bytes = 65536;
    Duration read_timeout = std::chrono::seconds(10);
    Duration write_timeout = std::chrono::seconds(10);
    bool operator==(const Http&) const = default;
  } http;
  struct Log {
    LogLevel level = LogLevel::Info;
    bool operator==(const Log&) const = default;
  } log;
  // Several instances sharing state on etcd, exactly one acting (frontend/coordination/).
  struct Cluster {
    bool enabled = false;                          // a [cluster] table is present
    std::string instance;                          // this instance's name, unique in the cluster
    std::vector<etcd::ClientEndpoint> endpoints;   // "http://192.0.2.21:2379", "https://..."
    std::string tls_ca, tls_certificate, tls_key;  // PEM files, for https endpoints
    std::string prefix = "/ikesteer/";             // every key lives under it
    Duration lease_ttl = std::chrono::seconds(5);  // a dead leader is replaced after this
    std::string advertise;  // this instance's operator URL, shown to operators; "" = none
    bool operator==(const Cluster&) const = default;
  } cluster;
  struct Process {
    std::string user;  // "" = keep the current user
    bool operator==(const Process&) const = default;
  } process;
  // Regional pools: client networks -> the pools their clients try, in order.
  struct Topology {
    struct Network {
      std::vector<IpPrefix> prefixes;
      std::vector<std::string> pools;
      bool operator==(const Network&) const = default;
    };
    bool enabled = false;                    // a [topology] table is present
    std::vector<std::string> default_pools;  // empty: every pool, in order of first appearance
    std::vector<std::string> files;          // prefix files, as configured
    std::vector<Network> networks;           // given inline
    // Built at load from all of the above, over the pools as pool_names() numbers them;
    // null: every client tries every pool in that order.
    std::shared_ptr<const health::Topology> map;
    bool operator==(const Topology&) const = default;
  } topology;
  std::vector<MemberConfig> members;
  bool operator==(const Config&) const = default;
};

}  // namespace ikesteer::frontend
