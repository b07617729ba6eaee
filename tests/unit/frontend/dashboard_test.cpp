// The dashboard over real HTTP on loopback, against a fake ControlPlane: the page is served
// whole and self-contained, the event stream sends a snapshot and then what changed, and the
// polling fallback answers the same data.
#include "frontend/http/dashboard.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "frontend/os/socket_address.hpp"

namespace ikesteer::frontend::http {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

class FakePlane final : public ControlPlane {
 public:
  FakePlane() {
    auto config = std::make_shared<Config>();
    auto cluster = std::make_shared<ClusterState>();
    for (const char* name : {"m1", "m2"}) {
      MemberConfig m;
      m.name = name;
      m.addresses = {ip(name == std::string("m1") ? "198.51.100.11" : "198.51.100.12")};
      m.weight = 2;
      config->members.push_back(m);
      MemberStatus s;
      s.state = health::MemberState::Up;
      s.reason = "all checks up";
      s.addresses = m.addresses;
      s.since = Clock::now();
      cluster->members.push_back(s);
    }
    published_.config = config;
    published_.cluster = cluster;
    add_event("member_state", "m1", "m1 is up");
    add_event("member_state", "m2", "m2 is up");
    const auto now = std::chrono::system_clock::now();
    for (int i = 10; i > 0; --i) rates_.push_back({now - std::chrono::seconds(i), 100.0 + i, 5, 0});
    decisions_.push_back(
        {now, ip("203.0.113.7"), "m1", "198.51.100.11", health::PickReason::HashOwner});
    checks_.push_back({"m1", CheckKind::Exec, health::ProbeState::Up, false, "exit 0", 2ms, 5, 0});
  }

  void add_event(std::string kind, std::string subject, std::string message) {
    std::lock_guard lock(mutex_);
    Event e;
    e.id = events_.size() + 1;
    e.at = std::chrono::system_clock::now();
    e.kind = std::move(kind);
    e.subject = std::move(subject);
    e.message = std::move(message);
    e.fields = {{"state", "up"}};
    events_.push_back(e);
  }

  void set_down(std::size_t member, std::string reason) {
    std::lock_guard lock(mutex_);
    auto cluster = std::make_shared<ClusterState>(*published_.cluster);
    cluster->members[member].state = health::MemberState::Down;
    cluster->members[member].reason = std::move(reason);
    published_.cluster = cluster;
  }

  Published current() const override {
    std::lock_guard lock(mutex_);
    return published_;
  }
  HealthReport health() const override {
    std::lock_guard lock(mutex_);
    HealthReport r;
    r.checks = checks_;
    return r;
  }
  std::vector<Event> events_since(std::uint64_t after) const override {
    std::lock_guard lock(mutex_);
    std::vector<Event> out;
    for (const Event& e : events_)
      if (e.id > after) out.push_back(e);
    return out;
  }
  Totals totals() const override {
    Totals t;
    t.redirects_per_member = {7, 3};
    t.ike.responder.drops[0] = 4;
    return t;
  }
  std::vector<RatePoint> rates() const override {
    std::lock_guard lock(mutex_);
    return rates_;
  }
  std::vector<RecentDecision> recent_decisions() const override {
    std::lock_guard lock(mutex_);
    return decisions_;
  }
  std::vector<MoveProgress> moves() const override { return {}; }
  SteeringExplanation explain(const IpAddress& client) const override {
    SteeringExplanation e;
    e.client = e.key = client;
    return e;
  }
  ActionOutcome act(const OperatorAction&) override { return {false, 501, "not here"}; }
  std::string not_ready() const override { return {}; }
  std::chrono::system_clock::time_point started() const override { return started_; }

 private:
  mutable std::mutex mutex_;
  const std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now() - 1h;
  Published published_;
  std::vector<Event> events_;
  std::vector<RatePoint> rates_;
  std::vector<RecentDecision> decisions_;
  std::vector<CheckStatus> checks_;
};

// A blocking loopback client with a receive timeout of 200 ms per read.
class Client {
 public:
  explicit Client(std::uint16_t port) {
    const SocketAddress address = SocketAddress::from(ip("127.0.0.1"), port);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{0, 200'000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    REQUIRE(::connect(fd_, address.get(), address.length) == 0);
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void get(const std::string& target) {
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
    REQUIRE(::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size()));
  }

  // Reads until `done(received)` or the deadline; returns everything received so far.
  template <class Done>
  const std::string& read_until(Done done, std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done(received_) && std::chrono::steady_clock::now() < deadline) {
      char buffer[65536];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n > 0) received_.append(buffer, static_cast<std::size_t>(n));
      if (n == 0) break;
    }
    return received_;
  }
  const std::string& received() const { return received_; }

 private:
  int fd_ = -1;
  std::string received_;
};

// Every complete `event: NAME` of an event stream, with its parsed data.
std::vector<std::pair<std::string, json>> events_in(const std::string& stream) {
  std::vector<std::pair<std::string, json>> out;
  std::size_t at = stream.find("\r\n\r\n");
  at = at == std::string::npos ? 0 : at + 4;
  for (std::size_t end; (end = stream.find("\n\n", at)) != std::string::npos; at = end + 2) {
    const std::string block = stream.substr(at, end - at);
    if (!block.starts_with("event: ")) continue;
    const std::size_t newline = block.find('\n');
    REQUIRE(block.compare(newline, 7, "\ndata: ") == 0);
    out.emplace_back(block.substr(7, newline - 7), json::parse(block.substr(newline + 7)));
  }
  return out;
}

struct Fixture {
  FakePlane plane;
  HttpServer server{[] {
    HttpServerOptions o;
    o.listen = {{ip("127.0.0.1"), 0}};
    o.sse_poll = 20ms;
    return o;
  }()};
  std::uint16_t port = 0;
  Fixture() {
    install_dashboard(server, plane, DashboardOptions{.refresh = 20ms});
    REQUIRE(server.start());
    port = server.ports().at(0);
  }
};

TEST_CASE("the page: one self-contained HTML document that loads nothing from elsewhere") {
  Fixture f;
  Client c(f.port);
  c.get("/");
  const std::string& r =
      c.read_until([](const std::string& s) { return s.ends_with("</html>\n"); });
  REQUIRE(r.starts_with("HTTP/1.1 200 "));
  CHECK(r.find("Content-Type: text/html; charset=utf-8\r\n") != std::string::npos);
  CHECK(r.find("Content-Security-Policy: default-src 'none';") != std::string::npos);
  const std::string body = r.substr(r.find("\r\n\r\n") + 4);
  CHECK(body == dashboard_html());
  CHECK(body.find("<svg") != std::string::npos);
  CHECK(body.find("EventSource") != std::string::npos);
  CHECK(body.find("api/v1/stream") != std::string::npos);
  CHECK(body.find("drain + move sessions") != std::string::npos);
  CHECK(body.find("?move=") != std::string::npos);
  // Nothing fetched from another origin: no absolute or protocol-relative src/href, no
  // @import, no url(...) and no external script tags.
  const std::regex external(R"((src|href|action)\s*=\s*["']?\s*([a-z]+:|//))", std::regex::icase);
  CHECK_FALSE(std::regex_search(body, external));
  CHECK(body.find("@import") == std::string::npos);
  CHECK(body.find("url(") == std::string::npos);
  CHECK(body.find("<script src") == std::string::npos);
  CHECK(body.find("<link") == std::string::npos);
}

TEST_CASE("the stream: a snapshot first, then only what changed") {
  Fixture f;
  Client c(f.port);
  c.get("/api/v1/stream");
  c.read_until([](const std::string& s) { return !events_in(s).empty(); });
  REQUIRE(c.received().starts_with("HTTP/1.1 200 "));
  CHECK(c.received().find("Content-Type: text/event-stream") != std::string::npos);
  auto events = events_in(c.received());
  REQUIRE(events.size() == 1);
  REQUIRE(events[0].first == "snapshot");
  const json& snapshot = events[0].second;
  REQUIRE(snapshot["members"].size() == 2);
  CHECK(snapshot["members"][0]["name"] == "m1");
  CHECK(snapshot["members"][0]["state"] == "up");
  CHECK(snapshot["members"][0]["weight"] == 2.0);
  CHECK(snapshot["members"][0]["redirects"] == 7);
  CHECK(snapshot["members"][0]["addresses"][0]["address"] == "198.51.100.11");
  CHECK(snapshot["members"][0]["addresses"][0]["holder"] == "m1");
  CHECK(snapshot["members"][0]["checks"][0]["check"] == "exec");
  CHECK(snapshot["members"][0]["checks"][0]["latency_ms"] == 2.0);
  CHECK(snapshot["members"][1]["checks"].empty());
  CHECK(snapshot["members"][0]["sessions"].is_null());  // no report with sessions= yet
  CHECK(snapshot["members"][0]["move"].is_null());
  CHECK(snapshot["members"][0]["can_move"] == false);
  REQUIRE(snapshot["events"].size() == 2);
  CHECK(snapshot["events"][1]["id"] == 2);
  CHECK(snapshot["events"][1]["fields"]["state"] == "up");
  CHECK(snapshot["rates"].size() == 10);
  CHECK(snapshot["decisions"][0]["client"] == "203.0.113.7");
  CHECK(snapshot["decisions"][0]["reason"] == "hash_owner");
  CHECK(snapshot["drops"][0]["total"] == 4);
  CHECK(snapshot["ready"] == true);

  // Nothing new: nothing sent (the heartbeat is 15 s away). The first update may still come:
  // the rates per second become known one refresh after the first.
  c.read_until([](const std::string&) { return false; }, 300ms);
  const std::size_t settled = events_in(c.received()).size();
  CHECK(settled <= 2);
  c.read_until([](const std::string&) { return false; }, 300ms);
  CHECK(events_in(c.received()).size() == settled);

  // A member goes down and says why: a state update and the new event, by id.
  f.plane.set_down(1, "exec: exit 1");
  f.plane.add_event("member_state", "m2", "m2 is down: exec: exit 1");
  c.read_until([](const std::string& s) {
    bool state = false, event = false;
    for (const auto& [name, data] : events_in(s)) {
      state = state || name == "state";
      event = event || name == "events";
    }
    return state && event;
  });
  events = events_in(c.received());
  std::optional<json> state, fresh;
  for (std::size_t i = 1; i < events.size(); ++i) {
    const auto& [name, data] = events[i];
    CHECK(name != "snapshot");
    if (name == "state") state = data;
    if (name == "events") fresh = data;
  }
  REQUIRE(state);
  CHECK((*state)["members"][1]["state"] == "down");
  CHECK((*state)["members"][1]["reason"] == "exec: exit 1");
  CHECK_FALSE(state->contains("events"));
  REQUIRE(fresh);
  REQUIRE(fresh->size() == 1);
  CHECK((*fresh)[0]["id"] == 3);
  CHECK((*fresh)[0]["message"] == "m2 is down: exec: exit 1");

  // A stream opened now starts from a snapshot that has it all.
  Client late(f.port);
  late.get("/api/v1/stream");
  late.read_until([](const std::string& s) { return !events_in(s).empty(); });
  const auto late_events = events_in(late.received());
  REQUIRE(late_events[0].first == "snapshot");
  CHECK(late_events[0].second["members"][1]["state"] == "down");
  CHECK(late_events[0].second["events"].size() == 3);
}

TEST_CASE("polling: the snapshot as JSON, events after a given id") {
  Fixture f;
  f.plane.add_event("reload", "", "configuration reloaded");
  Client c(f.port);
  c.get("/api/v1/dashboard?after=2");
  const std::string& r = c.read_until([](const std::string& s) {
    const std::size_t head = s.find("\r\n\r\n");
    return head != std::string::npos && json::accept(s.substr(head + 4));
  });
  REQUIRE(r.starts_with("HTTP/1.1 200 "));
  const json j = json::parse(r.substr(r.find("\r\n\r\n") + 4));
  CHECK(j["members"].size() == 2);
  REQUIRE(j["events"].size() == 1);
  CHECK(j["events"][0]["kind"] == "reload");
  CHECK(j["rates"].size() == 10);

  Client bad(f.port);
  bad.get("/api/v1/dashboard?after=-1");
  CHECK(bad.read_until([](const std::string& s) { return s.find("}") != std::string::npos; })
            .starts_with("HTTP/1.1 400 "));
}

}  // namespace
}  // namespace ikesteer::frontend::http
