#include "frontend/member_steering.hpp"

#include <doctest/doctest.h>

#include <map>

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

IpAddress ip(const char* s) {
  return *IpAddress::parse(s);
}

}  // namespace

TEST_CASE("a client is sent to its member's address in its own family, or the FQDN") {
  MemberSteering s(config_with(kThree), 1);
  const TimePoint now{};
  std::map<std::string, int> seen;
  for (int i = 1; i < 200; ++i) {
    const IpAddress client = ip(("203.0.113." + std::to_string(i)).c_str());
    const auto id = s.select(client, std::nullopt, now);
    REQUIRE(id.has_value());
    REQUIRE(s.last_decision().has_value());
    const std::size_t m = s.last_decision()->member;
    CHECK(*id == s.identity(m, IpFamily::V4));
    ++seen[describe(*id)];
  }
  CHECK(seen.size() == 3);
  CHECK(seen.count("198.51.100.11") == 1);
  CHECK(seen.count("m3.vpn.example") == 1);
  CHECK(describe(s.identity(0, IpFamily::V6)) == "2001:db8::11");
  // m2 has no IPv6 address: IPv6 clients get its IPv4 one (clients follow cross-family).
  CHECK(describe(s.identity(1, IpFamily::V6)) == "198.51.100.12");
}

TEST_CASE("the same client gets the same member; clients in one prefix share it") {
  auto config = parse_config(kThree + "[steering]\nipv4_prefix = 24\n", "t.toml");
  REQUIRE(config.has_value());
  MemberSteering s(std::make_shared<const Config>(std::move(config).value()), 1);
  const auto first = s.select(ip("203.0.113.7"), std::nullopt, TimePoint{});
  CHECK(s.select(ip("203.0.113.7"), std::nullopt, TimePoint{}) == first);
  CHECK(s.select(ip("203.0.113.200"), std::nullopt, TimePoint{}) == first);
}

TEST_CASE("drained and maintenance members get no clients") {
  MemberSteering s(config_with(R"(
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
)"),
                   1);
  for (int i = 1; i < 100; ++i) {
    const auto id = s.select(ip(("203.0.113." + std::to_string(i)).c_str()), std::nullopt, {});
    REQUIRE(id.has_value());
    CHECK(describe(*id) == "198.51.100.12");
  }
}

TEST_CASE("no eligible member: no redirect target") {
  MemberSteering s(
      config_with(
          "[[member]]\nname = \"m1\"\naddresses = [\"198.51.100.11\"]\nstate = \"drain\"\n"),
      1);
  CHECK_FALSE(s.select(ip("203.0.113.1"), std::nullopt, {}).has_value());
  CHECK_FALSE(s.last_decision().has_value());
}

TEST_CASE("a client is not sent back to the member it was redirected from") {
  MemberSteering s(config_with(kThree), 1);
  const IpAddress client = ip("203.0.113.9");
  const auto owner = s.select(client, std::nullopt, {});
  REQUIRE(owner.has_value());
  const std::size_t owner_index = s.last_decision()->member;
  const IpAddress owner_address = std::vector<IpAddress>{ip("198.51.100.11"), ip("198.51.100.12"),
                                                         ip("198.51.100.13")}[owner_index];
  const auto other = s.select(client, owner_address, {});
  REQUIRE(other.has_value());
  CHECK(s.last_decision()->member != owner_index);
  CHECK(s.last_decision()->reason == health::PickReason::AvoidedRedirectedFrom);
}
