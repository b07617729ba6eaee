// The validated, immutable configuration. Defaults live here (and are documented, key by key,
// in examples/ikesteer.toml; a unit test keeps the two equal).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "dns/zone_snapshot.hpp"
#include "frontend/log.hpp"
#include "redirect/responder.hpp"

namespace ikesteer::frontend {

enum class OperatorState : std::uint8_t { Active, Drain, Maintenance };

struct MemberConfig {
  std::string name;
  std::vector<IpAddress> addresses;
  std::string gateway;  // "" = member address in the client's family; an IP; or an FQDN
  double weight = 1.0;
  std::uint32_t capacity = 0;  // new clients per second; 0 = unlimited
  OperatorState state = OperatorState::Active;
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
    bool operator==(const Ike&) const = default;
  } ike;
  struct Steering {
    unsigned ipv4_prefix = 32;
    unsigned ipv6_prefix = 64;
    double load_factor = 1.25;
    unsigned load_window = 10;      // seconds
    std::uint32_t load_floor = 50;  // new clients per member per window before the bound engages
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
  struct Log {
    LogLevel level = LogLevel::Info;
    bool operator==(const Log&) const = default;
  } log;
  struct Process {
    std::string user;  // "" = keep the current user
    bool operator==(const Process&) const = default;
  } process;
  std::vector<MemberConfig> members;
  bool operator==(const Config&) const = default;
};

}  // namespace ikesteer::frontend
