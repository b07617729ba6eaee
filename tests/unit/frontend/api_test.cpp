// The operator API (JSON, metrics, health endpoints) over real HTTP on loopback, against a fake
// ControlPlane: every endpoint's shape, bearer-token auth, bad bodies, actions passed through
// with who and why, and the Prometheus text format.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dns/authority.hpp"
#include "frontend/cluster/publisher.hpp"
#include "frontend/coordination/cluster_status.hpp"
#include "frontend/http/api_actions.hpp"
#include "frontend/http/api_json.hpp"
#include "frontend/http/api_routes.hpp"
#include "frontend/http/metrics_text.hpp"
#include "health/agent_report.hpp"
#include "http_test_client.hpp"
#include "redirect/responder.hpp"

namespace ikesteer::frontend::http {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const IpAddress kLoopback = *IpAddress::parse("127.0.0.1");
IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

// --------------------------------------------------------------------------- the fake plane

std::chrono::system_clock::time_point wall(std::int64_t unix_ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(unix_ms));
}

ProbeConfig probe(ProbeType type) {
  ProbeConfig p;
  p.type = type;
  return p;
}

class FakePlane final : public ControlPlane {
 public:
  FakePlane() {
    auto config = std::make_shared<Config>();
    config->dns.enabled = true;
    MemberConfig m1;
    m1.name = "m1";
    m1.addresses = {ip("198.51.100.11"), ip("2001:db8::11")};
    m1.probes = {probe(ProbeType::Ike)};
    m1.failover = health::FailoverMode::Adopt;
    MemberConfig m2;
    m2.name = "m2";
    m2.addresses = {ip("198.51.100.12")};
    m2.gateway = "m2.vpn.example";
    m2.capacity = 100;
    m2.probes = {probe(ProbeType::Tcp), probe(ProbeType::Tcp)};
    m2.failover = health::FailoverMode::Member;
    m2.failover_member = "m1";
    MemberConfig m3;
    m3.name = "m3";
    m3.addresses = {ip("198.51.100.13")};
    m3.weight = 2.5;
    m3.state = OperatorState::Drain;
    m1.pool = m2.pool = "eu";
    m3.pool = "us";
    config->members = {m1, m2, m3};

    auto cluster = std::make_shared<ClusterState>();
    const TimePoint now = Clock::now();
    MemberStatus s1;
    s1.state = health::MemberState::Up;
    s1.reason = "all checks up";
    s1.addresses = m1.addresses;
    s1.since = now - 90s;
    MemberStatus s2;
    s2.state = health::MemberState::Down;
    s2.transitioning = true;
    s2.reason = "tcp: connection refused";
    s2.addresses = m2.addresses;
    s2.moved_away = m2.addresses;
    s2.load = 0.75;
    s2.capacity = 80;
    s2.since = now - 5s;
    MemberStatus s3;
    s3.state = health::MemberState::Draining;
    s3.reason = "operator: drain";
    s3.addresses = m3.addresses;
    cluster->members = {s1, s2, s3};
    published_ = build_published(config, cluster, 1).value();

    report_.checks = {
        {"m1", CheckKind::Ike, health::ProbeState::Up, false, "INVALID_KE_PAYLOAD", 12ms, 40, 1},
        {"m2", CheckKind::Tcp, health::ProbeState::Down, true, "connection refused", 1500us, 3, 7},
        {"m2", CheckKind::Tcp, health::ProbeState::Up, false, "connected", 2ms, 10, 0}};
    report_.addresses = {{ip("198.51.100.12"), "m2", "m1", "away", true, "m2 is down"},
                         {ip("198.51.100.11"), "m1", "m1", "home", std::nullopt, ""},
                         {ip("2001:db8::11"), "m1", "", "releasing", std::nullopt, "moving"}};

    report_.sessions = {{"m1", 8}, {"m2", std::nullopt}, {"m3", 0}};
    MoveProgress move;
    move.member = "m3";
    move.state = MoveState::Moving;
    move.total = 20;
    move.left = 8;
    move.requested = 14;
    move.moved = 12;
    move.failed_attempts = 1;
    move.failed_no_target = 2;
    move.moves_per_second = 1.5;
    move.started_at = wall(1'700'000'000'000);
    move.last_error = "move 17: timeout";
    moves_ = {move};
    totals_.agent_commands.move[static_cast<std::size_t>(CommandResult::Timeout)] = 4;
    totals_.agent_commands.replies_dropped[static_cast<std::size_t>(ReplyDrop::BadMac)] = 6;

    for (std::uint64_t id = 1; id <= 5; ++id)
      events_.push_back({id,
                         wall(1'700'000'000'000 + static_cast<std::int64_t>(id)),
                         "member_state",
                         "m2",
                         "m2 down: event " + std::to_string(id),
                         {{"from", "up"}, {"to", "down"}}});

    auto& r = totals_.ike.responder;
    r.received = 1000;
    r.replies[static_cast<std::size_t>(redirect::ReplyKind::Redirect)] = 700;
    r.replies[static_cast<std::size_t>(redirect::ReplyKind::Cookie)] = 200;
    r.drops[static_cast<std::size_t>(redirect::DropReason::Malformed)] = 60;
    r.drops[static_cast<std::size_t>(redirect::DropReason::RateLimited)] = 40;
    totals_.ike.transport.oversize = 3;
    totals_.redirects_per_member = {400, 0, 300};
    totals_.spills = {0, 0, 7, 0, 0, 1, 0, 0};  // eu: 7 overloaded; us: 1 no eligible member
    totals_.dns.authority.received = 500;
    totals_.dns.authority.responses[static_cast<std::size_t>(dns::Rcode::NoError)] = 450;
    totals_.dns.authority.responses[static_cast<std::size_t>(dns::Rcode::NXDomain)] = 40;
    totals_.dns.authority.drops[static_cast<std::size_t>(dns::DropReason::TooShort)] = 10;
    totals_.dns.rate_limit = {480, 5, 15};
    totals_.health.probes_ok = 53;
    totals_.health.probes_failed = 8;
    totals_.health.agent_admitted = 12;
    totals_.health.agent_rejected[static_cast<std::size_t>(health::AgentReject::BadMac)] = 2;

    for (int i = 0; i < 3; ++i)
      rates_.push_back(
          {wall(1'700'000'000'000 + i * 1000), 10.0 + i, 20.5, 0.25, {{"ike.malformed", 0.25}}});
    decisions_ = {
        {wall(1'700'000'001'000),
         ip("203.0.113.7"),
         "m1",
         "198.51.100.11",
         health::PickReason::HashOwner,
         {"eu", IpPrefix::parse("203.0.113.0/24").value(), "us", health::PoolSkip::Overloaded}},
        {wall(1'700'000'000'500), ip("2001:db8:1::7"), "m3", "m3.vpn.example",
         health::PickReason::CapacitySpill}};
  }

  Published current() const override { return published_; }
  HealthReport health() const override { return report_; }
  std::vector<Event> events_since(std::uint64_t after) const override {
    std::vector<Event> out;
    for (const Event& e : events_)
      if (e.id > after) out.push_back(e);
    return out;
  }
  Totals totals() const override { return totals_; }
  std::vector<RatePoint> rates() const override { return rates_; }
  std::vector<RecentDecision> recent_decisions() const override { return decisions_; }
  SteeringExplanation explain(const IpAddress& client) const override {
    SteeringExplanation e;
    e.client = client;
    e.key = client.masked(client.is_v4() ? 32 : 64);
    e.pools = {"eu", "us"};
    e.ranking = {"m3", "m1"};
    e.placement = {"eu", IpPrefix::parse("203.0.113.0/24").value(), std::nullopt,
                   health::PoolSkip::None};
    e.member = "m1";
    e.gateway = "198.51.100.11";
    e.reason = health::PickReason::LoadSpill;
    return e;
  }
  std::vector<MoveProgress> moves() const override { return moves_; }
  ActionOutcome act(const OperatorAction& action) override {
    std::lock_guard lock(mutex_);
    actions_.push_back(action);
    const auto& members = published_.config->members;
    if (std::none_of(members.begin(), members.end(),
                     [&](const MemberConfig& m) { return m.name == action.member; }))
      return {false, 404, "no member named \"" + action.member + "\""};
    if (action.kind == OperatorAction::Kind::FailBack)
      return {false, 409, "m1's addresses are at home"};
    return {true, 200, "done"};
  }
  std::string not_ready() const override {
    return ready_.load() ? "" : "member m1 has no verdict yet";
  }
  std::chrono::system_clock::time_point started() const override {
    return std::chrono::system_clock::now() - 125s;
  }

  std::vector<OperatorAction> actions() const {
    std::lock_guard lock(mutex_);
    return actions_;
  }
  void set_ready(bool ready) { ready_ = ready; }
  Totals& totals_ref() { return totals_; }

 private:
  Published published_;
  HealthReport report_;
  std::vector<Event> events_;
  Totals totals_;
  std::vector<RatePoint> rates_;
  std::vector<RecentDecision> decisions_;
  std::vector<MoveProgress> moves_;
  std::atomic<bool> ready_{false};
  mutable std::mutex mutex_;
  std::vector<OperatorAction> actions_;
};

// --------------------------------------------------------------------------- HTTP

// A response whose body is JSON.
struct Response : test::Response {
  json body_json() const { return json::parse(body); }
};

// One request per connection ("Connection: close"), read to the end.
std::optional<Response> round_trip(std::uint16_t port, const std::string& request) {
  test::Client c(port);
  if (!c.connected() || !c.send(request)) return std::nullopt;
  c.closed_by_server();
  const std::string& received = c.received();
  const std::size_t end = received.find("\r\n\r\n");
  if (end == std::string::npos) return std::nullopt;
  std::optional<test::Response> head =
      test::parse_response_head(std::string_view(received).substr(0, end));
  if (!head) return std::nullopt;
  Response r{std::move(*head)};
  r.body = received.substr(end + 4);
  if (r.headers.contains("content-length"))
    CHECK(r.body.size() == std::stoul(r.headers["content-length"]));
  return r;
}

class ApiServer {
 public:
  explicit ApiServer(ApiOptions options = {"s3cret-token", "9.8.7"}) : server_(listen()) {
    install_api(server_, plane, options);
    auto started = server_.start();
    REQUIRE_MESSAGE(started.has_value(), started.error());
    port_ = server_.ports().at(0);
  }

  Response get(const std::string& target) {
    auto r =
        round_trip(port_, "GET " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    REQUIRE(r);
    return *r;
  }
  Response post(const std::string& target, const std::string& body,
                const std::string& authorization = "Bearer s3cret-token") {
    std::string request = "POST " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n";
    if (!authorization.empty()) request += "Authorization: " + authorization + "\r\n";
    request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
               "\r\n\r\n" + body;
    auto r = round_trip(port_, request);
    REQUIRE(r);
    return *r;
  }

  FakePlane plane;

 private:
  static HttpServerOptions listen() {
    HttpServerOptions o;
    o.listen = {Endpoint{kLoopback, 0}};
    return o;
  }
  HttpServer server_;
  std::uint16_t port_ = 0;
};

bool is_rfc3339(const json& j) {
  if (!j.is_string()) return false;
  const std::string s = j.get<std::string>();
  return s.size() == 24 && s[4] == '-' && s[10] == 'T' && s[19] == '.' && s.back() == 'Z';
}

// --------------------------------------------------------------------------- reads

TEST_CASE("healthz answers; readyz follows not_ready() and says why") {
  ApiServer s;
  auto r = s.get("/healthz");
  CHECK(r.status == 200);
  CHECK(r.body == "ok\n");
  r = s.get("/readyz");
  CHECK(r.status == 503);
  CHECK(r.body == "not ready: member m1 has no verdict yet\n");
  s.plane.set_ready(true);
  r = s.get("/readyz");
  CHECK(r.status == 200);
  CHECK(s.post("/healthz", "").status == 405);
}

TEST_CASE("cluster mode: not ready while etcd is unreachable, saying whether it still acts") {
  ClusterStatus c;
  c.instance = c.leader = "f1";
  c.acting = c.etcd_reachable = c.synced = true;
  CHECK(not_ready_reason(c).empty());
  c.etcd_reachable = false;
  c.etcd_error = "connection refused";
  c.unreachable_since = std::chrono::system_clock::time_point{std::chrono::seconds(1800000000)};
  CHECK(not_ready_reason(c) ==
        "etcd unreachable since 2027-01-15T08:00:00Z (connection refused): answering from the "
        "last shared state, acting until its lease runs out");
  c.acting = false;  // its time is up
  CHECK(not_ready_reason(c).ends_with("answering from the last shared state, not acting"));
  c.etcd_reachable = true;
  c.synced = false;
  CHECK(not_ready_reason(c) == "the shared state has not been read from etcd yet");
}

TEST_CASE("status: version, uptime, readiness, members by state, totals") {
  ApiServer s;
  const Response r = s.get("/api/v1/status");
  CHECK(r.status == 200);
  CHECK(r.header("content-type") == "application/json");
  const json j = r.body_json();
  CHECK(j["version"] == "9.8.7");
  CHECK(is_rfc3339(j["started"]));
  CHECK(j["uptime_seconds"].get<double>() >= 124.0);
  CHECK(j["uptime_seconds"].get<double>() < 200.0);
  CHECK(j["ready"] == false);
  CHECK(j["writable"] == true);
  CHECK(j["dns"] == true);
  CHECK(j["members"] == json{{"total", 3},
                             {"up", 1},
                             {"down", 1},
                             {"draining", 1},
                             {"maintenance", 0},
                             {"unknown", 0},
                             {"transitioning", 1}});
  const json& t = j["totals"];
  CHECK(t["ike_received"] == 1000);
  CHECK(t["ike_replies"] == 900);
  CHECK(t["redirects"] == 700);
  CHECK(t["ike_drops"] == 103);
  CHECK(t["dns_queries"] == 500);
  CHECK(t["dns_responses"] == 490);
  CHECK(t["dns_drops"] == 25);
  CHECK(t["probes_ok"] == 53);
  CHECK(t["probes_failed"] == 8);
  CHECK(t["agent_reports_admitted"] == 12);
  CHECK(t["agent_reports_rejected"] == 2);

  ApiServer read_only({"", "1.0"});
  CHECK(read_only.get("/api/v1/status").body_json()["writable"] == false);
}

TEST_CASE("members: every field of every member, in configuration order") {
  ApiServer s;
  const json j = s.get("/api/v1/members").body_json();
  REQUIRE(j["members"].size() == 3);
  const json& m1 = j["members"][0];
  CHECK(m1["name"] == "m1");
  CHECK(m1["state"] == "up");
  CHECK(m1["reason"] == "all checks up");
  CHECK(m1["transitioning"] == false);
  REQUIRE(is_rfc3339(m1["since"]));
  CHECK(m1["operator_state"] == "active");
  CHECK(m1["weight"] == 1.0);
  CHECK(m1["capacity"] == 0);
  CHECK(m1["reported_capacity"].is_null());
  CHECK(m1["reported_load"].is_null());
  CHECK(m1["failover"] == "adopt");
  CHECK(m1["addresses"] == json{"198.51.100.11", "2001:db8::11"});
  CHECK(m1["moved_away"] == json::array());
  CHECK(m1["redirects"] == 400);
  REQUIRE(m1["checks"].size() == 1);
  CHECK(m1["checks"][0] == json{{"check", "ike"},
                                {"state", "up"},
                                {"transitioning", false},
                                {"detail", "INVALID_KE_PAYLOAD"},
                                {"latency_ms", 12.0},
                                {"ok", 40},
                                {"failed", 1}});

  const json& m2 = j["members"][1];
  CHECK(m2["state"] == "down");
  CHECK(m2["transitioning"] == true);
  CHECK(m2["reason"] == "tcp: connection refused");
  CHECK(m2["capacity"] == 100);
  CHECK(m2["reported_capacity"] == 80);
  CHECK(m2["reported_load"] == 0.75);
  CHECK(m2["gateway"] == "m2.vpn.example");
  CHECK(m2["failover"] == "member:m1");
  CHECK(m2["moved_away"] == json{"198.51.100.12"});
  REQUIRE(m2["checks"].size() == 2);
  CHECK(m2["checks"][0]["latency_ms"] == 1.5);
  CHECK(m2["checks"][0]["transitioning"] == true);
  CHECK(m2["checks"][1]["detail"] == "connected");

  const json& m3 = j["members"][2];
  CHECK(m3["state"] == "draining");
  CHECK(m3["operator_state"] == "drain");
  CHECK(m3["weight"] == 2.5);
  CHECK(m3["checks"] == json::array());

  // Sessions: the latest report's count, and the move job, if any.
  CHECK(m1["sessions"] == json{{"count", 8}, {"move", nullptr}});
  CHECK(m2["sessions"]["count"].is_null());
  CHECK(m3["sessions"]["count"] == 0);
  CHECK(m3["sessions"]["move"] == json{{"member", "m3"},
                                       {"address", nullptr},  // a drain: the whole member
                                       {"state", "moving"},
                                       {"total", 20},
                                       {"left", 8},
                                       {"requested", 14},
                                       {"moved", 12},
                                       {"failed", 3},
                                       {"failed_by_reason", {{"attempts", 1}, {"no_target", 2}}},
                                       {"moves_per_second", 1.5},
                                       {"started_at", "2023-11-14T22:13:20.000Z"},
                                       {"last_error", "move 17: timeout"},
                                       {"stop_reason", nullptr}});
  CHECK(m1["agent_commands"] == false);
  const json moves = s.get("/api/v1/moves").body_json();
  REQUIRE(moves["moves"].size() == 1);
  CHECK(moves["moves"][0] == m3["sessions"]["move"]);

  // The member's `since` is when it changed, on the wall clock: about 90 s ago.
  const json status = s.get("/api/v1/status").body_json();
  CHECK(m1["since"].get<std::string>() > status["started"].get<std::string>());

  SUBCASE("one member") {
    const Response r = s.get("/api/v1/members/m2");
    CHECK(r.status == 200);
    CHECK(r.body_json() == m2);
    CHECK(s.get("/api/v1/members/m%32").body_json()["name"] == "m2");  // percent-decoded
  }
  SUBCASE("no such member") {
    Response r = s.get("/api/v1/members/nope");
    CHECK(r.status == 404);
    CHECK(r.body_json()["error"] == "no member named \"nope\"");
    CHECK(s.get("/api/v1/members/").status == 404);
    CHECK(s.get("/api/v1/members/m1/checks").status == 404);
    CHECK(s.get("/api/v1/members/m1/").status == 404);
    r = s.get("/api/v1/members/%FF%0A");  // echoed as text, never as raw bytes
    CHECK(r.status == 404);
    CHECK(r.body_json()["error"] == "no member named \"??\"");
  }
}

TEST_CASE("events: after=N gives the newer ones; a bad N is 400") {
  ApiServer s;
  json j = s.get("/api/v1/events").body_json();
  REQUIRE(j["events"].size() == 5);
  CHECK(j["last"] == 5);
  const json& e = j["events"][0];
  CHECK(e["id"] == 1);
  CHECK(e["at"] == "2023-11-14T22:13:20.001Z");
  CHECK(e["kind"] == "member_state");
  CHECK(e["subject"] == "m2");
  CHECK(e["message"] == "m2 down: event 1");
  CHECK(e["fields"] == json{{"from", "up"}, {"to", "down"}});

  j = s.get("/api/v1/events?after=3").body_json();
  REQUIRE(j["events"].size() == 2);
  CHECK(j["events"][0]["id"] == 4);
  CHECK(j["last"] == 5);
  j = s.get("/api/v1/events?after=9").body_json();
  CHECK(j["events"] == json::array());
  CHECK(j["last"] == 9);

  for (const char* bad : {"-1", "x", "", "1.5", "99999999999999999999999"}) {
    const Response r = s.get(std::string("/api/v1/events?after=") + bad);
    CHECK_MESSAGE(r.status == 400, bad);
    CHECK(r.body_json()["error"] == "after: must be an event id (an unsigned integer)");
  }
}

TEST_CASE("addresses: movable ones as the failover reports them, the others at home") {
  ApiServer s;
  const json j = s.get("/api/v1/addresses").body_json();
  REQUIRE(j["addresses"].size() == 4);
  CHECK(j["addresses"][0] == json{{"address", "198.51.100.12"},
                                  {"home", "m2"},
                                  {"holder", "m1"},
                                  {"phase", "away"},
                                  {"movable", true},
                                  {"verified", true},
                                  {"reason", "m2 is down"}});
  CHECK(j["addresses"][1]["verified"].is_null());
  CHECK(j["addresses"][2]["holder"].is_null());  // moving
  CHECK(j["addresses"][2]["phase"] == "releasing");
  CHECK(j["addresses"][3] == json{{"address", "198.51.100.13"},
                                  {"home", "m3"},
                                  {"holder", "m3"},
                                  {"phase", "home"},
                                  {"movable", false},
                                  {"verified", nullptr},
                                  {"reason", ""}});
}

TEST_CASE("decisions and decision: where clients went and would go, and why") {
  ApiServer s;
  json j = s.get("/api/v1/decisions").body_json();
  REQUIRE(j["decisions"].size() == 2);
  CHECK(j["decisions"][0] == json{{"at", "2023-11-14T22:13:21.000Z"},
                                  {"client", "203.0.113.7"},
                                  {"member", "m1"},
                                  {"gateway", "198.51.100.11"},
                                  {"reason", "hash_owner"},
                                  {"why", "the client's hash owner"},
                                  {"pool", "eu"},
                                  {"matched_prefix", "203.0.113.0/24"},
                                  {"spilled_from", {{"pool", "us"}, {"why", "overloaded"}}}});
  CHECK(j["decisions"][1]["reason"] == "capacity_spill");
  CHECK(j["decisions"][1]["client"] == "2001:db8:1::7");

  Response r = s.get("/api/v1/decision?client=203.0.113.7");
  CHECK(r.status == 200);
  j = r.body_json();
  CHECK(j == json{{"client", "203.0.113.7"},
                  {"key", "203.0.113.7"},
                  {"member", "m1"},
                  {"gateway", "198.51.100.11"},
                  {"reason", "load_spill"},
                  {"why", "its hash owner was over its load bound"},
                  {"pools", {"eu", "us"}},
                  {"ranking", {"m3", "m1"}},
                  {"pool", "eu"},
                  {"matched_prefix", "203.0.113.0/24"},
                  {"spilled_from", nullptr}});
  j = s.get("/api/v1/decision?client=2001%3Adb8%3A%3A1%3A2%3A3%3A4").body_json();
  CHECK(j["client"] == "2001:db8::1:2:3:4");
  CHECK(j["key"] == "2001:db8::");

  r = s.get("/api/v1/decision?client=203.0.113.300");
  CHECK(r.status == 400);
  CHECK(r.body_json()["error"] == "client: not an IP address: \"203.0.113.300\"");
  r = s.get("/api/v1/decision");
  CHECK(r.status == 400);
  CHECK(r.body_json()["error"] == "client: required (an IPv4 or IPv6 address)");
}

TEST_CASE("counters: every drop reason, reply kind, rcode and agent result by name") {
  ApiServer s;
  const json j = s.get("/api/v1/counters").body_json();
  const json& ike = j["ike"];
  CHECK(ike["received"] == 1000);
  for (std::size_t i = 0; i < static_cast<std::size_t>(redirect::ReplyKind::Count); ++i)
    CHECK(ike["replies"].contains(to_string(static_cast<redirect::ReplyKind>(i))));
  for (std::size_t i = 0; i < static_cast<std::size_t>(redirect::DropReason::Count); ++i)
    CHECK(ike["drops"].contains(to_string(static_cast<redirect::DropReason>(i))));
  CHECK(ike["replies"]["redirect"] == 700);
  CHECK(ike["drops"]["malformed"] == 60);
  CHECK(ike["drops"]["oversize"] == 3);
  CHECK(j["redirects"] == json{{"m1", 400}, {"m2", 0}, {"m3", 300}});
  const json& dns = j["dns"];
  CHECK(dns["queries"] == 500);
  for (std::size_t i = 0; i < static_cast<std::size_t>(dns::Rcode::Count); ++i)
    CHECK(dns["responses"].contains(to_string(static_cast<dns::Rcode>(i))));
  CHECK(dns["responses"]["nxdomain"] == 40);
  CHECK(dns["drops"]["too_short"] == 10);
  CHECK(dns["rrl"] == json{{"sent", 480}, {"slipped", 5}, {"dropped", 15}});
  const json& h = j["health"];
  CHECK(h["probes_ok"] == 53);
  CHECK(h["probes_failed"] == 8);
  CHECK(h["agent_reports"]["admitted"] == 12);
  CHECK(h["agent_reports"]["rejected"]["bad_mac"] == 2);
  CHECK(h["agent_reports"]["rejected"].size() == 5);

  // Totals counted against another member list (a reload in between) name no member.
  s.plane.totals_ref().redirects_per_member = {1, 2};
  CHECK(s.get("/api/v1/counters").body_json()["redirects"] == json::object());
  CHECK(s.get("/api/v1/members").body_json()["members"][0]["redirects"].is_null());
}

TEST_CASE("rates: one point per second, oldest first") {
  ApiServer s;
  const json j = s.get("/api/v1/rates").body_json();
  CHECK(j["interval_seconds"] == 1);
  REQUIRE(j["points"].size() == 3);
  CHECK(j["points"][0] == json{{"at", "2023-11-14T22:13:20.000Z"},
                               {"redirects", 10.0},
                               {"dns_queries", 20.5},
                               {"drops", 0.25},
                               {"drops_by_reason", {{"ike.malformed", 0.25}}}});
  CHECK(j["points"][2]["redirects"] == 12.0);
}

// --------------------------------------------------------------------------- writes

TEST_CASE("writes: no token configured is read-only, 403") {
  ApiServer s({"", "1.0"});
  for (const char* auth : {"", "Bearer ", "Bearer anything"}) {
    const Response r = s.post("/api/v1/members/m1/drain", "", auth);
    CHECK(r.status == 403);
    CHECK(r.body == R"({"error":"read-only: no api token configured"})");
  }
  CHECK(s.plane.actions().empty());
}

TEST_CASE("writes: no credentials are 401 with WWW-Authenticate, a wrong token 403") {
  ApiServer s;
  for (const char* auth : {"", "Basic czNjcmV0LXRva2Vu", "Bearer", "s3cret-token"}) {
    const Response r = s.post("/api/v1/members/m1/drain", "", auth);
    CHECK_MESSAGE(r.status == 401, auth);
    CHECK(r.header("www-authenticate") == "Bearer");
    CHECK(r.body_json()["error"].is_string());
  }
  for (const char* auth :
       {"Bearer s3cret-toke", "Bearer s3cret-token2", "Bearer S3CRET-TOKEN", "Bearer x"}) {
    const Response r = s.post("/api/v1/members/m1/drain", "", auth);
    CHECK_MESSAGE(r.status == 403, auth);
    CHECK(r.body == R"({"error":"wrong token"})");
    CHECK(r.header("www-authenticate").empty());
  }
  CHECK(s.plane.actions().empty());
  // The scheme is case-insensitive (RFC 9110 §11.1).
  CHECK(s.post("/api/v1/members/m1/drain", "", "bearer s3cret-token").status == 200);
}

TEST_CASE("writes: each action reaches act() with who and why; its outcome is the answer") {
  ApiServer s;
  using K = OperatorAction::Kind;
  struct Case {
    const char* verb;
    K kind;
  };
  for (const Case c : {Case{"drain", K::Drain}, Case{"undrain", K::Undrain},
                       Case{"maintenance", K::Maintenance}}) {
    const Response r =
        s.post(std::string("/api/v1/members/m3/") + c.verb, R"({"reason": "kernel update ü"})");
    CHECK(r.status == 200);
    CHECK(r.body_json() ==
          json{{"ok", true}, {"member", "m3"}, {"action", c.verb}, {"message", "done"}});
    const OperatorAction a = s.plane.actions().back();
    CHECK(a.kind == c.kind);
    CHECK(a.member == "m3");
    CHECK(a.who == "127.0.0.1");
    CHECK(a.why == "kernel update ü");
  }

  Response r = s.post("/api/v1/members/m2/weight", R"({"weight": 2.5, "reason": "bigger box"})");
  CHECK(r.status == 200);
  CHECK(r.body_json()["weight"] == 2.5);
  OperatorAction a = s.plane.actions().back();
  CHECK(a.kind == K::SetWeight);
  CHECK(a.weight == 2.5);
  CHECK(a.why == "bigger box");
  r = s.post("/api/v1/members/m2/weight", R"({"weight": 3})");  // an integer is a number too
  CHECK(r.status == 200);
  CHECK(s.plane.actions().back().weight == 3.0);

  // No body, or an empty object: no reason.
  CHECK(s.post("/api/v1/members/m1/drain", "").status == 200);
  CHECK(s.plane.actions().back().why.empty());
  CHECK_FALSE(s.plane.actions().back().move_sessions);
  CHECK(s.post("/api/v1/members/m1/drain", " {} ").status == 200);

  // Drain or maintenance with move=sessions: the same action, asking for the moves too.
  for (const char* verb : {"drain", "maintenance"}) {
    r = s.post(std::string("/api/v1/members/m3/") + verb + "?move=sessions", "");
    CHECK(r.status == 200);
    CHECK(r.body_json()["move"] == "sessions");
    CHECK(s.plane.actions().back().move_sessions);
  }
  const std::size_t acted = s.plane.actions().size();
  r = s.post("/api/v1/members/m3/drain?move=everything", "");
  CHECK(r.status == 400);
  CHECK(r.body_json()["error"] == "move: must be \"sessions\" (got \"everything\")");
  CHECK(s.plane.actions().size() == acted);  // refused before act()

  // act()'s status and message pass through.
  r = s.post("/api/v1/members/m1/failback", R"({"reason":"it is back"})");
  CHECK(r.status == 409);
  CHECK(r.body_json() == json{{"ok", false},
                              {"member", "m1"},
                              {"action", "failback"},
                              {"message", "m1's addresses are at home"},
                              {"error", "m1's addresses are at home"}});
  CHECK(s.plane.actions().back().kind == K::FailBack);
  r = s.post("/api/v1/members/ghost/drain", "");
  CHECK(r.status == 404);
  CHECK(r.body_json()["error"] == "no member named \"ghost\"");
  CHECK(s.plane.actions().back().member == "ghost");
  r = s.post("/api/v1/members/%FF/drain", "");  // act()'s message echoes bytes that are not UTF-8
  CHECK(r.status == 404);
  CHECK(r.body_json()["member"] == "\xEF\xBF\xBD");  // U+FFFD
  CHECK(s.plane.actions().back().member == "\xff");
}

TEST_CASE("writes: bad paths and bodies are 4xx with a clear message, and never reach act()") {
  ApiServer s;
  struct Case {
    const char* target;
    const char* body;
    unsigned status;
    const char* error;
  };
  const Case cases[] = {
      {"/api/v1/members/m1/drain", "{", 400, nullptr},
      {"/api/v1/members/m1/drain", "reason=x", 400, nullptr},
      {"/api/v1/members/m1/drain", R"({"reason": 5})", 400,
       R"(body: "reason" must be a string, not number)"},
      {"/api/v1/members/m1/drain", R"(["reason"])", 400, "body: must be a JSON object, not array"},
      {"/api/v1/members/m1/drain", R"({"reason": "x", "force": true})", 400,
       R"(body: unknown field "force")"},
      {"/api/v1/members/m1/drain", R"({"weight": 2})", 400, R"(body: unknown field "weight")"},
      {"/api/v1/members/m1/weight", "", 400, R"(body: a JSON object with "weight" is required)"},
      {"/api/v1/members/m1/weight", R"({"reason": "x"})", 400, R"(body: "weight" is required)"},
      {"/api/v1/members/m1/weight", R"({"weight": "2"})", 400,
       R"(body: "weight" must be a number, not string)"},
      {"/api/v1/members/m1/weight", R"({"weight": 0})", 400,
       R"(body: "weight" must be > 0 and <= 1000000)"},
      {"/api/v1/members/m1/weight", R"({"weight": -1})", 400,
       R"(body: "weight" must be > 0 and <= 1000000)"},
      {"/api/v1/members/m1/weight", R"({"weight": 1e7})", 400,
       R"(body: "weight" must be > 0 and <= 1000000)"},
      {"/api/v1/members/m1/weight", R"({"weight": 1e999})", 400, nullptr},
      {"/api/v1/members/m1/drain", "{\"reason\": \"\xff\"}", 400, nullptr},  // not UTF-8
      {"/api/v1/members/m1/reboot", "", 404,
       R"(unknown action "reboot" (drain, undrain, maintenance, failback, weight))"},
      {"/api/v1/members/m1", "", 404, "not found: POST /api/v1/members/<name>/<action>"},
      {"/api/v1/members/m1/drain/now", "", 404, "not found: POST /api/v1/members/<name>/<action>"},
      {"/api/v1/members//drain", "", 404, "not found: POST /api/v1/members/<name>/<action>"},
  };
  for (const Case& c : cases) {
    const Response r = s.post(c.target, c.body);
    CHECK_MESSAGE(r.status == c.status, c.target, " ", c.body);
    CHECK(r.header("content-type") == "application/json");
    const json j = r.body_json();
    REQUIRE(j["error"].is_string());
    if (c.error != nullptr)
      CHECK(j["error"] == c.error);
    else
      CHECK(j["error"].get<std::string>().starts_with("body: not JSON: "));
  }
  const std::string long_reason = R"({"reason": ")" + std::string(1025, 'x') + "\"}";
  CHECK(s.post("/api/v1/members/m1/drain", long_reason).status == 400);
  // Deep nesting is just bad JSON (no stack overflow).
  CHECK(s.post("/api/v1/members/m1/drain", std::string(30000, '[')).status == 400);
  CHECK(s.post("/api/v1/members/m1/drain", std::string(20000, '[') + std::string(20000, ']'))
            .status == 400);
  CHECK(s.plane.actions().empty());
  // Reads are GET only.
  CHECK(s.post("/api/v1/status", "").status == 405);
}

TEST_CASE("the bearer check and body parser on their own") {
  CHECK(equal_in_constant_time("abc", "abc"));
  CHECK_FALSE(equal_in_constant_time("abc", "abd"));
  CHECK_FALSE(equal_in_constant_time("abc", "abcd"));
  CHECK_FALSE(equal_in_constant_time("", "a"));
  CHECK(equal_in_constant_time("", ""));

  CHECK_FALSE(check_bearer("Bearer tok", "tok"));
  CHECK_FALSE(check_bearer("BEARER   tok ", "tok"));
  CHECK(check_bearer("Bearer tok", "")->status == 403);
  CHECK(check_bearer("Bearertok", "tok")->status == 401);
  CHECK(check_bearer("Bearer tok2", "tok")->status == 403);

  auto body = parse_action_body(R"({"reason":"r","weight":0.5})", OperatorAction::Kind::SetWeight);
  REQUIRE(body);
  CHECK(body->reason == "r");
  CHECK(body->weight == 0.5);
  CHECK(parse_action_body("\r\n", OperatorAction::Kind::Drain));
  CHECK(parse_action_body("null", OperatorAction::Kind::Drain).error() ==
        "body: must be a JSON object, not null");
  CHECK(parse_action_body(R"({"reason":null})", OperatorAction::Kind::Drain).error() ==
        R"(body: "reason" must be a string, not null)");

  for (const char* verb : {"drain", "undrain", "maintenance", "failback", "weight"})
    CHECK(action_verb(*action_kind(verb)) == verb);
  CHECK_FALSE(action_kind("Drain"));
}

// --------------------------------------------------------------------------- metrics

// A sample line: name, labels (unescaped), value text.
struct Sample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  std::string value;
  std::string series;  // the line up to the value, as written
};

// Parses one exposition-format sample line strictly; nullopt when it is not one.
std::optional<Sample> parse_sample(const std::string& line) {
  Sample s;
  std::size_t i = 0;
  auto name_char = [](char c, bool first) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
           (!first && std::isdigit(static_cast<unsigned char>(c)));
  };
  while (i < line.size() && name_char(line[i], i == 0)) s.name += line[i++];
  if (s.name.empty()) return std::nullopt;
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      std::string key, value;
      while (i < line.size() && name_char(line[i], key.empty())) key += line[i++];
      if (key.empty() || line.compare(i, 2, "=\"") != 0) return std::nullopt;
      i += 2;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\') {
          if (++i >= line.size()) return std::nullopt;
          if (line[i] == 'n')
            value += '\n';
          else if (line[i] == '\\' || line[i] == '"')
            value += line[i];
          else
            return std::nullopt;
        } else {
          value += line[i];
        }
        ++i;
      }
      if (i >= line.size()) return std::nullopt;
      ++i;  // closing quote
      s.labels.emplace_back(key, value);
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return std::nullopt;
    ++i;  // '}'
  }
  s.series = line.substr(0, i);
  if (i >= line.size() || line[i] != ' ') return std::nullopt;
  s.value = line.substr(i + 1);
  if (s.value != "NaN" && s.value != "+Inf" && s.value != "-Inf") {
    char* end = nullptr;
    std::strtod(s.value.c_str(), &end);
    if (s.value.empty() || *end != '\0') return std::nullopt;
  }
  return s;
}

struct Exposition {
  std::map<std::string, std::string> types;  // family -> type
  std::vector<Sample> samples;
  std::string label(const std::string& name,
                    const std::vector<std::pair<std::string, std::string>>& want) const {
    for (const Sample& s : samples)
      if (s.name == name && s.labels == want) return s.value;
    return "";
  }
};

// Checks the format rules promtool checks too: HELP then TYPE before a family's samples, one
// family block each, counters named _total, no series twice.
Exposition check_exposition(const std::string& text) {
  Exposition e;
  REQUIRE(!text.empty());
  REQUIRE(text.back() == '\n');
  std::istringstream in(text);
  std::string line, current, help_of;
  std::set<std::string> series;
  std::set<std::string> families_done;
  while (std::getline(in, line)) {
    REQUIRE_MESSAGE(!line.empty(), "empty line");
    if (line.starts_with("# HELP ")) {
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      CHECK_MESSAGE(families_done.insert(name).second, "family twice: ", name);
      help_of = name;
      CHECK(line.size() > 8 + name.size());  // some help text
    } else if (line.starts_with("# TYPE ")) {
      const std::string rest = line.substr(7);
      const std::string name = rest.substr(0, rest.find(' '));
      const std::string type = rest.substr(rest.find(' ') + 1);
      CHECK_MESSAGE(name == help_of, "TYPE without HELP: ", line);
      CHECK((type == "counter" || type == "gauge"));
      CHECK_MESSAGE((type == "counter") == name.ends_with("_total"), line);
      e.types[name] = type;
      current = name;
    } else {
      REQUIRE_MESSAGE(!line.starts_with("#"), line);
      const auto s = parse_sample(line);
      REQUIRE_MESSAGE(s, "not a sample line: ", line);
      CHECK_MESSAGE(s->name == current, "sample outside its family: ", line);
      CHECK_MESSAGE(series.insert(s->series).second, "series twice: ", line);
      e.samples.push_back(*s);
    }
  }
  return e;
}

TEST_CASE("metrics: valid exposition format with every family the brief names") {
  ApiServer s({"t", "1.2.3"});
  s.plane.set_ready(true);
  const Response r = s.get("/metrics");
  CHECK(r.status == 200);
  CHECK(r.header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
  const Exposition e = check_exposition(r.body);
  for (const char* family : {"ikesteer_build_info",
                             "ikesteer_ike_received_total",
                             "ikesteer_ike_replies_total",
                             "ikesteer_ike_drops_total",
                             "ikesteer_redirects_total",
                             "ikesteer_dns_queries_total",
                             "ikesteer_dns_responses_total",
                             "ikesteer_dns_drops_total",
                             "ikesteer_dns_rrl_total",
                             "ikesteer_member_state",
                             "ikesteer_member_transitioning",
                             "ikesteer_probe_results_total",
                             "ikesteer_probe_latency_seconds",
                             "ikesteer_address_owner",
                             "ikesteer_agent_reports_total",
                             "ikesteer_start_time_seconds",
                             "ikesteer_agent_commands_total",
                             "ikesteer_agent_replies_dropped_total",
                             "ikesteer_member_sessions",
                             "ikesteer_session_moves_total",
                             "ikesteer_session_moves_left",
                             "ikesteer_member_empty"})
    CHECK_MESSAGE(e.types.contains(family), family);

  CHECK(e.label("ikesteer_build_info", {{"version", "1.2.3"}}) == "1");
  CHECK(e.label("ikesteer_ready", {}) == "1");
  CHECK(e.label("ikesteer_ike_received_total", {}) == "1000");
  CHECK(e.label("ikesteer_ike_replies_total", {{"kind", "redirect"}}) == "700");
  CHECK(e.label("ikesteer_ike_replies_total", {{"kind", "ticket_nack"}}) == "0");
  CHECK(e.label("ikesteer_ike_drops_total", {{"reason", "malformed"}}) == "60");
  CHECK(e.label("ikesteer_ike_drops_total", {{"reason", "oversize"}}) == "3");
  CHECK(e.label("ikesteer_redirects_total", {{"member", "m3"}}) == "300");
  CHECK(e.label("ikesteer_dns_queries_total", {}) == "500");
  CHECK(e.label("ikesteer_dns_responses_total", {{"rcode", "nxdomain"}}) == "40");
  CHECK(e.label("ikesteer_dns_drops_total", {{"reason", "too_short"}}) == "10");
  CHECK(e.label("ikesteer_dns_rrl_total", {{"action", "slipped"}}) == "5");
  CHECK(e.label("ikesteer_agent_reports_total", {{"result", "admitted"}}) == "12");
  CHECK(e.label("ikesteer_agent_reports_total", {{"result", "bad_mac"}}) == "2");
  CHECK(e.label("ikesteer_member_weight", {{"member", "m3"}}) == "2.5");
  // Pools: m1 (up) and m2 (down) in eu, m3 (drained) in us.
  CHECK(e.label("ikesteer_pool_members", {{"pool", "eu"}, {"eligible", "true"}}) == "1");
  CHECK(e.label("ikesteer_pool_members", {{"pool", "eu"}, {"eligible", "false"}}) == "1");
  CHECK(e.label("ikesteer_pool_members", {{"pool", "us"}, {"eligible", "true"}}) == "0");
  CHECK(e.label("ikesteer_pool_redirects_total", {{"pool", "eu"}}) == "400");
  CHECK(e.label("ikesteer_pool_redirects_total", {{"pool", "us"}}) == "300");
  CHECK(e.label("ikesteer_pool_spills_total", {{"pool", "eu"}, {"why", "overloaded"}}) == "7");
  CHECK(e.label("ikesteer_pool_spills_total", {{"pool", "us"}, {"why", "no_eligible_member"}}) ==
        "1");
  CHECK(e.label("ikesteer_pool_spills_total", {{"pool", "eu"}, {"why", "only_avoided"}}) == "0");
  CHECK(e.label("ikesteer_agent_commands_total", {{"command", "move"}, {"result", "timeout"}}) ==
        "4");
  CHECK(e.label("ikesteer_agent_commands_total", {{"command", "list"}, {"result", "ok"}}) == "0");
  CHECK(e.label("ikesteer_agent_replies_dropped_total", {{"reason", "bad_mac"}}) == "6");
  CHECK(e.label("ikesteer_member_sessions", {{"member", "m1"}}) == "8");
  CHECK(e.label("ikesteer_member_sessions", {{"member", "m2"}}).empty());
  CHECK(e.label("ikesteer_session_moves_total", {{"member", "m3"}, {"result", "requested"}}) ==
        "14");
  CHECK(e.label("ikesteer_session_moves_total", {{"member", "m3"}, {"result", "moved"}}) == "12");
  CHECK(e.label("ikesteer_session_moves_total", {{"member", "m3"}, {"result", "failed"}}) == "3");
  CHECK(e.label("ikesteer_session_moves_left", {{"member", "m3"}}) == "8");
  CHECK(e.label("ikesteer_member_empty", {{"member", "m3"}}) == "0");
  CHECK(e.label("ikesteer_member_reported_load", {{"member", "m2"}}) == "0.75");
  CHECK(e.label("ikesteer_member_reported_load", {{"member", "m1"}}).empty());

  // Member state is one-hot.
  for (const char* member : {"m1", "m2", "m3"}) {
    int ones = 0, rows = 0;
    for (const Sample& smp : e.samples)
      if (smp.name == "ikesteer_member_state" && smp.labels[0].second == member) {
        ++rows;
        ones += smp.value == "1";
      }
    CHECK(rows == 5);
    CHECK(ones == 1);
  }
  CHECK(e.label("ikesteer_member_state", {{"member", "m2"}, {"state", "down"}}) == "1");
  CHECK(e.label("ikesteer_member_state", {{"member", "m2"}, {"state", "up"}}) == "0");
  CHECK(e.label("ikesteer_member_transitioning", {{"member", "m2"}}) == "1");

  // Two checks of one type on a member get distinct labels.
  CHECK(e.label("ikesteer_probe_results_total",
                {{"member", "m2"}, {"check", "tcp"}, {"result", "failed"}}) == "7");
  CHECK(e.label("ikesteer_probe_results_total",
                {{"member", "m2"}, {"check", "tcp#2"}, {"result", "ok"}}) == "10");
  CHECK(e.label("ikesteer_probe_latency_seconds", {{"member", "m1"}, {"check", "ike"}}) == "0.012");
  CHECK(e.label("ikesteer_probe_latency_seconds", {{"member", "m2"}, {"check", "tcp"}}) ==
        "0.0015");

  CHECK(e.label("ikesteer_address_owner", {{"address", "198.51.100.12"}, {"holder", "m1"}}) == "1");
  CHECK(e.label("ikesteer_address_owner", {{"address", "2001:db8::11"}, {"holder", ""}}) == "1");
  CHECK(e.label("ikesteer_address_owner", {{"address", "198.51.100.13"}, {"holder", "m3"}}) == "1");

  const double start = std::stod(e.label("ikesteer_start_time_seconds", {}));
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(start > now - 200);
  CHECK(start < now - 100);
}

TEST_CASE("metrics: label values are escaped") {
  ApiServer s({"", "1.0 \"beta\"\\x\nnext"});
  const Response r = s.get("/metrics");
  CHECK(r.body.find(R"(ikesteer_build_info{version="1.0 \"beta\"\\x\nnext"} 1)") !=
        std::string::npos);
  const Exposition e = check_exposition(r.body);
  CHECK(e.label("ikesteer_build_info", {{"version", "1.0 \"beta\"\\x\nnext"}}) == "1");

  CHECK(escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
  CHECK(escape_label_value("plain") == "plain");
  CHECK(format_sample(0.1) == "0.1");
  CHECK(format_sample(2) == "2");
  CHECK(format_sample(1e-9) == "1e-09");
  CHECK(format_sample(std::nan("")) == "NaN");
  CHECK(format_sample(-HUGE_VAL) == "-Inf");
  CHECK(format_sample(HUGE_VAL) == "+Inf");
}

TEST_CASE("times: RFC 3339 in UTC with milliseconds") {
  CHECK(rfc3339(wall(0)) == "1970-01-01T00:00:00.000Z");
  CHECK(rfc3339(wall(1'700'000'000'123)) == "2023-11-14T22:13:20.123Z");
  CHECK(rfc3339(wall(-1)) == "1969-12-31T23:59:59.999Z");
  const auto ago = to_wall_clock(Clock::now() - 10s);
  const auto diff = std::chrono::system_clock::now() - ago;
  CHECK(diff > 9s);
  CHECK(diff < 11s);
}

}  // namespace
}  // namespace ikesteer::frontend::http
