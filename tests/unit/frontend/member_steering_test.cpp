#include "frontend/cluster/member_steering.hpp"

#include <doctest/doctest.h>

#include <map>

#include "frontend/cluster/steering_why.hpp"
#include "frontend/config/config_loader.hpp"

using namespace ikesteer;
using namespace ikesteer::frontend;

namespace {

std::shared_ptr<const Config> config_with(const std::string& members) {
  auto c = parse_config(members, "t.toml");
  REQUIRE(c.has_value());
  return std::make_shared<const Config>(std::move(c).value());
}

const std::string kThree = R"(
[[member]]
name = "m1"
addresses = ["198.51.100.11", "2001:db8::11"]
[[member]]
name = "m2"
addresses = ["198.51.100.12"]
[[member]]
name = "m3"
addresses = ["198.51.100.13"]
gateway = "m3.vpn.example"
)";

// Steering over the configuration's members in their start-up state (no checks: up, or what
// the operator says), optionally changed by `edit`.
MemberSteering steering_for(std::shared_ptr<const Config> config,
                            void (*edit)(ClusterState&) = nullptr) {
  ClusterState cluster = initial_cluster_state(*config, TimePoint{});
  if (edit) edit(cluster);
  auto plan =
      SteeringPlan::build(std::move(config), std::make_shared<const ClusterState>(cluster), 1);
  REQUIRE(plan.has_value());
  auto shared = std::make_shared<const SteeringPlan>(std::move(plan).value());
  return MemberSteering(shared, std::make_shared<health::PoolSelector>(shared->selector()));
}

health::PickReason reason(const redirect::GatewayChoice& c) {
  return SteeringWhy::unpack(c.why).reason;
}

IpAddress ip(const char* s) {
  return *IpAddress::parse(s);
}

}  // namespace

TEST_CASE("a client is sent to its member's address in its own family, or the FQDN") {
  MemberSteering s = steering_for(config_with(kThree));
  const TimePoint now{};
  std::map<std::string, int> seen;
  for (int i = 1; i < 200; ++i) {
    const IpAddress client = ip(("203.0.113." + std::to_string(i)).c_str());
    const auto id = s.select(client, std::nullopt, now);
    REQUIRE(id.has_value());
    CHECK(id->gateway == s.plan().identity(id->member, IpFamily::V4));
    ++seen[describe(id->gateway)];
  }
  CHECK(seen.size() == 3);
  CHECK(seen.count("198.51.100.11") == 1);
  CHECK(seen.count("m3.vpn.example") == 1);
  CHECK(describe(s.plan().identity(0, IpFamily::V6)) == "2001:db8::11");
  // m2 has no IPv6 address: IPv6 clients get its IPv4 one (clients follow cross-family).
  CHECK(describe(s.plan().identity(1, IpFamily::V6)) == "198.51.100.12");
}

TEST_CASE("the same client gets the same member; clients in one prefix share it") {
  auto config = parse_config(kThree + "[steering]\nipv4_prefix = 24\n", "t.toml");
  REQUIRE(config.has_value());
  MemberSteering s = steering_for(std::make_shared<const Config>(std::move(config).value()));
  const auto first = s.select(ip("203.0.113.7"), std::nullopt, TimePoint{});
  REQUIRE(first.has_value());
  CHECK(s.select(ip("203.0.113.7"), std::nullopt, TimePoint{})->member == first->member);
  CHECK(s.select(ip("203.0.113.200"), std::nullopt, TimePoint{})->member == first->member);
}

TEST_CASE("drained and maintenance members get no clients") {
  MemberSteering s = steering_for(config_with(R"(
[[member]]
name = "m1"
addresses = ["198.51.100.11"]
state = "drain"
[[member]]
name = "m2"
addresses = ["198.51.100.12"]
[[member]]
name = "m3"
addresses = ["198.51.100.13"]
state = "maintenance"
)"));
  for (int i = 1; i < 100; ++i) {
    const auto id = s.select(ip(("203.0.113." + std::to_string(i)).c_str()), std::nullopt, {});
    REQUIRE(id.has_value());
    CHECK(describe(id->gateway) == "198.51.100.12");
  }
}

TEST_CASE("no eligible member: no redirect target") {
  MemberSteering s = steering_for(config_with(
      "[[member]]\nname = \"m1\"\naddresses = [\"198.51.100.11\"]\nstate = \"drain\"\n"));
  CHECK_FALSE(s.select(ip("203.0.113.1"), std::nullopt, {}).has_value());
}

TEST_CASE("a client is not sent back to the member it was redirected from") {
  MemberSteering s = steering_for(config_with(kThree));
  const IpAddress client = ip("203.0.113.9");
  const auto owner = s.select(client, std::nullopt, {});
  REQUIRE(owner.has_value());
  const std::size_t owner_index = owner->member;
  const IpAddress owner_address = std::vector<IpAddress>{ip("198.51.100.11"), ip("198.51.100.12"),
                                                         ip("198.51.100.13")}[owner_index];
  const auto other = s.select(client, owner_address, {});
  REQUIRE(other.has_value());
  CHECK(other->member != owner_index);
  CHECK(reason(*other) == health::PickReason::AvoidedRedirectedFrom);
}

TEST_CASE("a member the monitor finds down gets no clients; its clients move, others stay") {
  const auto config = config_with(kThree);
  MemberSteering before = steering_for(config);
  MemberSteering after =
      steering_for(config, [](ClusterState& c) { c.members[0].state = health::MemberState::Down; });
  int moved = 0;
  for (int i = 1; i < 200; ++i) {
    const IpAddress client = ip(("203.0.113." + std::to_string(i)).c_str());
    const auto was_choice = before.select(client, std::nullopt, {});
    const auto now_choice = after.select(client, std::nullopt, {});
    REQUIRE(was_choice.has_value());
    REQUIRE(now_choice.has_value());
    const std::size_t was = was_choice->member;
    const std::size_t now = now_choice->member;
    CHECK(now != 0);
    if (was == 0)
      ++moved;
    else
      CHECK(now == was);
  }
  CHECK(moved > 0);
}

TEST_CASE("unknown members (no verdict yet) get no clients") {
  MemberSteering s = steering_for(config_with(kThree), [](ClusterState& c) {
    for (auto& m : c.members) m.state = health::MemberState::Unknown;
  });
  CHECK_FALSE(s.select(ip("203.0.113.1"), std::nullopt, {}).has_value());
}

TEST_CASE("a member reporting a load well above the least loaded one's is passed over") {
  MemberSteering s = steering_for(config_with(kThree), [](ClusterState& c) {
    c.members[0].load = 0.9;
    c.members[1].load = 0.2;
    c.members[2].load = 0.25;  // within the default margin (0.1) of m2
  });
  std::map<std::size_t, int> seen;
  for (int i = 1; i < 200; ++i) {
    const auto choice = s.select(ip(("203.0.113." + std::to_string(i)).c_str()), std::nullopt, {});
    REQUIRE(choice.has_value());
    ++seen[choice->member];
  }
  CHECK(seen.count(0) == 0);
  CHECK(seen[1] > 0);
  CHECK(seen[2] > 0);
}

TEST_CASE("an agent-reported capacity replaces the configured one") {
  MemberSteering s = steering_for(config_with(kThree), [](ClusterState& c) {
    for (auto& m : c.members) m.capacity = 1;  // one new client per second each
  });
  // Window 10 s: 10 assignments each, then everyone is full.
  int placed = 0;
  for (int i = 1; i < 100; ++i)
    if (s.select(ip(("203.0.113." + std::to_string(i)).c_str()), std::nullopt, {})) ++placed;
  CHECK(placed == 30);
}

namespace {

// eu: m1, m2; us: m3; ap: m4. 198.51.100.0/25 tries eu then us; 2001:db8:1::/48 tries ap then
// eu; everyone else us then eu.
const std::string kPools = R"(
[topology]
default = ["us", "eu"]
[[topology.network]]
prefixes = ["198.51.100.0/25"]
pools = ["eu", "us"]
[[topology.network]]
prefixes = ["2001:db8:1::/48"]
pools = ["ap", "eu"]
[[member]]
name = "m1"
addresses = ["192.0.2.11", "2001:db8::11"]
pool = "eu"
[[member]]
name = "m2"
addresses = ["192.0.2.12", "2001:db8::12"]
pool = "eu"
[[member]]
name = "m3"
addresses = ["192.0.2.13", "2001:db8::13"]
pool = "us"
[[member]]
name = "m4"
addresses = ["192.0.2.14", "2001:db8::14"]
pool = "ap"
)";

}  // namespace

TEST_CASE("pools: a client goes to the first pool of its topology order that can take it") {
  const auto config = config_with(kPools);
  MemberSteering s = steering_for(config);
  const TimePoint now{};
  auto member_of = [&](const char* client) {
    const auto c = s.select(ip(client), std::nullopt, now);
    REQUIRE(c.has_value());
    return config->members[c->member].name;
  };
  auto why_of = [&](const char* client) {
    return SteeringWhy::unpack(s.select(ip(client), std::nullopt, now)->why);
  };
  for (int i = 1; i < 100; ++i) {
    const std::string eu = "198.51.100." + std::to_string(i);
    const std::string m = member_of(eu.c_str());
    CHECK_MESSAGE((m == "m1" || m == "m2"), eu, " went to ", m);
    CHECK(member_of(("203.0.113." + std::to_string(i)).c_str()) == "m3");
  }
  CHECK(member_of("2001:db8:1::7") == "m4");
  CHECK(member_of("::ffff:198.51.100.7") == member_of("198.51.100.7"));
  const SteeringWhy eu = why_of("198.51.100.7");
  CHECK(eu.matched(ip("198.51.100.7")) == IpPrefix::parse("198.51.100.0/25").value());
  CHECK_FALSE(eu.spilled());
  CHECK_FALSE(why_of("203.0.113.7").matched(ip("203.0.113.7")).has_value());  // the default
}

TEST_CASE("pools: with every member of its first pool down a client spills to the next") {
  const auto config = config_with(kPools);
  MemberSteering s = steering_for(config, [](ClusterState& c) {
    c.members[3].state = health::MemberState::Down;  // ap: m4
  });
  const auto choice = s.select(ip("2001:db8:1::7"), std::nullopt, TimePoint{});
  REQUIRE(choice.has_value());
  CHECK((config->members[choice->member].pool == "eu"));
  const SteeringWhy why = SteeringWhy::unpack(choice->why);
  CHECK(why.spilled());
  CHECK(why.first_skip == health::PoolSkip::NoEligibleMember);
  CHECK(s.plan().pools()[why.first_pool] == "ap");
  CHECK(s.plan().pools()[why.pool] == "eu");
}
