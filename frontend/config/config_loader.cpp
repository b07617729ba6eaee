#include "frontend/config/config_loader.hpp"

#include <toml++/toml.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>
#include <tuple>

namespace ikesteer::frontend {
namespace {

using Reason = std::optional<std::string>;
using Apply = std::function<Reason(const toml::node&)>;

struct Field {
  std::string_view name;
  Apply apply;
};

// Collects every problem, then hands them out in file order (TOML tables iterate sorted by
// key, not in document order).
class Errors {
 public:
  explicit Errors(std::string_view file) : file_(file) {}
  void add(const toml::source_region& at, std::string_view key, std::string_view reason) {
    std::ostringstream s;
    s << file_ << ':' << at.begin.line << ':' << at.begin.column << ": " << key << ": " << reason;
    list_.push_back({at.begin.line, at.begin.column, s.str()});
  }
  ConfigErrors take() {
    std::stable_sort(list_.begin(), list_.end(), [](const Entry& a, const Entry& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    ConfigErrors out;
    for (Entry& e : list_) out.push_back(std::move(e.text));
    return out;
  }
  bool empty() const { return list_.empty(); }

 private:
  struct Entry {
    toml::source_index line;
    toml::source_index column;
    std::string text;
  };
  std::string file_;
  std::vector<Entry> list_;
};

std::string join_key(std::string_view prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
}

void apply_table(const toml::table& table, std::string_view prefix,
                 const std::vector<Field>& fields, Errors& errors) {
  for (auto&& [key, node] : table) {
    const std::string_view name = key.str();  // clang 14 cannot capture structured bindings
    const std::string full = join_key(prefix, name);
    auto field =
        std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.name == name; });
    if (field == fields.end()) {
      errors.add(key.source(), full, "unknown key");
    } else if (Reason reason = field->apply(node)) {
      errors.add(node.source(), full, *reason);
    }
  }
}

template <class T>
Apply integer(T& out, std::int64_t min, std::int64_t max) {
  return [&out, min, max](const toml::node& n) -> Reason {
    const auto v = n.value_exact<std::int64_t>();
    if (!v) return "must be an integer";
    if (*v < min || *v > max)
      return "must be " + std::to_string(min) + ".." + std::to_string(max) + " (got " +
             std::to_string(*v) + ")";
    out = static_cast<T>(*v);
    return std::nullopt;
  };
}

Apply number_above(double& out, double exclusive_min, double max) {
  return [&out, exclusive_min, max](const toml::node& n) -> Reason {
    std::optional<double> v;
    if (auto i = n.value_exact<std::int64_t>()) v = static_cast<double>(*i);
    if (auto d = n.value_exact<double>()) v = *d;
    if (!v) return "must be a number";
    if (!(*v > exclusive_min && *v <= max) || !std::isfinite(*v)) {
      std::ostringstream s;
      s << "must be > " << exclusive_min << " and <= " << max << " (got " << *v << ")";
      return s.str();
    }
    out = *v;
    return std::nullopt;
  };
}

Apply boolean(bool& out) {
  return [&out](const toml::node& n) -> Reason {
    const auto v = n.value_exact<bool>();
    if (!v) return "must be true or false";
    out = *v;
    return std::nullopt;
  };
}

Apply text(std::string& out) {
  return [&out](const toml::node& n) -> Reason {
    const auto v = n.value_exact<std::string>();
    if (!v) return "must be a string";
    out = *v;
    return std::nullopt;
  };
}

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

Apply string_list(std::vector<std::string>& out) {
  return [&out](const toml::node& n) -> Reason {
    const toml::array* a = n.as_array();
    if (!a) return "must be an array of strings";
    std::vector<std::string> parsed;
    for (const toml::node& item : *a) {
      const auto v = item.value_exact<std::string>();
      if (!v) return "must be an array of strings";
      parsed.push_back(*v);
    }
    out = std::move(parsed);
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

// An array of tables ([[key]]), each checked against `fields_of(element, "key[i]")` and
// required to carry `required` keys.
template <class T, class FieldsOf>
Apply table_array(std::vector<T>& out, std::string key, std::vector<std::string> required,
                  FieldsOf fields_of, Errors& errors) {
  return [&out, key = std::move(key), required = std::move(required), fields_of,
          &errors](const toml::node& n) -> Reason {
    const toml::array* list = n.as_array();
    if (!list || !list->is_array_of_tables()) return "must be an array of tables ([[" + key + "]])";
    for (std::size_t i = 0; i < list->size(); ++i) {
      const toml::table& t = *(*list)[i].as_table();
      const std::string prefix = key + "[" + std::to_string(i) + "]";
      T element;
      apply_table(t, prefix, fields_of(element, prefix), errors);
      for (const std::string& r : required)
        if (!t.contains(r)) errors.add(t.source(), prefix + "." + r, "is required");
      out.push_back(std::move(element));
    }
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
          {"invalid_syntax_reply", boolean(c.invalid_syntax_reply)}};
}

std::vector<Field> steering_fields(Config::Steering& c) {
  return {{"ipv4_prefix", integer(c.ipv4_prefix, 1, 32)},
          {"ipv6_prefix", integer(c.ipv6_prefix, 1, 128)},
          {"load_factor", number_above(c.load_factor, 1.0, 100.0)},
          {"load_window", integer(c.load_window, 1, 3600)},
          {"load_floor", integer(c.load_floor, 0, 100'000'000)}};
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
                              {"fail_open_min", integer(k.fail_open_min, 0, 256)}};
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

std::vector<Field> process_fields(Config::Process& c) {
  return {{"user", text(c.user)}};
}

std::vector<Field> member_fields(MemberConfig& m) {
  using S = OperatorState;
  return {{"name",
           [&m](const toml::node& n) -> Reason {
             const auto v = n.value_exact<std::string>();
             if (!v || !is_member_name(*v))
               return "must be 1..64 characters of letters, digits, '-', '_' or '.'";
             m.name = *v;
             return std::nullopt;
           }},
          {"addresses", address_list(m.addresses)},
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
          {"state",
           choice(m.state,
                  {{"active", S::Active}, {"drain", S::Drain}, {"maintenance", S::Maintenance}})}};
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
    apply_table(t, prefix, member_fields(m), errors);
    for (const char* required : {"name", "addresses"})
      if (!t.contains(required)) errors.add(t.source(), prefix + "." + required, "is required");
    if (!m.name.empty() && !names.insert(m.name).second)
      errors.add(t.source(), prefix + ".name", "duplicate member name \"" + m.name + "\"");
    for (const IpAddress& a : m.addresses)
      if (!addresses.insert(a).second)
        errors.add(t.source(), prefix + ".addresses",
                   "address " + a.to_string() + " belongs to another member too");
    config.members.push_back(std::move(m));
  }
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
      {"dns", dns_fields(config.dns, errors)}};
  bool members_seen = false;
  for (auto&& [key, node] : root) {
    if (key.str() == "member") {
      members_seen = true;
      parse_members(node, config, errors);
      continue;
    }
    const std::string_view name = key.str();
    auto table =
        std::find_if(tables.begin(), tables.end(), [&](const auto& t) { return t.first == name; });
    if (table == tables.end()) {
      errors.add(key.source(), key.str(), "unknown key");
    } else if (const toml::table* t = node.as_table()) {
      if (name == "dns") config.dns.enabled = true;
      apply_table(*t, name, table->second, errors);
    } else {
      errors.add(node.source(), key.str(), "must be a table");
    }
  }
  if (!members_seen) errors.add(root.source(), "member", "at least one [[member]] is required");
  // The zones, records and cluster names are checked by building them once.
  if (errors.empty() && config.dns.enabled) {
    auto snapshot = build_dns_snapshot(config);
    if (!snapshot)
      for (const std::string& e : snapshot.error())
        errors.add(root["dns"].node()->source(), "dns", e);
  }
  if (!errors.empty()) return fail(errors.take());
  return config;
}

static std::vector<dns::MemberView> dns_members(const Config& config) {
  std::vector<dns::MemberView> members;
  for (const MemberConfig& m : config.members)
    members.push_back({m.name, m.addresses, m.weight, m.state == OperatorState::Active, false});
  return members;
}

Result<std::shared_ptr<const dns::ZoneSnapshot>, std::vector<std::string>> build_dns_snapshot(
    const Config& config) {
  return dns::build_snapshot(config.dns.zones, config.dns.clusters, dns_members(config),
                             config.ike.listen);
}

Result<Config, ConfigErrors> load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ConfigErrors{path + ": cannot open the configuration file"});
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

}  // namespace ikesteer::frontend
