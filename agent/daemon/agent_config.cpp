#include "agent/daemon/agent_config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <tuple>
#include <utility>

#include "common/toml_fields.hpp"

namespace ikesteer::agent::daemon {
namespace {

using namespace toml_fields;

std::optional<double> number_of(const toml::node& n) {
  if (const auto i = n.value_exact<std::int64_t>()) return static_cast<double>(*i);
  if (const auto d = n.value_exact<double>(); d && std::isfinite(*d)) return *d;
  return std::nullopt;
}

Apply path(std::string& out) {
  return [&out](const toml::node& n) -> Reason {
    const auto v = n.value_exact<std::string>();
    if (!v || v->empty()) return "must be a non-empty file name";
    out = *v;
    return std::nullopt;
  };
}

// As ikesteer's config and the protocol name members: 1..63 of [A-Za-z0-9_.-].
Apply member_name(std::string& out) {
  return [&out](const toml::node& n) -> Reason {
    const auto v = n.value_exact<std::string>();
    const auto allowed = [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '.' || c == '-';
    };
    if (!v || v->empty() || v->size() > 63 || !std::all_of(v->begin(), v->end(), allowed))
      return "must be 1..63 characters of A-Z a-z 0-9 _ . -";
    out = *v;
    return std::nullopt;
  };
}

// Commands are answered from the socket they reached, so each is bound to one address; a
// wildcard could answer from another.
Apply endpoint_list(std::vector<UdpEndpoint>& out, bool specific_addresses) {
  return [&out, specific_addresses](const toml::node& n) -> Reason {
    const toml::array* list = n.as_array();
    if (!list || list->empty()) return "must be a non-empty array of \"address:port\" strings";
    std::vector<UdpEndpoint> parsed;
    for (const toml::node& item : *list) {
      const auto s = item.value_exact<std::string>();
      const auto e = s ? parse_udp_endpoint(*s) : std::nullopt;
      if (!e)
        return "not an \"address:port\" or \"[address]:port\": " +
               (s ? *s : std::string("(not a string)"));
      if (specific_addresses && e->address == e->address.masked(0))
        return "must name specific addresses, not " + e->address.to_string();
      if (std::find(parsed.begin(), parsed.end(), *e) != parsed.end())
        return "duplicate " + e->to_string();
      parsed.push_back(*e);
    }
    out = std::move(parsed);
    return std::nullopt;
  };
}

Apply load_setting(AgentConfig& c) {
  return [&c](const toml::node& n) -> Reason {
    if (n.value_exact<std::string>() == "auto") {
      c.load = LoadSource::Auto;
      return std::nullopt;
    }
    const auto v = number_of(n);
    if (!v || *v < 0 || *v > 1) return "must be \"auto\" or a number 0..1";
    c.load = LoadSource::Fixed;
    c.fixed_load = *v;
    return std::nullopt;
  };
}

Apply capacity(std::optional<std::uint32_t>& out) {
  return [&out](const toml::node& n) -> Reason {
    std::uint32_t v = 0;
    if (Reason r = integer(v, 0, std::numeric_limits<std::uint32_t>::max())(n)) return r;
    out = v;
    return std::nullopt;
  };
}

Apply vici_uri(std::string& out) {
  return [&out](const toml::node& n) -> Reason {
    const auto v = n.value_exact<std::string>();
    if (!v || !v->starts_with("unix:///")) return "must be \"unix:///path/of/charon.vici\"";
    out = *v;
    return std::nullopt;
  };
}

std::vector<Field> strongswan_fields(BackendConfig& backend) {
  StrongswanConfig& c = backend.emplace<StrongswanConfig>();
  return {{"vici", vici_uri(c.vici)}, {"timeout", seconds(c.timeout, 0.1, 600)}};
}

std::vector<Field> libreswan_fields(BackendConfig& backend) {
  LibreswanConfig& c = backend.emplace<LibreswanConfig>();
  return {{"whack", path(c.whack)},
          {"ctlsocket", path(c.ctlsocket)},
          {"timeout", seconds(c.timeout, 0.1, 600)}};
}

// One table per IKE daemon the agent can ask; a configuration names exactly one.
struct BackendTable {
  std::string_view name;
  std::vector<Field> (*fields)(BackendConfig&);
};
constexpr BackendTable kBackendTables[] = {
    {"strongswan", strongswan_fields},
    {"libreswan", libreswan_fields},
};

std::string backend_table_names() {
  std::string out;
  for (const BackendTable& t : kBackendTables)
    out += (out.empty() ? "[" : ", [") + std::string(t.name) + "]";
  return out;
}

std::vector<Field> top_level_fields(AgentConfig& c) {
  return {{"member", member_name(c.member)},
          {"key_file", path(c.key_file)},
          {"report_to", endpoint_list(c.report_to, false)},
          {"report_interval", seconds(c.report_interval, 0.1, 3600)},
          {"state_file", path(c.state_file)},
          {"capacity", capacity(c.capacity)},
          {"load", load_setting(c)},
          {"command_listen", endpoint_list(c.command_listen, true)},
          {"command_max_skew", integer(c.command_max_skew, 1, 3600)}};
}

void read_key_file(AgentConfig& c, const toml::node& at, Errors& errors) {
  std::ifstream in(c.key_file, std::ios::binary);
  if (!in) {
    errors.add(at.source(), "key_file", "cannot read " + c.key_file + ": " + std::strerror(errno));
    return;
  }
  std::ostringstream content;
  content << in.rdbuf();
  auto key = parse_hex_key(content.str());
  if (!key) {
    errors.add(at.source(), "key_file",
               c.key_file + " must hold an even number (>= 32) of hex digits");
    return;
  }
  c.key = std::move(*key);
}

}  // namespace

std::optional<std::vector<std::byte>> parse_hex_key(std::string_view text) {
  const auto space = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  const auto digit = [](char ch) -> int {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
  };
  if (text.size() % 2 != 0 || text.size() < 32) return std::nullopt;
  std::vector<std::byte> key;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int high = digit(text[i]);
    const int low = digit(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    key.push_back(static_cast<std::byte>(high * 16 + low));
  }
  return key;
}

Result<AgentConfig, AgentConfigErrors> parse_agent_config(std::string_view toml_text,
                                                          std::string_view source_name) {
  Errors errors(source_name);
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    errors.add(e.source(), "(syntax)", e.description());
    return fail(errors.take());
  }

  AgentConfig config;
  std::vector<Field> fields = top_level_fields(config);
  const toml::node* backend_seen = nullptr;
  for (const BackendTable& table : kBackendTables) {
    fields.push_back({table.name, [&, table](const toml::node& n) -> Reason {
                        if (backend_seen)
                          return "only one of " + backend_table_names() + " may be given";
                        backend_seen = &n;
                        const toml::table* t = n.as_table();
                        if (!t) return "must be a table";
                        apply_table(*t, table.name, table.fields(config.backend), errors);
                        return std::nullopt;
                      }});
  }
  apply_table(root, "", fields, errors);

  for (const std::string_view key : {"member", "key_file", "report_to"})
    if (!root.contains(key)) errors.add(root.source(), key, "is required");
  if (!backend_seen)
    errors.add(root.source(), kBackendTables[0].name,
               "the member's IKE daemon is required: one of " + backend_table_names());
  if (const toml::node* key_file = root.get("key_file"); key_file && !config.key_file.empty())
    read_key_file(config, *key_file, errors);
  if (!errors.empty()) return fail(errors.take());
  return config;
}

Result<AgentConfig, AgentConfigErrors> load_agent_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(
        AgentConfigErrors{path + ": cannot open the configuration file: " + std::strerror(errno)});
  std::ostringstream text;
  text << in.rdbuf();
  return parse_agent_config(text.str(), path);
}

}  // namespace ikesteer::agent::daemon
