// [topology] and pools in the configuration: what is read, the map it builds, and every
// problem named at its line (TOML) or at file:line (prefix files).
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "frontend/config/config_loader.hpp"
#include "temp_dir.hpp"

using namespace ikesteer;
using namespace ikesteer::frontend;

namespace {

constexpr std::string_view kMembers = R"(
[[member]]
name = "eu1"
addresses = ["192.0.2.11"]
pool = "eu"
[[member]]
name = "us1"
addresses = ["192.0.2.21"]
pool = "us"
[[member]]
name = "ap1"
addresses = ["192.0.2.31"]
pool = "ap"
)";

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

// The route's pools by name, as "eu us".
std::string pools_of(const Config& c, const IpAddress& client) {
  std::string out;
  for (const std::uint16_t p : c.topology.map->route(client).pools)
    out += (out.empty() ? "" : " ") + std::string(p == 0 ? "eu" : p == 1 ? "us" : "ap");
  return out;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("[topology]: inline networks, a prefix file beside the configuration, the default") {
  test::TempDir dir;
  write(dir.file("networks.txt"), "# region map\n203.0.113.0/24 us eu\n2001:db8:2::/48 ap\n");
  const std::string text = std::string(kMembers) + R"(
[topology]
default = ["us", "eu"]
files = ["networks.txt"]
[[topology.network]]
prefixes = ["198.51.100.0/25", "2001:db8:1::/48"]
pools = ["eu", "us"]
)";
  write(dir.file("ikesteer.toml"), text);
  const auto c = load_config(dir.file("ikesteer.toml"));
  REQUIRE(c.has_value());
  REQUIRE(c->topology.map);
  CHECK(pools_of(*c, ip("198.51.100.7")) == "eu us");
  CHECK(pools_of(*c, ip("::ffff:198.51.100.7")) == "eu us");
  CHECK(pools_of(*c, ip("2001:db8:1::5")) == "eu us");
  CHECK(pools_of(*c, ip("203.0.113.9")) == "us eu");
  CHECK(pools_of(*c, ip("2001:db8:2::9")) == "ap");
  CHECK(pools_of(*c, ip("198.51.100.200")) == "us eu");  // the default
  CHECK(c->topology.map->route(ip("198.51.100.200")).matched == std::nullopt);
}

TEST_CASE("without [topology] there is no map: every client tries every pool in order") {
  const auto c = parse_config(std::string(kMembers), "t.toml");
  REQUIRE(c.has_value());
  CHECK(c->topology.map == nullptr);
  CHECK(c->members[1].pool == "us");
}

TEST_CASE("[topology] problems are named at their line and key") {
  const auto e = parse_config(std::string(kMembers) + R"(
[topology]
default = ["eu", "mars"]
[[topology.network]]
prefixes = ["198.51.100.1/24"]
pools = ["eu"]
[[topology.network]]
prefixes = ["198.51.100.128/25"]
pools = ["us", "us"]
)",
                              "t.toml");
  REQUIRE_FALSE(e.has_value());
  REQUIRE(e.error().size() == 3);
  CHECK(e.error()[0] == "t.toml:16:11: topology.default: no member is in pool \"mars\"");
  CHECK(
      e.error()[1].starts_with("t.toml:18:12: topology.network[0].prefixes: \"198.51.100.1/24\": "
                               "host bits set"));
  CHECK(e.error()[2] == "t.toml:22:9: topology.network[1].pools: pool \"us\" named twice");
}

TEST_CASE("a bad prefix file is refused with file:line errors; duplicates across sources too") {
  test::TempDir dir;
  write(dir.file("a.txt"), "192.0.2.0/24 eu\n192.0.2.0/33 eu\n198.51.100.0/24 nowhere\n");
  write(dir.file("b.txt"), "203.0.113.0/24 us\n");
  write(dir.file("c.txt"), "203.0.113.0/24 eu\n");
  const std::string members(kMembers);
  auto errors = [&](const std::string& topology) {
    write(dir.file("t.toml"), members + topology);
    const auto c = load_config(dir.file("t.toml"));
    REQUIRE_FALSE(c.has_value());
    return c.error();
  };
  const auto bad = errors("[topology]\nfiles = [\"a.txt\"]\n");
  REQUIRE(bad.size() == 2);
  CHECK(bad[0].starts_with(dir.file("a.txt") + ":2: bad prefix 192.0.2.0/33"));
  CHECK(bad[1] == dir.file("a.txt") + ":3: unknown pool 'nowhere'");
  const auto twice = errors("[topology]\nfiles = [\"b.txt\", \"c.txt\"]\n");
  REQUIRE(twice.size() == 1);
  CHECK(twice[0] == dir.file("c.txt") + ":1: prefix 203.0.113.0/24 is listed twice (first at " +
                        dir.file("b.txt") + ":1)");
  const auto missing = errors("[topology]\nfiles = [\"none.txt\"]\n");
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].find("topology.files: cannot read " + dir.file("none.txt")) !=
        std::string::npos);
}

TEST_CASE("DNS cluster names answer by topology where there is one, unless they say not") {
  const std::string zone = R"(
[[dns.zone]]
origin = "vpn.example."
ns = ["ns1.vpn.example."]
records = ["ns1 A 192.0.2.53"]
soa = { mname = "ns1.vpn.example.", rname = "hostmaster.vpn.example." }
[[dns.cluster]]
name = "gw.vpn.example."
policy = "sticky"
pools = ["eu"]
[[dns.cluster]]
name = "all.vpn.example."
topology = false
members = ["us1"]
)";
  const auto with = parse_config(std::string(kMembers) + zone + "[topology]\n", "t.toml");
  REQUIRE(with.has_value());
  CHECK(with->dns.clusters[0].topology);
  CHECK(with->dns.clusters[0].pools == std::vector<std::string>{"eu"});
  CHECK_FALSE(with->dns.clusters[1].topology);
  CHECK(with->dns.clusters[1].members == std::vector<std::string>{"us1"});
  const auto without = parse_config(std::string(kMembers) + zone, "t.toml");
  REQUIRE(without.has_value());
  CHECK_FALSE(without->dns.clusters[0].topology);
}
