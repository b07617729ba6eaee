#include "frontend/config/config_loader.hpp"

#include <toml++/toml.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>
#include <tuple>

#include "common/toml_fields.hpp"
#include "frontend/config/topology_loader.hpp"
#include "health/pool_selector.hpp"

namespace ikesteer::frontend {
namespace {

using namespace toml_fields;

template <class E>
Apply choice(E& out, std::vector<std::pair<std::string_view, E>> options) {
  return [&out, options = std::move(options)](const toml::node& n) -> Reason {
    const auto v = n.value_exact<std::string>();
    std::string allowed;
    for (const auto& [name, value] : options) {
      if (v && *v == name) {
        out = value;
        return std::nullopt;
      }
      allowed += (allowed.empty() ? "\"" : ", \"") + std::string(name) + "\"";
    }
    return "must be one of " + allowed;
  };
}

Apply address_list(std::vector<IpAddress>& out) {
  return [&out](const toml::node& n) -> Reason {
    const toml::array* a = n.as_array();
    if (!a || a->empty()) return "must be a non-empty array of IP addresses";
    std::vector<IpAddress> parsed;
    for (const toml::node& item : *a) {
      const auto s = item.value_exact<std::string>();
      const auto ip = s ? IpAddress::parse(*s) : std::nullopt;
      if (!ip) return "not an IP address: " + (s ? *s : std::string("(not a string)"));
      if (std::find(parsed.begin(), parsed.end(), *ip) != parsed.end())
        return "duplicate address " + *s;
      parsed.push_back(*ip);
    }
    out = std::move(parsed);
    return std::nullopt;
  };
}

// Replies must leave from the address the request reached (RFC 7296 §2.11), so each socket is
// bound to one address; a wildcard could answer from another.
Apply listen_addresses(std::vector<IpAddress>& out) {
  return [&out](const toml::node& n) -> Reason {
    if (Reason r = address_list(out)(n)) return r;
    for (const IpAddress& a : out)
      if (a == a.masked(0)) return "must name specific addresses, not " + a.to_string();
    return std::nullopt;
  };
}

// A sub-table whose own keys are checked against `fields`.
Apply sub_table(std::string key, std::vector<Field> fields, Errors& errors) {
  return
      [key = std::move(key), fields = std::move(fields), &errors](const toml::node& n) -> Reason {
        const toml::table* t = n.as_table();
        if (!t) return "must be a table";
        apply_table(*t, key, fields, errors);
        return std::nullopt;
      };
}

Apply port_list(std::vector<std::uint16_t>& out) {
  return [&out](const toml::node& n) -> Reason {
    const toml::array* a = n.as_array();
    if (!a || a->empty()) return "must be a non-empty array of ports";
    std::vector<std::uint16_t> parsed;
    for (const toml::node& item : *a) {
      const auto v = item.value_exact<std::int64_t>();
      if (!v || *v < 1 || *v > 65535) return "ports must be integers 1..65535";
      parsed.push_back(static_cast<std::uint16_t>(*v));
    }
    out = std::move(parsed);
    return std::nullopt;
  };
}

// RFC 1035 §2.3.1 host names (letters, digits, hyphens; labels 1..63; at most 253 octets).
bool is_hostname(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  if (s.back() == '.') s.remove_suffix(1);
  std::size_t label = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      if (label == 0 || label > 63 || s[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    const char c = s[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || (c == '-' && label > 0))) return false;
    ++label;
  }
  return true;
}

bool is_member_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::vector<Field> ike_fields(Config::Ike& c) {
  using P = redirect::UnsupportedClientPolicy;
  return {{"listen", listen_addresses(c.listen)},
          {"ports", port_list(c.ports)},
          {"threads", integer(c.threads, 0, 256)},
          {"unsupported_client",
           choice(c.unsupported_client, {{"drop", P::Drop},
                                         {"no-proposal-chosen", P::NoProposalChosen},
                                         {"temporary-failure", P::TemporaryFailure}})},
          {"invalid_syntax_reply", boolean(c.invalid_syntax_reply)},
          {"invalid_spi_reply", boolean(c.invalid_spi_reply)}};
}

std::vector<Field> steering_fields(Config::Steering& c) {
  return {{"ipv4_prefix", integer(c.ipv4_prefix, 1, 32)},
          {"ipv6_prefix", integer(c.ipv6_prefix, 1, 128)},
          {"load_factor", number_above(c.load_factor, 1.0, 100.0)},
          {"load_window", integer(c.load_window, 1, 3600)},
          {"load_floor", integer(c.load_floor, 0, 100'000'000)},
          {"load_margin", number_above(c.load_margin, -1, 1)}};
}

std::vector<Field> cookie_fields(Config::Cookies& c) {
  return {{"enabled", boolean(c.enabled)},
          {"threshold", integer(c.threshold, 0, 100'000'000)},
          {"secret_lifetime", integer(c.secret_lifetime, 10, 86'400)}};
}

std::vector<Field> rate_limit_fields(Config::RateLimit& c) {
  return {{"replies_per_second", integer(c.replies_per_second, 0, 100'000'000)},
          {"burst", integer(c.burst, 1, 100'000'000)},
          {"ipv4_prefix", integer(c.ipv4_prefix, 1, 32)},
          {"ipv6_prefix", integer(c.ipv6_prefix, 1, 128)}};
}

std::vector<Field> log_fields(Config::Log& c) {
  return {{"level", choice(c.level, {{"debug", LogLevel::Debug},
                                     {"info", LogLevel::Info},
                                     {"warn", LogLevel::Warn},
                                     {"error", LogLevel::Error}})}};
}

std::vector<Field> soa_fields(dns::SoaSpec& s) {
  return {{"mname", text(s.mname)},
          {"rname", text(s.rname)},
          {"serial", integer(s.serial, 0, UINT32_MAX)},
          {"refresh", integer(s.refresh, 0, INT32_MAX)},
          {"retry", integer(s.retry, 0, INT32_MAX)},
          {"expire", integer(s.expire, 0, INT32_MAX)},
          {"minimum", integer(s.minimum, 0, INT32_MAX)}};
}

std::vector<Field> dns_fields(Config::Dns& c, Errors& errors) {
  using P = dns::ClusterPolicy;
  auto zone_fields = [&errors](dns::ZoneSpec& z, const std::string& prefix) {
    return std::vector<Field>{{"origin", text(z.origin)},
                              {"ttl", integer(z.ttl, 0, INT32_MAX)},
                              {"ns", string_list(z.ns)},
                              {"records", string_list(z.records)},
                              {"member_names", boolean(z.member_names)},
                              {"soa", sub_table(prefix + ".soa", soa_fields(z.soa), errors)}};
  };
  auto cluster_fields = [](dns::ClusterNameSpec& k, const std::string&) {
    return std::vector<Field>{{"name", text(k.name)},
                              {"policy", choice(k.policy, {{"all", P::All},
                                                           {"weighted", P::Weighted},
                                                           {"sticky", P::Sticky},
                                                           {"frontend", P::Frontend}})},
                              {"count", integer(k.count, 1, 64)},
                              {"ttl", integer(k.ttl, 0, INT32_MAX)},
                              {"ttl_transition", integer(k.ttl_transition, 0, INT32_MAX)},
                              {"fail_open_min", integer(k.fail_open_min, 0, 256)},
                              {"pools", string_list(k.pools)},
                              {"members", string_list(k.members)},
                              {"topology", boolean(k.topology)}};
  };
  return {{"listen", listen_addresses(c.listen)},
          {"port", integer(c.port, 1, 65535)},
          {"tcp_idle_timeout", integer(c.tcp_idle_timeout, 1, 3600)},
          {"tcp_max_connections", integer(c.tcp_max_connections, 1, 100'000)},
          {"rrl_responses_per_second", integer(c.rrl_responses_per_second, 0, 100'000'000)},
          {"rrl_slip", integer(c.rrl_slip, 0, 100)},
          {"rrl_ipv4_prefix", integer(c.rrl_ipv4_prefix, 1, 32)},
          {"rrl_ipv6_prefix", integer(c.rrl_ipv6_prefix, 1, 128)},
          {"zone", table_array(c.zones, "dns.zone", {"origin", "soa", "ns"}, zone_fields, errors)},
          {"cluster", table_array(c.clusters, "dns.cluster", {"name"}, cluster_fields, errors)}};
}

// "192.0.2.1:5555" or "[2001:db8::1]:5555".
std::optional<Endpoint> parse_endpoint(std::string_view s) {
  const std::size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == s.size()) return std::nullopt;
  std::string_view host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  else if (host.find(':') != std::string_view::npos)
    return std::nullopt;  // an IPv6 address needs brackets
  const auto ip = IpAddress::parse(host);
  unsigned port = 0;
  for (char c : s.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return std::nullopt;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (!ip || port == 0 || port > 65535) return std::nullopt;
  return Endpoint{*ip, static_cast<std::uint16_t>(port)};
}

Apply endpoint_list(std::vector<Endpoint>& out) {
  return [&out](const toml::node& n) -> Reason {
    std::vector<std::string> texts;
    if (Reason r = string_list(texts)(n)) return r;
    std::vector<Endpoint> parsed;
    for (const std::string& t : texts) {
      auto e = parse_endpoint(t);
      if (!e) return "not an \"address:port\" or \"[address]:port\": " + t;
      parsed.push_back(*e);
    }
    out = std::move(parsed);
    return std::nullopt;
  };
}

std::vector<Field> timing_fields(health::ProbeTiming& t) {
  return {{"interval", seconds(t.interval_up, 0.01, 3600)},
          {"interval_down", seconds(t.interval_down, 0.01, 3600)},
          {"interval_transition", seconds(t.interval_transition, 0.01, 3600)},
          {"timeout", seconds(t.timeout, 0.01, 600)},
          {"rise", integer(t.rise, 1, 100)},
          {"fall", integer(t.fall, 1, 100)},
          {"jitter", number_above(t.jitter, -1, 0.5)}};
}

std::vector<Field> health_fields(Config::Health& c) {
  std::vector<Field> fields = timing_fields(c.timing);
  fields.push_back({"agent_listen", endpoint_list(c.agent_listen)});
  fields.push_back({"agent_max_age", seconds(c.agent_max_age, 0.1, 3600)});
  fields.push_back({"state_file", text(c.state_file)});
  fields.push_back({"events", integer(c.events, 10, 1'000'000)});
  return fields;
}

std::vector<Field> http_fields(Config::Http& c) {
  return {{"listen", endpoint_list(c.listen)},
          {"token", text(c.token)},
          {"tls_certificate", text(c.tls_certificate)},
          {"tls_key", text(c.tls_key)},
          {"max_connections", integer(c.max_connections, 1, 100'000)},
          {"max_body_bytes", integer(c.max_body_bytes, 1024, 16 << 20)},
          {"read_timeout", seconds(c.read_timeout, 0.1, 3600)},
          {"write_timeout", seconds(c.write_timeout, 0.1, 3600)}};
}

std::vector<Field> sessions_fields(Config::Sessions& c) {
  using P = redirect::OverBudgetPolicy;
  return {{"new_ike_sas_per_second", number_above(c.new_ike_sas_per_second, 0, 1'000'000)},
          {"over_budget",
           choice(c.over_budget, {{"off", P::Off}, {"drop", P::Drop}, {"cookie", P::Cookie}})},
          {"move_timeout", seconds(c.move_timeout, 1, 3600)},
          {"move_attempts", integer(c.move_attempts, 1, 100)},
          {"command_timeout", seconds(c.command_timeout, 0.1, 60)}};
}

std::vector<Field> failover_fields(Config::Failover& c) {
  return {{"interface", text(c.interface)},
          {"hook", string_list(c.hook)},
          {"hook_timeout", seconds(c.hook_timeout, 0.1, 600)},
          {"fencing", seconds(c.fencing, 0, 3600)},
          {"failback", choice(c.auto_failback, {{"auto", true}, {"manual", false}})},
          {"failback_hold", seconds(c.failback_hold, 0, 86'400)},
          {"failback_move_timeout", seconds(c.failback_move_timeout, 0, 3600)},
          {"ipv4_prefix", integer(c.ipv4_prefix, 1, 32)},
          {"ipv6_prefix", integer(c.ipv6_prefix, 1, 128)},
          {"announce_count", integer(c.announce_count, 0, 100)},
          {"announce_interval", seconds(c.announce_interval, 0.01, 60)}};
}

// "http://192.0.2.21:2379", "https://[2001:db8::21]:2379".
Apply etcd_endpoint_list(std::vector<etcd::ClientEndpoint>& out) {
  return [&out](const toml::node& n) -> Reason {
    std::vector<std::string> texts;
    if (Reason r = string_list(texts)(n)) return r;
    if (texts.empty()) return "must name at least one etcd endpoint";
    std::vector<etcd::ClientEndpoint> parsed;
    for (const std::string& t : texts) {
      const std::string_view s = t;
      const bool tls = s.starts_with("https://");
      if (!tls && !s.starts_with("http://"))
        return "not an \"http://address:port\" or \"https://address:port\": " + t;
      const auto e = parse_endpoint(s.substr(tls ? 8 : 7));
      if (!e) return "not an \"http://address:port\" or \"https://address:port\": " + t;
      parsed.push_back({tls, e->address, e->port});
    }
    out = std::move(parsed);
    return std::nullopt;
  };
}

// Instance names appear in etcd keys and in every instance's view: short, no separators.
Apply instance_name(std::string& out) {
  return [&out](const toml::node& n) -> Reason {
    const auto v = n.value_exact<std::string>();
    const bool ok =
        v && !v->empty() && v->size() <= 63 && std::all_of(v->begin(), v->end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.';
        });
    if (!ok) return "must be 1 to 63 letters, digits, '-', '_' or '.'";
    out = *v;
    return std::nullopt;
  };
}

std::vector<Field> cluster_table_fields(Config::Cluster& c) {
  return {{"instance", instance_name(c.instance)},
          {"endpoints", etcd_endpoint_list(c.endpoints)},
          {"tls_ca", text(c.tls_ca)},
          {"tls_certificate", text(c.tls_certificate)},
          {"tls_key", text(c.tls_key)},
          {"prefix", text(c.prefix)},
          {"lease_ttl", seconds(c.lease_ttl, 2, 60)},
          {"advertise", text(c.advertise)}};
}

// What [cluster] needs beyond each key's own check.
void check_cluster(const toml::table& root, Config& config, Errors& errors) {
  const Config::Cluster& c = config.cluster;
  const toml::source_region at = root["cluster"].node()->source();
  const toml::node_view table = root["cluster"];
  for (const char* key : {"instance", "endpoints"})  // refused values are reported already
    if (!table[key]) errors.add(at, std::string("cluster.") + key, "is required");
  if (!c.prefix.starts_with("/") || !c.prefix.ends_with("/"))
    errors.add(at, "cluster.prefix", "must begin and end with '/'");
  const bool tls = std::any_of(c.endpoints.begin(), c.endpoints.end(),
                               [](const etcd::ClientEndpoint& e) { return e.tls; });
  if (tls && c.tls_ca.empty())
    errors.add(at, "cluster.tls_ca", "https endpoints need the CA that signed their certificates");
  if (c.tls_certificate.empty() != c.tls_key.empty())
    errors.add(at, "cluster.tls_key", "tls_certificate and tls_key go together");
  // The etcd client reads them at start; a file it could not read would stop the daemon there.
  for (const auto& [key, path] : {std::pair{"cluster.tls_ca", &c.tls_ca},
                                  std::pair{"cluster.tls_certificate", &c.tls_certificate},
                                  std::pair{"cluster.tls_key", &c.tls_key}})
    if (!path->empty() && !std::ifstream(*path)) errors.add(at, key, "cannot read " + *path);
  // What the daemon does at start with them (a CA or key file that is not PEM, ...).
  if (errors.empty())
    if (auto client = etcd::Client::create({c.endpoints, c.tls_ca, c.tls_certificate, c.tls_key});
        !client)
      errors.add(at, "cluster", client.error());
  if (!config.health.state_file.empty())
    errors.add(root["health"].node()->source(), "health.state_file",
               "operator changes are kept in etcd when [cluster] is set; remove state_file");
}

std::vector<Field> probe_fields(ProbeConfig& p) {
  using T = ProbeType;
  std::vector<Field> fields = timing_fields(p.timing);
  fields.push_back({"type", choice(p.type, {{"ike", T::Ike},
                                            {"tcp", T::Tcp},
                                            {"http", T::Http},
                                            {"https", T::Https},
                                            {"exec", T::Exec}})});
  fields.push_back({"address", [&p](const toml::node& n) -> Reason {
                      const auto v = n.value_exact<std::string>();
                      const auto ip = v ? IpAddress::parse(*v) : std::nullopt;
                      if (!ip) return "must be an IP address";
                      p.address = ip;
                      return std::nullopt;
                    }});
  fields.push_back({"port", integer(p.port, 1, 65535)});
  fields.push_back({"path", text(p.path)});
  fields.push_back({"host", text(p.host)});
  fields.push_back({"expect_status", integer(p.expect_status, 100, 599)});
  fields.push_back({"expect_body", text(p.expect_body)});
  fields.push_back({"command", string_list(p.command)});
  return fields;
}

// Hex text of at least 16 bytes.
Apply hex_key(std::vector<std::byte>& out) {
  return [&out](const toml::node& n) -> Reason {
    const auto v = n.value_exact<std::string>();
    if (v && v->empty()) {  // no key: no agent
      out.clear();
      return std::nullopt;
    }
    const auto digit = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (!v || v->size() % 2 != 0 || v->size() < 32 ||
        !std::all_of(v->begin(), v->end(), [&](char c) { return digit(c) >= 0; }))
      return "must be \"\" or an even number (>= 32) of hex digits";
    out.clear();
    for (std::size_t i = 0; i < v->size(); i += 2)
      out.push_back(static_cast<std::byte>(digit((*v)[i]) * 16 + digit((*v)[i + 1])));
    return std::nullopt;
  };
}

std::vector<Field> process_fields(Config::Process& c) {
  return {{"user", text(c.user)}};
}

Apply failover_mode(MemberConfig& m) {
  return [&m](const toml::node& n) -> Reason {
    using F = health::FailoverMode;
    const auto v = n.value_exact<std::string>();
    constexpr std::string_view kMember = "member:";
    if (v && *v == "none")
      m.failover = F::None;
    else if (v && *v == "adopt")
      m.failover = F::Adopt;
    else if (v && *v == "least-loaded")
      m.failover = F::LeastLoaded;
    else if (v && v->starts_with(kMember) && v->size() > kMember.size()) {
      m.failover = F::Member;
      m.failover_member = v->substr(kMember.size());
    } else {
      return "must be \"none\", \"adopt\", \"least-loaded\" or \"member:<name>\"";
    }
    return std::nullopt;
  };
}

std::vector<Field> member_fields(MemberConfig& m, const health::ProbeTiming& timing,
                                 const std::string& prefix, Errors& errors) {
  using S = OperatorState;
  auto probe_fields_of = [&timing](ProbeConfig& p, const std::string&) {
    p.timing = timing;
    return probe_fields(p);
  };
  return {{"name",
           [&m](const toml::node& n) -> Reason {
             const auto v = n.value_exact<std::string>();
             if (!v || !is_member_name(*v))
               return "must be 1..64 characters of letters, digits, '-', '_' or '.'";
             m.name = *v;
             return std::nullopt;
           }},
          {"addresses", address_list(m.addresses)},
          {"host",
           [&m](const toml::node& n) -> Reason {
             const auto v = n.value_exact<std::string>();
             if (!v || !is_hostname(*v)) return "must be a host name";
             m.host = *v;
             return std::nullopt;
           }},
          {"failover", failover_mode(m)},
          {"agent_key", hex_key(m.agent_key)},
          {"agent_commands",
           [&m](const toml::node& n) -> Reason {
             const auto v = n.value_exact<std::string>();
             auto e = v ? parse_endpoint(*v) : std::nullopt;
             if (!e) return "must be \"address:port\" or \"[address]:port\"";
             m.agent_commands = e;
             return std::nullopt;
           }},
          {"probe", table_array(m.probes, prefix + ".probe", {"type"}, probe_fields_of, errors)},
          {"gateway",
           [&m](const toml::node& n) -> Reason {
             const auto v = n.value_exact<std::string>();
             if (!v) return "must be a string";
             if (!v->empty() && !IpAddress::parse(*v) && !is_hostname(*v))
               return "must be \"\", an IP address or a host name (got \"" + *v + "\")";
             m.gateway = *v;
             return std::nullopt;
           }},
          {"weight", number_above(m.weight, 0.0, 1e6)},
          {"capacity", integer(m.capacity, 0, 100'000'000)},
          {"pool",
           [&m](const toml::node& n) -> Reason {
             const auto v = n.value_exact<std::string>();
             if (!v || !is_member_name(*v))
               return "must be 1..64 characters of letters, digits, '-', '_' or '.'";
             m.pool = *v;
             return std::nullopt;
           }},
          {"state",
           choice(m.state,
                  {{"active", S::Active}, {"drain", S::Drain}, {"maintenance", S::Maintenance}})}};
}

// Checks one member's probes and failover settings against the rest of the configuration.
void check_member(const toml::table& t, const std::string& prefix, const MemberConfig& m,
                  const Config& config, Errors& errors) {
  const toml::source_region& at = t.source();
  if (!t.contains("addresses") && !t.contains("host"))
    errors.add(at, prefix + ".addresses", "is required (or host)");
  if (t.contains("addresses") && t.contains("host"))
    errors.add(at, prefix + ".host", "give addresses or host, not both");
  if (m.agent_commands && m.agent_key.empty())
    errors.add(at, prefix + ".agent_commands", "needs agent_key (commands are signed with it)");
  if (m.failover != health::FailoverMode::None) {
    if (!m.host.empty())
      errors.add(at, prefix + ".failover", "needs fixed addresses, not a host name");
    if (m.failover == health::FailoverMode::Adopt && config.failover.interface.empty())
      errors.add(at, prefix + ".failover", "\"adopt\" needs failover.interface");
    // Adding addresses and announcing them needs CAP_NET_ADMIN and CAP_NET_RAW, which the
    // switch to process.user gives up.
    if (m.failover == health::FailoverMode::Adopt && !config.process.user.empty())
      errors.add(at, prefix + ".failover",
                 "\"adopt\" cannot work with process.user (it needs CAP_NET_ADMIN and "
                 "CAP_NET_RAW); run with those capabilities instead");
    if (m.failover != health::FailoverMode::Adopt && config.failover.hook.empty())
      errors.add(at, prefix + ".failover", "moving addresses to members needs failover.hook");
    if (m.failover == health::FailoverMode::Member &&
        (m.failover_member == m.name ||
         std::none_of(config.members.begin(), config.members.end(),
                      [&](const MemberConfig& o) { return o.name == m.failover_member; })))
      errors.add(at, prefix + ".failover", "no other member named \"" + m.failover_member + "\"");
  }
  for (std::size_t i = 0; i < m.probes.size(); ++i) {
    const ProbeConfig& p = m.probes[i];
    const std::string key = prefix + ".probe[" + std::to_string(i) + "]";
    if (p.type == ProbeType::Exec && p.command.empty())
      errors.add(at, key + ".command", "an exec probe needs a command");
    if (p.type == ProbeType::Tcp && p.port == 0)
      errors.add(at, key + ".port", "a tcp probe needs a port");
    // After a move the address answers from its new owner: probing it would report the
    // failed member up again.
    const bool movable_target = !p.address || std::find(m.addresses.begin(), m.addresses.end(),
                                                        *p.address) != m.addresses.end();
    if (m.failover != health::FailoverMode::None && p.type != ProbeType::Exec && movable_target)
      errors.add(at, key + ".address",
                 "must be a fixed (management) address, not one that moves on failover");
  }
}

void parse_members(const toml::node& node, Config& config, Errors& errors) {
  const toml::array* list = node.as_array();
  if (!list || !list->is_array_of_tables()) {
    errors.add(node.source(), "member", "must be an array of tables ([[member]])");
    return;
  }
  std::set<std::string> names;
  std::set<IpAddress> addresses;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const toml::table& t = *(*list)[i].as_table();
    const std::string prefix = "member[" + std::to_string(i) + "]";
    MemberConfig m;
    apply_table(t, prefix, member_fields(m, config.health.timing, prefix, errors), errors);
    if (!t.contains("name")) errors.add(t.source(), prefix + ".name", "is required");
    if (!m.name.empty() && !names.insert(m.name).second)
      errors.add(t.source(), prefix + ".name", "duplicate member name \"" + m.name + "\"");
    for (const IpAddress& a : m.addresses)
      if (!addresses.insert(a).second)
        errors.add(t.source(), prefix + ".addresses",
                   "address " + a.to_string() + " belongs to another member too");
    config.members.push_back(std::move(m));
  }
  for (std::size_t i = 0; i < list->size(); ++i)
    check_member(*(*list)[i].as_table(), "member[" + std::to_string(i) + "]", config.members[i],
                 config, errors);
}

}  // namespace

Result<Config, ConfigErrors> parse_config(std::string_view toml_text,
                                          std::string_view source_name) {
  Errors errors(source_name);
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    errors.add(e.source(), "(syntax)", e.description());
    return fail(errors.take());
  }

  Config config;
  const std::vector<std::pair<std::string_view, std::vector<Field>>> tables = {
      {"ike", ike_fields(config.ike)},
      {"steering", steering_fields(config.steering)},
      {"cookies", cookie_fields(config.cookies)},
      {"rate_limit", rate_limit_fields(config.rate_limit)},
      {"log", log_fields(config.log)},
      {"process", process_fields(config.process)},
      {"dns", dns_fields(config.dns, errors)},
      {"health", health_fields(config.health)},
      {"failover", failover_fields(config.failover)},
      {"sessions", sessions_fields(config.sessions)},
      {"http", http_fields(config.http)},
      {"cluster", cluster_table_fields(config.cluster)},
      {"topology", topology_fields(config.topology, errors)}};
  // Members last: their probes start from [health]'s timing, and failover checks need
  // [failover].
  for (auto&& [key, node] : root) {
    if (key.str() == "member") continue;
    const std::string_view name = key.str();
    auto table =
        std::find_if(tables.begin(), tables.end(), [&](const auto& t) { return t.first == name; });
    if (table == tables.end()) {
      errors.add(key.source(), key.str(), "unknown key");
    } else if (const toml::table* t = node.as_table()) {
      if (name == "dns") config.dns.enabled = true;
      if (name == "http") config.http.enabled = true;
      if (name == "cluster") config.cluster.enabled = true;
      if (name == "topology") config.topology.enabled = true;
      apply_table(*t, name, table->second, errors);
    } else {
      errors.add(node.source(), key.str(), "must be a table");
    }
  }
  if (config.http.tls_certificate.empty() != config.http.tls_key.empty())
    errors.add(root["http"].node()->source(), "http.tls_key",
               "tls_certificate and tls_key go together");
  if (config.cluster.enabled) check_cluster(root, config, errors);
  if (const toml::node* members = root.get("member")) {
    parse_members(*members, config, errors);
    if (config.members.size() > health::kMaxMembers)
      errors.add(members->source(), "member",
                 "at most " + std::to_string(health::kMaxMembers) + " members (got " +
                     std::to_string(config.members.size()) + ")");
  } else {
    errors.add(root.source(), "member", "at least one [[member]] is required");
  }
  build_topology(root, config, errors);
  // The daemon builds its steering from exactly these members at start: refuse here what it
  // would refuse then, so that --check-config and a start agree. (Validation alone: with no
  // member eligible no slot table is built.)
  if (errors.empty()) {
    const std::vector<std::string> pools = pool_names(config.members);
    std::vector<health::SelectorMember> steered;
    for (const MemberConfig& m : config.members)
      steered.push_back({m.name, m.weight, m.capacity, false, std::nullopt,
                         static_cast<std::uint16_t>(std::find(pools.begin(), pools.end(), m.pool) -
                                                    pools.begin())});
    if (auto s = health::PoolSelector::create(std::move(steered), pools.size()); !s)
      errors.add(root.source(), "member", "steering: " + std::string(to_string(s.error())));
  }
  // Cluster names answer by topology where there is one, unless they say otherwise.
  if (const toml::array* names = root.at_path("dns.cluster").as_array();
      names && config.topology.enabled)
    for (std::size_t i = 0; i < names->size() && i < config.dns.clusters.size(); ++i)
      if (const toml::table* t = names->get(i)->as_table(); t && !t->contains("topology"))
        config.dns.clusters[i].topology = true;
  // The zones, records and cluster names are checked by building them once over the configured
  // members (live state changes member addresses and eligibility only, never validity).
  if (errors.empty() && config.dns.enabled) {
    std::vector<dns::MemberView> members;
    for (const MemberConfig& m : config.members)
      members.push_back({m.name, m.addresses, m.weight, true, false, m.pool});
    auto snapshot =
        dns::build_snapshot(config.dns.zones, config.dns.clusters, members, config.ike.listen);
    if (!snapshot)
      for (const std::string& e : snapshot.error())
        errors.add(root["dns"].node()->source(), "dns", e);
  }
  if (!errors.empty()) return fail(errors.take());
  return config;
}

Result<Config, ConfigErrors> load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ConfigErrors{path + ": cannot open the configuration file"});
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

}  // namespace ikesteer::frontend
