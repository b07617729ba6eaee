#include "frontend/http/dashboard.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "dns/authority.hpp"
#include "frontend/operator/pool_totals.hpp"
#include "health/member_state.hpp"
#include "redirect/responder.hpp"

namespace ikesteer::frontend::http {

extern const std::string_view kDashboardHtml;  // generated from dashboard.html

namespace {

using nlohmann::json;
using WallClock = std::chrono::system_clock;

std::int64_t wall_ms(WallClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Wall-clock milliseconds minus steady-clock milliseconds, taken once so that converted times
// do not jitter from one update to the next.
std::int64_t steady_to_wall_ms() {
  return wall_ms(WallClock::now()) -
         std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
             .count();
}

// A steady-clock time as wall-clock milliseconds; null for "never".
json steady_ms(TimePoint t, std::int64_t offset) {
  if (t == TimePoint{}) return nullptr;
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() +
         offset;
}

double milliseconds(Duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

template <class T>
json optional(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

std::string text(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string sse(std::string_view event, const json& data) {
  std::string out = "event: ";
  out += event;
  out += "\ndata: ";
  out += text(data);
  out += "\n\n";
  return out;
}

json event_json(const Event& e) {
  json fields = json::object();
  for (const auto& [key, value] : e.fields) fields[key] = value;
  return {{"id", e.id},           {"at", wall_ms(e.at)},  {"kind", e.kind},
          {"subject", e.subject}, {"message", e.message}, {"fields", std::move(fields)}};
}

json rate_json(const RatePoint& p) {
  json by_reason = json::object();
  for (const auto& [reason, rate] : p.drops_by_reason) by_reason[reason] = rate;
  return {{"at", wall_ms(p.at)},
          {"redirects", p.redirects},
          {"dns", p.dns_queries},
          {"drops", p.drops},
          {"drops_by_reason", std::move(by_reason)}};
}

json address_json(const IpAddress& address, const std::string& member,
                  const std::vector<AddressStatus>& moving, bool moved_away) {
  for (const AddressStatus& a : moving)
    if (a.address == address)
      return {{"address", address.to_string()},
              {"home", a.home},
              {"holder", a.holder},
              {"phase", a.phase},
              {"verified", optional(a.verified)},
              {"reason", a.reason}};
  return {{"address", address.to_string()},
          {"home", member},
          {"holder", moved_away ? "" : member},
          {"phase", moved_away ? "away" : "home"},
          {"verified", nullptr},
          {"reason", ""}};
}

// Everything but events and rates: what the `state` event carries.
json state_json(const ControlPlane& control, const Totals& totals, std::size_t max_decisions,
                std::int64_t steady_offset) {
  const Published published = control.current();
  const HealthReport report = control.health();
  const std::vector<MoveProgress> moves = control.moves();

  json members = json::array();
  if (published.config && published.cluster) {
    const auto& configs = published.config->members;
    const auto& states = published.cluster->members;
    for (std::size_t i = 0; i < configs.size() && i < states.size(); ++i) {
      const MemberConfig& c = configs[i];
      const MemberStatus& s = states[i];
      json addresses = json::array();
      for (const IpAddress& a : s.addresses) {
        const bool away =
            std::find(s.moved_away.begin(), s.moved_away.end(), a) != s.moved_away.end();
        addresses.push_back(address_json(a, c.name, report.addresses, away));
      }
      json holds = json::array();  // other members' addresses this one answers on now
      for (const AddressStatus& a : report.addresses)
        if (a.holder == c.name && a.home != c.name)
          holds.push_back({{"address", a.address.to_string()}, {"home", a.home}});
      json checks = json::array();
      for (const CheckStatus& k : report.checks) {
        if (k.member != c.name) continue;
        checks.push_back({{"check", std::string(to_string(k.check))},
                          {"state", std::string(health::to_string(k.state))},
                          {"transitioning", k.transitioning},
                          {"detail", k.detail},
                          {"latency_ms", milliseconds(k.latency)},
                          {"ok", k.ok},
                          {"failed", k.failed}});
      }
      json sessions = nullptr;  // the latest report's count
      for (const ReportedSessions& r : report.sessions)
        if (r.member == c.name && r.count) sessions = *r.count;
      json move = nullptr;  // the member's move job
      for (const MoveProgress& p : moves)
        if (p.member == c.name && !p.address)
          move = {{"state", std::string(to_string(p.state))},
                  {"total", p.total},
                  {"left", p.left},
                  {"moved", p.moved},
                  {"failed", p.failed()},
                  {"per_second", p.moves_per_second}};
      members.push_back(
          {{"name", c.name},
           {"state", std::string(health::to_string(s.state))},
           {"transitioning", s.transitioning},
           {"reason", s.reason},
           {"since", steady_ms(s.since, steady_offset)},
           {"operator", std::string(health::to_string(c.state))},
           {"weight", c.weight},
           {"capacity", s.capacity ? *s.capacity : c.capacity},
           {"capacity_reported", s.capacity.has_value()},
           {"load", optional(s.load)},
           {"redirects",
            i < totals.redirects_per_member.size() ? totals.redirects_per_member[i] : 0},
           {"addresses", std::move(addresses)},
           {"holds", std::move(holds)},
           {"checks", std::move(checks)},
           {"sessions", std::move(sessions)},
           {"move", std::move(move)},
           {"can_move", c.agent_commands.has_value() && !c.agent_key.empty()}});
    }
  }
  json decisions = json::array();
  for (const RecentDecision& d : control.recent_decisions()) {
    if (decisions.size() >= max_decisions) break;
    decisions.push_back(
        {{"at", wall_ms(d.at)},
         {"client", d.client.to_string()},
         {"member", d.member},
         {"gateway", d.gateway},
         {"reason", std::string(health::to_string(d.reason))},
         {"pool", d.placement.pool},
         {"matched", d.placement.matched ? json(d.placement.matched->to_string()) : json(nullptr)},
         {"spilled_from",
          d.placement.spilled_from ? json(*d.placement.spilled_from) : json(nullptr)},
         {"spill_why", std::string(health::to_string(d.placement.spill_why))}});
  }
  json pools = json::array();  // one row per pool, when there are several
  if (published.steering && published.steering->pools().size() > 1)
    for (const PoolTotals& p : pool_totals(*published.steering, totals)) {
      std::uint64_t spilled = 0;
      for (const std::uint64_t n : p.spills) spilled += n;
      pools.push_back({{"name", p.name},
                       {"members", p.members},
                       {"eligible", p.eligible},
                       {"redirects", p.redirects},
                       {"spilled", spilled}});
    }
  json cluster = nullptr;
  if (const std::optional<ClusterStatus> c = control.cluster()) {
    json instances = json::array();
    for (const InstanceRecord& r : c->instances) instances.push_back(r.instance);
    cluster = {{"instance", c->instance},
               {"leader", c->leader},
               {"acting", c->acting},
               {"etcd", c->etcd_reachable},
               {"instances", std::move(instances)}};
  }
  return {{"ready", control.not_ready().empty()},
          {"not_ready", control.not_ready()},
          {"cluster", std::move(cluster)},
          {"started", wall_ms(control.started())},
          {"members", std::move(members)},
          {"decisions", std::move(decisions)},
          {"pools", std::move(pools)}};
}

class DashboardFeed {
 public:
  DashboardFeed(ControlPlane& control, const DashboardOptions& options)
      : control_(control), options_(options) {}

  // The SSE source: `cursor` is the last generation the stream was sent (0: nothing yet).
  std::optional<std::string> next(std::uint64_t& cursor) {
    std::lock_guard lock(mutex_);
    refresh();
    if (cursor == generation_) return std::nullopt;
    if (cursor == 0 || cursor > generation_ || deltas_.empty() ||
        cursor + 1 < deltas_.front().generation) {
      cursor = generation_;
      if (full_generation_ != generation_) {
        full_ = sse("snapshot", snapshot(0));
        full_generation_ = generation_;
      }
      return full_;
    }
    std::string out;
    for (const Delta& d : deltas_)
      if (d.generation > cursor) out += d.chunk;
    cursor = generation_;
    return out;
  }

  std::string poll(std::uint64_t after) {
    std::lock_guard lock(mutex_);
    refresh();
    return text(snapshot(after));
  }

 private:
  struct Delta {
    std::uint64_t generation;
    std::string chunk;
  };

  // Asks the ControlPlane what is new, at most once per options_.refresh; what changed becomes
  // one new generation.
  void refresh() {
    const TimePoint now = Clock::now();
    if (generation_ != 0 && now - last_refresh_ < options_.refresh) return;
    last_refresh_ = now;

    json events = json::array();
    std::vector<Event> fresh = control_.events_since(last_event_id_);
    const std::size_t skip =
        fresh.size() > options_.max_events ? fresh.size() - options_.max_events : 0;
    for (std::size_t i = skip; i < fresh.size(); ++i) events.push_back(event_json(fresh[i]));
    if (!fresh.empty()) last_event_id_ = fresh.back().id;

    json rates = json::array();
    for (const RatePoint& p : control_.rates()) {
      if (p.at <= last_rate_at_) continue;
      rates.push_back(rate_json(p));
      last_rate_at_ = p.at;
    }

    const Totals totals = control_.totals();
    json state = state_json(control_, totals, options_.max_decisions, steady_offset_);
    add_rates(state, totals, now);
    std::string state_text = text(state);
    const bool state_changed = state_text != state_text_;
    if (!state_changed && events.empty() && rates.empty() && generation_ != 0) return;

    std::string chunk;
    if (state_changed) {
      chunk += "event: state\ndata: " + state_text + "\n\n";
      state_ = std::move(state);
      state_text_ = std::move(state_text);
    }
    if (!events.empty()) chunk += sse("events", events);
    if (!rates.empty()) chunk += sse("rates", rates);
    ++generation_;
    deltas_.push_back({generation_, std::move(chunk)});
    while (deltas_.size() > options_.max_deltas) deltas_.pop_front();
  }

  // Per member, redirects/s since the previous refresh ("rate"); drops by reason, with their
  // rate over the same time.
  void add_rates(json& state, const Totals& totals, TimePoint now) {
    const double seconds = std::chrono::duration<double>(now - counted_at_).count();
    const bool have_previous = counted_at_ != TimePoint{} && seconds > 0;
    auto rate = [&](std::uint64_t value, std::optional<std::uint64_t> before) -> json {
      if (!have_previous || !before || value < *before) return nullptr;
      return std::round(static_cast<double>(value - *before) / seconds * 10) / 10;
    };
    auto previous = [](const std::map<std::string, std::uint64_t>& m,
                       const std::string& key) -> std::optional<std::uint64_t> {
      auto it = m.find(key);
      return it == m.end() ? std::nullopt : std::optional(it->second);
    };
    std::map<std::string, std::uint64_t> redirects;
    for (json& m : state["members"]) {
      const std::string name = m["name"].get<std::string>();
      const std::uint64_t value = m["redirects"].get<std::uint64_t>();
      m["rate"] = rate(value, previous(redirects_, name));
      redirects[name] = value;
    }
    json drops = json::array();
    std::map<std::string, std::uint64_t> counters = drop_counters(totals.ike, totals.dns);
    for (const auto& [reason, total] : counters) {
      const std::optional<std::uint64_t> before = previous(drops_, reason);
      drops.push_back({{"reason", reason},
                       {"total", total},
                       {"rate", rate(total, before ? before : std::optional<std::uint64_t>(0))}});
    }
    state["drops"] = std::move(drops);
    redirects_ = std::move(redirects);
    drops_ = std::move(counters);
    counted_at_ = now;
  }

  // Everything as of the last refresh: the state, events above `after` (the newest
  // max_events) and the rates of the last 15 minutes.
  json snapshot(std::uint64_t after) const {
    json j = state_;
    json events = json::array();
    std::vector<Event> all = control_.events_since(after);
    std::erase_if(all, [&](const Event& e) { return e.id > last_event_id_; });
    const std::size_t skip =
        all.size() > options_.max_events ? all.size() - options_.max_events : 0;
    for (std::size_t i = skip; i < all.size(); ++i) events.push_back(event_json(all[i]));
    json rates = json::array();
    for (const RatePoint& p : control_.rates())
      if (p.at <= last_rate_at_) rates.push_back(rate_json(p));
    j["events"] = std::move(events);
    j["rates"] = std::move(rates);
    j["generation"] = generation_;
    return j;
  }

  ControlPlane& control_;
  const DashboardOptions options_;
  std::mutex mutex_;
  TimePoint last_refresh_{};
  std::uint64_t generation_ = 0;
  std::uint64_t last_event_id_ = 0;
  WallClock::time_point last_rate_at_{};
  json state_;
  std::string state_text_;
  std::deque<Delta> deltas_;
  std::string full_;  // the snapshot event of full_generation_
  std::uint64_t full_generation_ = 0;
  const std::int64_t steady_offset_ = steady_to_wall_ms();
  TimePoint counted_at_{};                          // when redirects_ and drops_ were taken
  std::map<std::string, std::uint64_t> redirects_;  // per member
  std::map<std::string, std::uint64_t> drops_;      // per reason
};

}  // namespace

std::string_view dashboard_html() noexcept {
  return kDashboardHtml;
}

void install_dashboard(HttpServer& server, ControlPlane& control) {
  install_dashboard(server, control, DashboardOptions{});
}

void install_dashboard(HttpServer& server, ControlPlane& control, const DashboardOptions& options) {
  auto feed = std::make_shared<DashboardFeed>(control, options);
  server.route("GET", "/", [](const HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/html; charset=utf-8";
    r.body = std::string(kDashboardHtml);
    // The page loads nothing from anywhere and talks only to this server.
    r.headers = {{"Content-Security-Policy",
                  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                  "img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                  "frame-ancestors 'none'"},
                 {"Referrer-Policy", "no-referrer"}};
    return r;
  });
  server.route("GET", "/api/v1/dashboard", [feed](const HttpRequest& request) {
    std::uint64_t after = 0;
    if (auto it = request.query.find("after"); it != request.query.end()) {
      const std::string& v = it->second;
      const auto [end, error] = std::from_chars(v.data(), v.data() + v.size(), after);
      if (error != std::errc{} || end != v.data() + v.size() || v.empty())
        return json_error(400, "after: not a number");
    }
    HttpResponse r;
    r.content_type = "application/json";
    r.body = feed->poll(after);
    return r;
  });
  server.stream("/api/v1/stream", [feed](std::uint64_t& cursor) { return feed->next(cursor); });
}

}  // namespace ikesteer::frontend::http
