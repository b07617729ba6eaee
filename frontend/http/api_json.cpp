#include "frontend/http/api_json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>
#include <span>
#include <utility>

#include "frontend/operator/counter_declarations.hpp"
#include "redirect/responder.hpp"

namespace ikesteer::frontend::http {
namespace {

using Json = nlohmann::ordered_json;

// Probe details carry what a member's program printed: never let bytes that are not UTF-8
// turn a view into an exception.
std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json optional_number(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? Json(*v) : Json(nullptr);
}

Json addresses(const std::vector<IpAddress>& list) {
  Json a = Json::array();
  for (const IpAddress& ip : list) a.push_back(ip.to_string());
  return a;
}

// A group's declared counters at their JSON paths; arrays as {"name": value, ...}.
template <class Owner>
Json counters_object(const CounterGroup<Owner>& group, const Owner& totals) {
  Json o = Json::object();
  for (const Counter<Owner>& c : group.counters) {
    Json& at = o[Json::json_pointer("/" + std::string(c.json))];  // "a/b" nests
    const std::span<const std::uint64_t> values = c.field(totals);
    if (c.element)
      for (std::size_t i = 0; i < values.size(); ++i) at[std::string(c.element(i))] = values[i];
    else
      at = values[0];
  }
  return o;
}

// Adds each counter with a status total to that total (all its elements, for an array).
template <class Owner>
void add_status_totals(Json& totals, const CounterGroup<Owner>& group, const Owner& counters) {
  for (const Counter<Owner>& c : group.counters) {
    if (c.status.empty()) continue;
    const std::span<const std::uint64_t> values = c.field(counters);
    Json& total = totals[std::string(c.status)];
    total = (total.is_null() ? 0 : total.get<std::uint64_t>()) +
            std::accumulate(values.begin(), values.end(), std::uint64_t{0});
  }
}

std::string failover_text(const MemberConfig& m) {
  switch (m.failover) {
    case health::FailoverMode::None:
      return "none";
    case health::FailoverMode::Adopt:
      return "adopt";
    case health::FailoverMode::LeastLoaded:
      return "least-loaded";
    case health::FailoverMode::Member:
      return "member:" + m.failover_member;
  }
  return "none";
}

Json check_object(const CheckStatus& c) {
  return {{"check", to_string(c.check)},
          {"state", to_string(c.state)},
          {"transitioning", c.transitioning},
          {"detail", c.detail},
          {"latency_ms", std::chrono::duration<double, std::milli>(c.latency).count()},
          {"ok", c.ok},
          {"failed", c.failed}};
}

Json move_object(const MoveProgress& p) {
  return {
      {"member", p.member},
      {"address", p.address ? Json(p.address->to_string()) : Json(nullptr)},
      {"state", to_string(p.state)},
      {"total", p.total},
      {"left", p.left},
      {"requested", p.requested},
      {"moved", p.moved},
      {"failed", p.failed()},
      {"failed_by_reason", {{"attempts", p.failed_attempts}, {"no_target", p.failed_no_target}}},
      {"moves_per_second", p.moves_per_second},
      {"started_at", rfc3339(p.started_at)},
      {"last_error", p.last_error.empty() ? Json(nullptr) : Json(p.last_error)},
      {"stop_reason", p.stop_reason.empty() ? Json(nullptr) : Json(p.stop_reason)}};
}

// {"count": the latest report's or null, "move": the member's move job or null}.
Json sessions_object(const std::string& member, const HealthReport& health,
                     const std::vector<MoveProgress>& moves) {
  Json count = nullptr;
  for (const ReportedSessions& s : health.sessions)
    if (s.member == member && s.count) count = *s.count;
  Json move = nullptr;
  for (const MoveProgress& p : moves)  // the drain's job; a failback's is in /api/v1/moves
    if (p.member == member && !p.address) move = move_object(p);
  return {{"count", std::move(count)}, {"move", std::move(move)}};
}

// Everything about config.members[index]. `status` is null if the published cluster state does
// not cover it (it always should); `redirects` null if the totals were counted against another
// member list (a reload between the two snapshots).
Json member_object(const Config& config, std::size_t index, const MemberStatus* status,
                   const HealthReport& health, const std::vector<MoveProgress>& moves,
                   std::optional<std::uint64_t> redirects) {
  const MemberConfig& m = config.members[index];
  Json j;
  j["name"] = m.name;
  j["state"] = status ? to_string(status->state) : "unknown";
  j["reason"] = status ? status->reason : "";
  j["transitioning"] = status ? status->transitioning : false;
  j["since"] = status && status->since != TimePoint{} ? Json(rfc3339(to_wall_clock(status->since)))
                                                      : Json(nullptr);
  j["operator_state"] = to_string(m.state);
  j["weight"] = m.weight;
  j["capacity"] = m.capacity;  // configured; 0 = unlimited
  j["reported_capacity"] =
      status && status->capacity ? Json(*status->capacity) : Json(nullptr);  // agent's word
  j["reported_load"] = status ? optional_number(status->load) : Json(nullptr);
  j["gateway"] = m.gateway;
  j["host"] = m.host;
  j["failover"] = failover_text(m);
  j["addresses"] = addresses(status ? status->addresses : m.addresses);
  j["moved_away"] = status ? addresses(status->moved_away) : Json::array();
  Json list = Json::array();
  for (const CheckStatus& c : health.checks)
    if (c.member == m.name) list.push_back(check_object(c));
  j["checks"] = std::move(list);
  j["redirects"] = redirects ? Json(*redirects) : Json(nullptr);
  j["agent_commands"] = m.agent_commands && !m.agent_key.empty();
  j["sessions"] = sessions_object(m.name, health, moves);
  return j;
}

std::optional<std::uint64_t> redirects_of(const Totals& totals, const Config& config,
                                          std::size_t index) {
  if (totals.redirects_per_member.size() != config.members.size()) return std::nullopt;
  return totals.redirects_per_member[index];
}

const MemberStatus* status_of(const Published& p, std::size_t index) {
  if (!p.cluster || index >= p.cluster->members.size()) return nullptr;
  return &p.cluster->members[index];
}

Json event_object(const Event& e) {
  Json fields = Json::object();
  for (const auto& [key, value] : e.fields)
    if (!fields.contains(key)) fields[key] = value;
  return {{"id", e.id},           {"at", rfc3339(e.at)},  {"kind", e.kind},
          {"subject", e.subject}, {"message", e.message}, {"fields", std::move(fields)}};
}

// "pool", "matched_prefix" (null: the default entry) and "spilled_from" (null, or the first
// pool and why it was passed).
void add_placement(Json& j, const PoolPlacement& p) {
  j["pool"] = p.pool.empty() ? Json(nullptr) : Json(p.pool);
  j["matched_prefix"] = p.matched ? Json(p.matched->to_string()) : Json(nullptr);
  j["spilled_from"] = p.spilled_from
                          ? Json{{"pool", *p.spilled_from}, {"why", health::to_string(p.spill_why)}}
                          : Json(nullptr);
}

}  // namespace

std::string_view describe(health::PickReason reason) noexcept {
  using R = health::PickReason;
  switch (reason) {
    case R::HashOwner:
      return "the client's hash owner";
    case R::LoadSpill:
      return "its hash owner was over its load bound";
    case R::CapacitySpill:
      return "its hash owner was at its capacity";
    case R::AvoidedRedirectedFrom:
      return "its hash owner is the member it was redirected from";
    case R::ReportedLoadSpill:
      return "its hash owner reports a load well above the least loaded member's";
    case R::Overloaded:
      return "every eligible member is at its capacity";
    case R::NoEligibleMember:
      return "no member is eligible";
  }
  return "";
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  const auto seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  const auto millis = static_cast<int>(ms - static_cast<long long>(seconds) * 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return text;
}

std::chrono::system_clock::time_point to_wall_clock(TimePoint t) {
  const auto ago = Clock::now() - t;
  return std::chrono::system_clock::now() -
         std::chrono::duration_cast<std::chrono::system_clock::duration>(ago);
}

namespace {

Json cluster_object(const ControlPlane& plane) {
  const std::optional<ClusterStatus> c = plane.cluster();
  if (!c) return {{"enabled", false}};
  Json instances = Json::array();
  for (const InstanceRecord& r : c->instances)
    instances.push_back({{"instance", r.instance},
                         {"leader", r.instance == c->leader},
                         {"version", r.version},
                         {"advertise", r.advertise},
                         {"started", rfc3339(std::chrono::system_clock::time_point(
                                         std::chrono::milliseconds(r.started_ms)))},
                         {"view", r.view}});
  Json j = {{"enabled", true},
            {"instance", c->instance},
            {"leader", c->leader},
            {"acting", c->acting},
            {"etcd",
             {{"reachable", c->etcd_reachable},
              {"synced", c->synced},
              {"revision", c->revision},
              {"writes", c->writes}}},
            {"terms", c->terms},
            {"instances", std::move(instances)}};
  if (c->token) j["token"] = {{"lease", c->token->lease}, {"revision", c->token->revision}};
  if (!c->etcd_reachable) {
    j["etcd"]["error"] = c->etcd_error;
    j["etcd"]["unreachable_since"] = rfc3339(c->unreachable_since);
  }
  return j;
}

}  // namespace

std::string status_json(const ControlPlane& plane, std::string_view version, bool writable) {
  const Published p = plane.current();
  const Totals t = plane.totals();
  const auto started = plane.started();
  const auto up = std::chrono::system_clock::now() - started;

  Json counts = {{"total", 0},       {"up", 0},      {"down", 0},         {"draining", 0},
                 {"maintenance", 0}, {"unknown", 0}, {"transitioning", 0}};
  if (p.cluster) {
    counts["total"] = p.cluster->members.size();
    for (const MemberStatus& m : p.cluster->members) {
      Json& n = counts[std::string(to_string(m.state))];
      n = n.get<std::uint64_t>() + 1;
      if (m.transitioning)
        counts["transitioning"] = counts["transitioning"].get<std::uint64_t>() + 1;
    }
  }

  Json totals = Json::object();
  add_status_totals(totals, kIkeCounters, t.ike);
  totals["redirects"] =
      t.ike.responder.replies[static_cast<std::size_t>(redirect::ReplyKind::Redirect)];
  add_status_totals(totals, kDnsCounters, t.dns);
  add_status_totals(totals, kHealthCounters, t.health);
  add_status_totals(totals, kAgentCommandCounters, t.agent_commands);

  Json j;
  j["version"] = version;
  j["started"] = rfc3339(started);
  j["uptime_seconds"] = std::max(0.0, std::chrono::duration<double>(up).count());
  j["ready"] = plane.not_ready().empty();
  if (std::string why = plane.not_ready(); !why.empty()) j["not_ready"] = std::move(why);
  j["cluster"] = cluster_object(plane);
  j["writable"] = writable;
  j["dns"] = p.config && p.config->dns.enabled;
  j["members"] = std::move(counts);
  j["totals"] = std::move(totals);
  return dump(j);
}

std::string members_json(const ControlPlane& plane) {
  const Published p = plane.current();
  const HealthReport h = plane.health();
  const Totals t = plane.totals();
  const std::vector<MoveProgress> moves = plane.moves();
  Json list = Json::array();
  if (p.config)
    for (std::size_t i = 0; i < p.config->members.size(); ++i)
      list.push_back(
          member_object(*p.config, i, status_of(p, i), h, moves, redirects_of(t, *p.config, i)));
  return dump(Json{{"members", std::move(list)}});
}

std::optional<std::string> member_json(const ControlPlane& plane, std::string_view name) {
  const Published p = plane.current();
  if (!p.config) return std::nullopt;
  const auto& members = p.config->members;
  const auto it = std::find_if(members.begin(), members.end(),
                               [&](const MemberConfig& m) { return m.name == name; });
  if (it == members.end()) return std::nullopt;
  const auto i = static_cast<std::size_t>(it - members.begin());
  const HealthReport h = plane.health();
  const Totals t = plane.totals();
  return dump(member_object(*p.config, i, status_of(p, i), h, plane.moves(),
                            redirects_of(t, *p.config, i)));
}

std::string cluster_json(const ControlPlane& plane) {
  return dump(cluster_object(plane));
}

std::string moves_json(const ControlPlane& plane) {
  Json list = Json::array();
  for (const MoveProgress& p : plane.moves()) list.push_back(move_object(p));
  return dump(Json{{"moves", std::move(list)}});
}

std::string events_json(const ControlPlane& plane, std::uint64_t after) {
  const std::vector<Event> events = plane.events_since(after);
  Json list = Json::array();
  std::uint64_t last = after;
  for (const Event& e : events) {
    list.push_back(event_object(e));
    last = std::max(last, e.id);
  }
  return dump(Json{{"events", std::move(list)}, {"last", last}});
}

std::string addresses_json(const ControlPlane& plane) {
  const Published p = plane.current();
  const HealthReport h = plane.health();
  Json list = Json::array();
  std::set<IpAddress> movable;
  for (const AddressStatus& a : h.addresses) {
    movable.insert(a.address);
    list.push_back({{"address", a.address.to_string()},
                    {"home", a.home},
                    {"holder", a.holder.empty() ? Json(nullptr) : Json(a.holder)},
                    {"phase", a.phase},
                    {"movable", true},
                    {"verified", a.verified ? Json(*a.verified) : Json(nullptr)},
                    {"reason", a.reason}});
  }
  if (p.config) {
    for (std::size_t i = 0; i < p.config->members.size(); ++i) {
      const MemberStatus* s = status_of(p, i);
      const auto& own = s ? s->addresses : p.config->members[i].addresses;
      for (const IpAddress& ip : own) {
        if (!movable.insert(ip).second) continue;
        const std::string& name = p.config->members[i].name;
        list.push_back({{"address", ip.to_string()},
                        {"home", name},
                        {"holder", name},
                        {"phase", "home"},
                        {"movable", false},
                        {"verified", nullptr},
                        {"reason", ""}});
      }
    }
  }
  return dump(Json{{"addresses", std::move(list)}});
}

std::string decisions_json(const ControlPlane& plane) {
  Json list = Json::array();
  for (const RecentDecision& d : plane.recent_decisions()) {
    Json j = {
        {"at", rfc3339(d.at)},  {"client", d.client.to_string()}, {"member", d.member},
        {"gateway", d.gateway}, {"reason", to_string(d.reason)},  {"why", describe(d.reason)}};
    add_placement(j, d.placement);
    list.push_back(std::move(j));
  }
  return dump(Json{{"decisions", std::move(list)}});
}

std::string explanation_json(const SteeringExplanation& e) {
  Json ranking = Json::array();
  for (const std::string& name : e.ranking) ranking.push_back(name);
  Json pools = Json::array();
  for (const std::string& name : e.pools) pools.push_back(name);
  Json j = {{"client", e.client.to_string()},
            {"key", e.key.to_string()},
            {"member", e.member ? Json(*e.member) : Json(nullptr)},
            {"gateway", e.gateway},
            {"reason", to_string(e.reason)},
            {"why", describe(e.reason)},
            {"pools", std::move(pools)},
            {"ranking", std::move(ranking)}};
  add_placement(j, e.placement);
  return dump(j);
}

std::string counters_json(const ControlPlane& plane) {
  const Published p = plane.current();
  const Totals t = plane.totals();

  Json redirects = Json::object();
  if (p.config && t.redirects_per_member.size() == p.config->members.size())
    for (std::size_t i = 0; i < p.config->members.size(); ++i)
      redirects[p.config->members[i].name] = t.redirects_per_member[i];

  return dump(
      Json{{kIkeCounters.name, counters_object(kIkeCounters, t.ike)},
           {"redirects", std::move(redirects)},
           {kDnsCounters.name, counters_object(kDnsCounters, t.dns)},
           {kHealthCounters.name, counters_object(kHealthCounters, t.health)},
           {kAgentCommandCounters.name, counters_object(kAgentCommandCounters, t.agent_commands)}});
}

std::string rates_json(const ControlPlane& plane) {
  Json points = Json::array();
  for (const RatePoint& r : plane.rates()) {
    Json by_reason = Json::object();
    for (const auto& [reason, rate] : r.drops_by_reason) by_reason[reason] = rate;
    points.push_back({{"at", rfc3339(r.at)},
                      {"redirects", r.redirects},
                      {"dns_queries", r.dns_queries},
                      {"drops", r.drops},
                      {"drops_by_reason", std::move(by_reason)}});
  }
  return dump(Json{{"interval_seconds", 1}, {"points", std::move(points)}});
}

}  // namespace ikesteer::frontend::http
