#include "frontend/coordination/shared_records.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

namespace ikesteer::frontend {
namespace {

using nlohmann::json;

// Times are unix milliseconds up to the year 2100, so that no conversion can overflow.
constexpr std::int64_t kLatestUnixMs = 4'102'444'800'000;

constexpr health::MemberState kStates[] = {health::MemberState::Unknown, health::MemberState::Up,
                                           health::MemberState::Down, health::MemberState::Draining,
                                           health::MemberState::Maintenance};

Result<json, std::string> parse_object(std::string_view text) {
  if (text.size() > kMaxSharedRecord) return fail(std::string("too large"));
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return fail(std::string("not a JSON object"));
  return doc;
}

// Typed reads that never throw: absent or of another type is nullopt.
std::optional<std::string> text_at(const json& o, const char* key) {
  const auto it = o.find(key);
  if (it == o.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::int64_t> integer_at(const json& o, const char* key) {
  const auto it = o.find(key);
  if (it == o.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

const json* object_at(const json& o, const char* key) {
  const auto it = o.find(key);
  return it != o.end() && it->is_object() ? &*it : nullptr;
}

json token_json(const FencingToken& t) {
  return {{"instance", t.instance}, {"lease", t.lease}, {"revision", t.revision}};
}

Result<FencingToken, std::string> token_from(const json& o) {
  const json* t = object_at(o, "token");
  if (!t) return fail(std::string("no token"));
  const auto instance = text_at(*t, "instance");
  const auto lease = integer_at(*t, "lease");
  const auto revision = integer_at(*t, "revision");
  if (!instance || !lease || !revision) return fail(std::string("bad token"));
  return FencingToken{*instance, *lease, *revision};
}

json address_list(const std::vector<IpAddress>& list) {
  json out = json::array();
  for (const IpAddress& a : list) out.push_back(a.to_string());
  return out;
}

std::optional<std::vector<IpAddress>> addresses_from(const json& o, const char* key) {
  const auto it = o.find(key);
  if (it == o.end()) return std::vector<IpAddress>{};
  if (!it->is_array()) return std::nullopt;
  std::vector<IpAddress> out;
  for (const json& item : *it) {
    const auto text = item.is_string() ? IpAddress::parse(item.get<std::string>()) : std::nullopt;
    if (!text) return std::nullopt;
    out.push_back(*text);
  }
  return out;
}

std::optional<health::MemberState> state_from(std::string_view word) {
  for (health::MemberState s : kStates)
    if (health::to_string(s) == word) return s;
  return std::nullopt;
}

Result<MemberStatus, std::string> member_from(const json& m) {
  if (!m.is_object()) return fail(std::string("not an object"));
  MemberStatus s;
  const auto word = text_at(m, "state");
  const auto state = word ? state_from(*word) : std::nullopt;
  if (!state) return fail(std::string("bad state"));
  s.state = *state;
  s.reason = text_at(m, "reason").value_or("");
  const auto transitioning = m.find("transitioning");
  s.transitioning =
      transitioning != m.end() && transitioning->is_boolean() && transitioning->get<bool>();
  auto addresses = addresses_from(m, "addresses");
  auto moved = addresses_from(m, "moved_away");
  if (!addresses || !moved) return fail(std::string("bad address list"));
  s.addresses = std::move(*addresses);
  s.moved_away = std::move(*moved);
  if (const auto it = m.find("load"); it != m.end()) {
    if (!it->is_number() || !(it->get<double>() >= 0 && it->get<double>() <= 1))
      return fail(std::string("bad load"));
    s.load = it->get<double>();
  }
  if (const auto it = m.find("capacity"); it != m.end()) {
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() > UINT32_MAX)
      return fail(std::string("bad capacity"));
    s.capacity = static_cast<std::uint32_t>(it->get<std::uint64_t>());
  }
  return s;
}

}  // namespace

ClusterState shared_view(ClusterState state) {
  for (MemberStatus& m : state.members)
    if (m.load) m.load = std::round(*m.load / kSharedLoadStep) * kSharedLoadStep;
  return state;
}

ClusterState followed(const SharedVerdicts& verdicts, const std::vector<MemberConfig>& members,
                      const ClusterState& own) {
  ClusterState out = shared_view(own);
  for (std::size_t i = 0; i < out.members.size() && i < members.size(); ++i) {
    const auto it = verdicts.members.find(members[i].name);
    if (it == verdicts.members.end()) continue;
    const TimePoint since = out.members[i].since;
    out.members[i] = it->second;
    out.members[i].since = since;
  }
  return out;
}

std::string encode_verdicts(const ClusterState& state, const std::vector<MemberConfig>& members,
                            const FencingToken& token) {
  json list = json::object();
  for (std::size_t i = 0; i < state.members.size() && i < members.size(); ++i) {
    const MemberStatus& s = state.members[i];
    json m = {{"state", health::to_string(s.state)},
              {"reason", s.reason},
              {"transitioning", s.transitioning},
              {"addresses", address_list(s.addresses)},
              {"moved_away", address_list(s.moved_away)}};
    if (s.load) m["load"] = *s.load;
    if (s.capacity) m["capacity"] = *s.capacity;
    list[members[i].name] = std::move(m);
  }
  return json{{"token", token_json(token)}, {"members", std::move(list)}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

Result<SharedVerdicts, std::string> decode_verdicts(std::string_view text) {
  auto doc = parse_object(text);
  if (!doc) return fail("verdicts: " + doc.error());
  SharedVerdicts out;
  auto token = token_from(*doc);
  if (!token) return fail("verdicts: " + token.error());
  out.token = std::move(token).value();
  const json* members = object_at(*doc, "members");
  if (!members) return fail(std::string("verdicts: no members"));
  for (const auto& [name, m] : members->items()) {
    auto status = member_from(m);
    if (!status) return fail("verdicts: member " + name + ": " + status.error());
    out.members[name] = std::move(status).value();
  }
  return out;
}

std::string encode_owners(const std::map<IpAddress, std::string>& holders,
                          const FencingToken& token, std::int64_t at_ms) {
  json list = json::object();
  for (const auto& [address, holder] : holders) list[address.to_string()] = holder;
  return json{{"token", token_json(token)}, {"at_ms", at_ms}, {"holders", std::move(list)}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

Result<SharedOwners, std::string> decode_owners(std::string_view text) {
  auto doc = parse_object(text);
  if (!doc) return fail("owners: " + doc.error());
  SharedOwners out;
  auto token = token_from(*doc);
  if (!token) return fail("owners: " + token.error());
  out.token = std::move(token).value();
  out.at_ms = integer_at(*doc, "at_ms").value_or(0);
  const json* holders = object_at(*doc, "holders");
  if (!holders) return fail(std::string("owners: no holders"));
  for (const auto& [address, holder] : holders->items()) {
    const auto a = IpAddress::parse(address);
    if (!a || !holder.is_string()) return fail("owners: bad entry " + address);
    out.holders[*a] = holder.get<std::string>();
  }
  return out;
}

std::string encode_instance(const InstanceRecord& r) {
  return json{{"instance", r.instance},
              {"version", r.version},
              {"advertise", r.advertise},
              {"started_ms", r.started_ms},
              {"view", r.view}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<InstanceRecord, std::string> decode_instance(std::string_view text) {
  auto doc = parse_object(text);
  if (!doc) return fail("instance: " + doc.error());
  InstanceRecord r;
  const auto instance = text_at(*doc, "instance");
  if (!instance) return fail(std::string("instance: no name"));
  r.instance = *instance;
  r.version = text_at(*doc, "version").value_or("");
  r.advertise = text_at(*doc, "advertise").value_or("");
  r.started_ms = integer_at(*doc, "started_ms").value_or(0);
  if (r.started_ms < 0 || r.started_ms > kLatestUnixMs)
    return fail(std::string("instance: bad time"));
  if (const json* view = object_at(*doc, "view"))
    for (const auto& [member, state] : view->items())
      if (state.is_string()) r.view[member] = state.get<std::string>();
  return r;
}

std::string encode_event(const Event& e) {
  json fields = json::array();
  for (const auto& [key, value] : e.fields) fields.push_back({key, value});
  return json{
      {"at_ms",
       std::chrono::duration_cast<std::chrono::milliseconds>(e.at.time_since_epoch()).count()},
      {"kind", e.kind},
      {"subject", e.subject},
      {"message", e.message},
      {"fields", std::move(fields)}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<Event, std::string> decode_event(std::string_view text) {
  auto doc = parse_object(text);
  if (!doc) return fail("event: " + doc.error());
  const auto at = integer_at(*doc, "at_ms");
  const auto kind = text_at(*doc, "kind");
  const auto message = text_at(*doc, "message");
  if (!at || !kind || !message) return fail(std::string("event: no time, kind or message"));
  if (*at < 0 || *at > kLatestUnixMs) return fail(std::string("event: bad time"));
  Event e;
  e.at = std::chrono::system_clock::time_point(std::chrono::milliseconds(*at));
  e.kind = *kind;
  e.subject = text_at(*doc, "subject").value_or("");
  e.message = *message;
  if (const auto it = doc->find("fields"); it != doc->end() && it->is_array())
    for (const json& pair : *it)
      if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string())
        e.fields.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  return e;
}

std::string encode_move_request(const MoveRequestRecord& request) {
  return json{{"who", request.who}, {"at_ms", request.at_ms}}.dump(-1, ' ', false,
                                                                   json::error_handler_t::replace);
}

Result<MoveRequestRecord, std::string> decode_move_request(std::string_view text) {
  auto doc = parse_object(text);
  if (!doc) return fail("move: " + doc.error());
  return MoveRequestRecord{text_at(*doc, "who").value_or(""),
                           integer_at(*doc, "at_ms").value_or(0)};
}

}  // namespace ikesteer::frontend
