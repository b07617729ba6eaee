#include "agent/libreswan/whack_status.hpp"

#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/ip_address.hpp"

namespace ikesteer::agent::libreswan {
namespace {

constexpr std::string_view kIkeEstablished = "STATE_V2_ESTABLISHED_IKE_SA";
constexpr std::string_view kChildEstablished = "STATE_V2_ESTABLISHED_CHILD_SA";

// What the connection lines say about one connection (or instance).
struct Connection {
  std::optional<IpAddress> local_host;
  std::optional<IpAddress> remote_host;
  std::string their_idtype;
  std::string their_id;
  std::optional<std::uint64_t> ike_life;
};

struct State {
  std::uint64_t serial = 0;
  std::string key;   // "c102", "rw[2]"
  std::string name;  // "c102", "rw"
  std::optional<IpAddress> address;
  std::string state;
  std::optional<std::uint64_t> replace_in;
  std::optional<std::uint64_t> ike_serial;  // a Child SA's IKE SA
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// whack's "NNN " line prefix, when there is one.
std::string_view strip_code(std::string_view line) {
  if (line.size() >= 4 && line[3] == ' ' && line[0] >= '0' && line[0] <= '9' && line[1] >= '0' &&
      line[1] <= '9' && line[2] >= '0' && line[2] <= '9')
    line.remove_prefix(4);
  return line;
}

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

// The digits right after `label` in `text` ("REPLACE in " in "... REPLACE in 28798s; ...").
std::optional<std::uint64_t> number_after(std::string_view text, std::string_view label) {
  const std::size_t at = text.find(label);
  if (at == std::string_view::npos) return std::nullopt;
  text.remove_prefix(at + label.size());
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  return number(text.substr(0, digits));
}

// The text after `label` up to the next ';' (or the end of the line).
std::optional<std::string_view> field_after(std::string_view text, std::string_view label) {
  const std::size_t at = text.find(label);
  if (at == std::string_view::npos) return std::nullopt;
  text.remove_prefix(at + label.size());
  return trim(text.substr(0, text.find(';')));
}

// An address as pluto prints a host: "203.0.113.1", "2001:db8::1", "[2001:db8::1]:4500" or
// "203.0.113.1:4500".
std::optional<IpAddress> host_address(std::string_view text) {
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return IpAddress::parse(text.substr(1, close - 1));
  }
  if (auto address = IpAddress::parse(text)) return address;
  const std::size_t colon = text.find(':');
  if (colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos)
    return IpAddress::parse(text.substr(0, colon));
  return std::nullopt;
}

// `"name"` or `"name"[N]` at the start of `text`: the name, the key, and what follows.
struct Quoted {
  std::string name;
  std::string key;
  std::string_view rest;
};

std::optional<Quoted> quoted_connection(std::string_view text) {
  if (text.size() < 2 || text.front() != '"') return std::nullopt;
  const std::size_t close = text.find('"', 1);
  if (close == std::string_view::npos || close == 1) return std::nullopt;
  Quoted q;
  q.name = std::string(text.substr(1, close - 1));
  q.key = q.name;
  text.remove_prefix(close + 1);
  if (!text.empty() && text.front() == '[') {
    const std::size_t end = text.find(']');
    if (end == std::string_view::npos || !number(text.substr(1, end - 1))) return std::nullopt;
    q.key += text.substr(0, end + 1);
    text.remove_prefix(end + 1);
  }
  q.rest = text;
  return q;
}

// The remote host of a host-pair line ("LEFT...RIGHT; routing; ..."): RIGHT may start with a
// next hop ("NEXTHOP---HOST[ID]===CLIENT").
std::optional<IpAddress> remote_host(std::string_view pair) {
  const std::size_t dots = pair.find("...");
  if (dots == std::string_view::npos) return std::nullopt;
  std::string_view right = pair.substr(dots + 3);
  right = right.substr(0, right.find(';'));
  if (const std::size_t hop = right.find("---"); hop != std::string_view::npos)
    right.remove_prefix(hop + 3);
  if (right.empty()) return std::nullopt;
  const std::size_t end = right.front() == '[' ? right.find(']') + 1 : right.find_first_of("[<= ");
  return host_address(right.substr(0, end == 0 ? std::string_view::npos : end));
}

// The local host of a host-pair line: LEFT may start with a client ("CLIENT===HOST[ID]") and
// end with a next hop ("HOST[ID]---NEXTHOP"); %any and the like are no address.
std::optional<IpAddress> local_host(std::string_view pair) {
  const std::size_t dots = pair.find("...");
  if (dots == std::string_view::npos) return std::nullopt;
  std::string_view left = pair.substr(0, dots);
  if (const std::size_t client = left.rfind("==="); client != std::string_view::npos)
    left.remove_prefix(client + 3);
  left = left.substr(0, left.find("---"));
  if (left.empty()) return std::nullopt;
  const std::size_t end = left.front() == '[' ? left.find(']') + 1 : left.find_first_of("[<= ");
  return host_address(left.substr(0, end == 0 ? std::string_view::npos : end));
}

void read_connection_line(const Quoted& q, std::map<std::string, Connection>& connections) {
  if (q.rest.size() < 2 || q.rest.front() != ':') return;
  Connection& c = connections[q.key];
  const std::string_view body = q.rest.substr(1);
  // The host pair is the one line with a single space after the colon.
  if (body.size() > 1 && body[0] == ' ' && body[1] != ' ') {
    if (!c.remote_host) c.remote_host = remote_host(trim(body));
    if (!c.local_host) c.local_host = local_host(trim(body));
    return;
  }
  if (auto life = number_after(body, "ike_life: ")) c.ike_life = life;
  if (auto type = field_after(body, "their idtype: ")) c.their_idtype = std::string(*type);
  if (const std::size_t at = body.find("their id="); at != std::string_view::npos)
    c.their_id = std::string(trim(body.substr(at + 9)));
}

// `#SERIAL: "NAME"[N] ADDRESS:PORT STATE (story); events; ...` (no ADDRESS without [N]).
std::optional<State> read_state_line(std::string_view line) {
  State s;
  const std::size_t colon = line.find(": ");
  if (colon == std::string_view::npos) return std::nullopt;
  const auto serial = number(line.substr(1, colon - 1));
  if (!serial) return std::nullopt;
  s.serial = *serial;
  const auto q = quoted_connection(line.substr(colon + 2));
  if (!q) return std::nullopt;
  s.key = q->key;
  s.name = q->name;
  std::string_view rest = q->rest;
  if (rest.empty()) return std::nullopt;
  const std::size_t end = rest.find(' ', 1);
  if (end == std::string_view::npos) return std::nullopt;
  std::string_view endpoint = rest.substr(0, end);
  if (endpoint.ends_with("(tcp)")) endpoint.remove_suffix(5);
  if (endpoint.front() == ' ') {
    endpoint.remove_prefix(1);
    const std::size_t port = endpoint.rfind(':');
    if (port == std::string_view::npos) return std::nullopt;
    s.address = host_address(endpoint.substr(0, port));
  }
  rest.remove_prefix(end + 1);
  s.state = std::string(rest.substr(0, rest.find(' ')));
  if (s.state.empty()) return std::nullopt;
  s.replace_in = number_after(rest, " REPLACE in ");
  s.ike_serial = number_after(rest, " IKE SA #");
  return s;
}

// pluto prints an FQDN identity as "@name"; strongSwan and the agent's other users do not.
std::string identity(const Connection& c) {
  if (c.their_idtype == "ID_FQDN" && c.their_id.starts_with('@')) return c.their_id.substr(1);
  return c.their_id;
}

bool is_child_state(std::string_view state) {
  return state.find("CHILD") != std::string_view::npos ||
         state.find("QUICK") != std::string_view::npos;
}

}  // namespace

SessionList read_whack_status(std::string_view status) {
  std::map<std::string, Connection> connections;
  std::vector<State> states;
  SessionList listed;
  while (!status.empty()) {
    const std::size_t newline = status.find('\n');
    const std::string_view line = strip_code(status.substr(0, newline));
    status.remove_prefix(newline == std::string_view::npos ? status.size() : newline + 1);
    if (line.starts_with('#')) {
      if (auto state = read_state_line(line)) {
        states.push_back(std::move(*state));
      } else {
        listed.malformed.push_back("state line '" + std::string(trim(line)) + "': unreadable");
      }
    } else if (auto q = quoted_connection(line)) {
      read_connection_line(*q, connections);
    }
  }

  std::map<std::uint64_t, std::size_t> children;  // IKE SA serial -> established Child SAs
  std::map<std::string, const State*> newest;     // connection key -> its newest IKE SA
  for (const State& s : states) {
    if (s.state == kChildEstablished && s.ike_serial) {
      ++children[*s.ike_serial];
    } else if (s.state == kIkeEstablished) {
      const State*& kept = newest[s.key];
      if (kept != nullptr) ++listed.skipped;
      if (kept == nullptr || s.serial > kept->serial) kept = &s;
    } else if (!is_child_state(s.state)) {
      ++listed.skipped;
    }
  }
  for (const auto& [key, state] : newest) {
    const auto found = connections.find(key);
    const Connection none;
    const Connection& c = found == connections.end() ? none : found->second;
    const std::optional<IpAddress> address = state->address ? state->address : c.remote_host;
    if (!address) {
      listed.malformed.push_back("IKE SA #" + std::to_string(state->serial) + " of \"" + key +
                                 "\": no peer address");
      continue;
    }
    Session session;
    session.id = key;
    session.name = state->name;
    session.peer_address = *address;
    session.local_address = c.local_host;
    session.peer_id = identity(c);
    // pluto schedules an IKE SA's REPLACE event ike_life after it was established.
    if (c.ike_life && state->replace_in && *state->replace_in <= *c.ike_life)
      session.established_seconds = *c.ike_life - *state->replace_in;
    const auto n = children.find(state->serial);
    session.child_sas = n == children.end() ? 0 : n->second;
    listed.sessions.push_back(std::move(session));
  }
  return listed;
}

}  // namespace ikesteer::agent::libreswan
