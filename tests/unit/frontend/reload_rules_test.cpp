// Which settings a reload takes, and which wait for a restart (kept as running, and named).
#include "frontend/config/reload_rules.hpp"

#include <doctest/doctest.h>

#include <functional>

using namespace ikesteer;
using namespace ikesteer::frontend;

namespace {

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

Config running() {
  Config c;
  MemberConfig m1;
  m1.name = "m1";
  m1.addresses = {ip("198.51.100.11")};
  c.members = {m1};
  return c;
}

struct RestartOnly {
  const char* name;
  std::function<void(Config&)> change;
};

}  // namespace

TEST_CASE("nothing changed: nothing waits for a restart") {
  const ReloadPlan plan = plan_reload(running(), running());
  CHECK(plan.config == running());
  CHECK(plan.restart_only.empty());
}

TEST_CASE("each restart-only setting, changed alone, is named and kept at its running value") {
  const RestartOnly settings[] = {
      {"ike.listen", [](Config& c) { c.ike.listen = {ip("192.0.2.1")}; }},
      {"ike.ports", [](Config& c) { c.ike.ports = {500}; }},
      {"ike.threads", [](Config& c) { c.ike.threads = 3; }},
      {"cookies.secret_lifetime", [](Config& c) { c.cookies.secret_lifetime = 60; }},
      {"process.user", [](Config& c) { c.process.user = "nobody"; }},
      {"dns.enabled", [](Config& c) { c.dns.enabled = true; }},
      {"dns.listen", [](Config& c) { c.dns.listen = {ip("192.0.2.53")}; }},
      {"dns.port", [](Config& c) { c.dns.port = 5353; }},
  };
  for (const RestartOnly& s : settings) {
    CAPTURE(s.name);
    Config next = running();
    s.change(next);
    REQUIRE(next != running());
    const ReloadPlan plan = plan_reload(running(), next);
    CHECK(plan.config == running());
    CHECK(plan.restart_only == std::vector<std::string_view>{s.name});
  }
}

TEST_CASE("live settings are taken, restart-only ones beside them kept") {
  Config next = running();
  next.steering.load_factor = 2;
  next.cookies.threshold = 0;
  next.dns.rrl_responses_per_second = 10;
  next.http.token = "secret";
  next.sessions.new_ike_sas_per_second = 5;  // the budget's rate, at the next publish
  next.sessions.over_budget = redirect::OverBudgetPolicy::Cookie;
  next.log.level = LogLevel::Debug;
  next.members[0].weight = 3;
  next.members[0].state = OperatorState::Drain;
  CHECK(plan_reload(running(), next).config == next);
  CHECK(plan_reload(running(), next).restart_only.empty());

  Config both = next;
  both.ike.ports = {4500};
  both.dns.port = 5353;
  const ReloadPlan plan = plan_reload(running(), both);
  CHECK(plan.config == next);
  CHECK(plan.restart_only == std::vector<std::string_view>{"ike.ports", "dns.port"});
}

TEST_CASE("DNS turned on or off keeps the running [dns] table whole") {
  Config on = running();
  on.dns.enabled = true;
  on.dns.rrl_responses_per_second = 10;
  const ReloadPlan plan = plan_reload(running(), on);
  CHECK(plan.config.dns == running().dns);
  CHECK(plan.restart_only == std::vector<std::string_view>{"dns.enabled"});

  const ReloadPlan off = plan_reload(on, running());
  CHECK(off.config.dns == on.dns);
  CHECK(off.restart_only == std::vector<std::string_view>{"dns.enabled"});
}

TEST_CASE("adopted addresses changed are named; the member list is taken as it is") {
  Config next = running();
  next.members[0].failover = health::FailoverMode::Adopt;
  const ReloadPlan plan = plan_reload(running(), next);
  CHECK(plan.config == next);
  CHECK(plan.restart_only == std::vector<std::string_view>{"adopted addresses"});

  Config moved = next;
  moved.members[0].addresses = {ip("198.51.100.21")};
  CHECK(plan_reload(next, moved).restart_only ==
        std::vector<std::string_view>{"adopted addresses"});
  CHECK(plan_reload(next, moved).config == moved);
}
