#include <doctest/doctest.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "frontend/config/config_loader.hpp"
#include "frontend/config/demo_config.hpp"
#include "temp_dir.hpp"
#include "test_certificate.hpp"

using namespace ikesteer;
using namespace ikesteer::frontend;

namespace {

constexpr std::string_view kMember = R"(
[[member]]
name = "m1"
addresses = ["198.51.100.11"]
)";

std::vector<std::string> errors_of(const std::string& text) {
  auto r = parse_config(text, "t.toml");
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

}  // namespace

TEST_CASE("the documented example holds exactly the defaults") {
  auto example = load_config(IKESTEER_EXAMPLE_CONFIG);
  REQUIRE(example.has_value());
  Config defaults;
  defaults.members = example->members;
  // The example also shows one zone and one cluster name; everything else is a default.
  defaults.dns.enabled = true;
  defaults.http.enabled = true;
  defaults.dns.zones = example->dns.zones;
  defaults.dns.clusters = example->dns.clusters;
  CHECK(*example == defaults);
  REQUIRE(example->dns.zones.size() == 1);
  dns::SoaSpec soa_defaults;
  soa_defaults.mname = "ns1.vpn.example.";
  soa_defaults.rname = "hostmaster.vpn.example.";
  CHECK(example->dns.zones[0].soa == soa_defaults);
  CHECK(example->dns.zones[0].ttl == dns::ZoneSpec{}.ttl);
  REQUIRE(example->dns.clusters.size() == 1);
  dns::ClusterNameSpec cluster_defaults;
  cluster_defaults.name = "gw.vpn.example.";
  CHECK(example->dns.clusters[0] == cluster_defaults);
  REQUIRE(example->members.size() == 1);
  MemberConfig m1;
  m1.name = "m1";
  m1.addresses = {*IpAddress::parse("198.51.100.11"), *IpAddress::parse("2001:db8::11")};
  CHECK(example->members[0] == m1);
}

TEST_CASE("the embedded demo configuration is valid") {
  auto demo = parse_config(kDemoConfig, kDemoConfigName);
  REQUIRE(demo.has_value());
  CHECK(demo->members.size() == 3);
  CHECK(demo->members[2].gateway == "m3.vpn.example");
}

TEST_CASE("values are read into the configuration") {
  auto c = parse_config(R"(
[ike]
listen = ["203.0.113.1", "2001:db8::1"]
ports = [500]
threads = 2
unsupported_client = "drop"
invalid_syntax_reply = true
[steering]
ipv4_prefix = 24
load_factor = 1.5
[cookies]
threshold = 0
[rate_limit]
replies_per_second = 0
[log]
level = "debug"
[process]
user = "nobody"
[[member]]
name = "a"
addresses = ["198.51.100.11"]
weight = 3
capacity = 500
state = "drain"
gateway = "vpn-a.example.net"
)",
                        "t.toml");
  REQUIRE(c.has_value());
  CHECK(c->ike.listen.size() == 2);
  CHECK(c->ike.ports == std::vector<std::uint16_t>{500});
  CHECK(c->ike.threads == 2);
  CHECK(c->ike.unsupported_client == redirect::UnsupportedClientPolicy::Drop);
  CHECK(c->ike.invalid_syntax_reply);
  CHECK(c->steering.ipv4_prefix == 24);
  CHECK(c->steering.load_factor == 1.5);
  CHECK(c->cookies.threshold == 0);
  CHECK(c->rate_limit.replies_per_second == 0);
  CHECK(c->log.level == LogLevel::Debug);
  CHECK(c->process.user == "nobody");
  CHECK(c->members[0].weight == 3.0);
  CHECK(c->members[0].capacity == 500);
  CHECK(c->members[0].state == OperatorState::Drain);
  CHECK(c->members[0].gateway == "vpn-a.example.net");
}

TEST_CASE("an unknown key names file, line, column and dotted key") {
  const auto e =
      errors_of("[ike]\nthreads = 1\nlisten_on = [\"127.0.0.1\"]\n" + std::string(kMember));
  REQUIRE(e.size() == 1);
  CHECK(e[0] == "t.toml:3:1: ike.listen_on: unknown key");
}

TEST_CASE("every error is reported in one run") {
  const auto e = errors_of(R"([steering]
ipv4_prefix = 0
load_factor = 1.0
[cookies]
enabled = "yes"
[bogus]
[[member]]
name = "m1"
addresses = ["not-an-ip"]
[[member]]
name = "m1"
addresses = ["198.51.100.12"]
weight = -1
)");
  // In file order, although TOML tables iterate in key order.
  REQUIRE(e.size() == 7);
  CHECK(e[0] == "t.toml:2:15: steering.ipv4_prefix: must be 1..32 (got 0)");
  CHECK(e[1].starts_with("t.toml:3:15: steering.load_factor: must be > 1"));
  CHECK(e[2] == "t.toml:5:11: cookies.enabled: must be true or false");
  CHECK(e[3] == "t.toml:6:2: bogus: unknown key");
  CHECK(e[4] == "t.toml:9:13: member[0].addresses: not an IP address: not-an-ip");
  // The second member: a duplicate name and a bad weight, both reported.
  CHECK(e[5] == "t.toml:10:1: member[1].name: duplicate member name \"m1\"");
  CHECK(e[6].starts_with("t.toml:13:10: member[1].weight: must be > 0"));
}

TEST_CASE("members: required fields, duplicates and shared addresses") {
  CHECK(errors_of("[ike]\nthreads = 1\n")[0].ends_with(
      "member: at least one [[member]] is required"));
  auto e = errors_of("[[member]]\nweight = 2\n");
  CHECK(e.size() == 2);
  CHECK(e[0] == "t.toml:1:1: member[0].name: is required");
  CHECK(e[1] == "t.toml:1:1: member[0].addresses: is required (or host)");
  e = errors_of(std::string(kMember) + std::string(kMember));
  REQUIRE(e.size() == 2);
  CHECK(e[0].ends_with("member[1].name: duplicate member name \"m1\""));
  CHECK(e[1].ends_with("member[1].addresses: address 198.51.100.11 belongs to another member too"));
  e = errors_of(
      "[[member]]\nname = \"x\"\naddresses = [\"198.51.100.1\"]\ngateway = \"bad_host!\"\n");
  CHECK(e[0].starts_with(
      "t.toml:4:11: member[0].gateway: must be \"\", an IP address or a host name"));
}

namespace {

// Members with addresses from 10.0.0.0/8 (not on the wire: never probed here), in `pools`
// pools taken in turn.
std::string many_members(int count, int pools = 1) {
  std::string members;
  for (int i = 0; i < count; ++i)
    members += "[[member]]\nname = \"m" + std::to_string(i) + "\"\naddresses = [\"10.0." +
               std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + "\"]\npool = \"p" +
               std::to_string(i % pools) + "\"\n";
  return members;
}

}  // namespace

TEST_CASE("1,000 members in pools are taken; more than steering takes are refused") {
  const auto thousand = parse_config(many_members(1000, 10), "t.toml");
  REQUIRE(thousand.has_value());
  CHECK(thousand->members.size() == 1000);
  const auto e = errors_of(many_members(4097));
  REQUIRE(e.size() == 1);
  CHECK(e[0] == "t.toml:1:1: member: at most 4096 members (got 4097)");
}

TEST_CASE("listen addresses must be specific, so replies leave from the address asked") {
  const auto e = errors_of("[ike]\nlisten = [\"0.0.0.0\"]\n" + std::string(kMember));
  CHECK(e[0] == "t.toml:2:10: ike.listen: must name specific addresses, not 0.0.0.0");
}

TEST_CASE("enumerations list their choices; syntax errors carry the position") {
  auto e = errors_of("[ike]\nunsupported_client = \"reject\"\n" + std::string(kMember));
  CHECK(e[0] ==
        "t.toml:2:22: ike.unsupported_client: must be one of \"drop\", \"no-proposal-chosen\", "
        "\"temporary-failure\"");
  e = errors_of("[ike\nthreads = 1\n");
  REQUIRE(e.size() == 1);
  CHECK(e[0].starts_with("t.toml:1:"));
  CHECK(e[0].find("(syntax)") != std::string::npos);
}

TEST_CASE("a missing file is an error, not a crash") {
  auto r = load_config("/nonexistent/ikesteer.toml");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error()[0] == "/nonexistent/ikesteer.toml: cannot open the configuration file");
}

TEST_CASE("health and failover settings, and a member's probes inheriting [health]'s timing") {
  auto c = parse_config(R"(
[health]
interval = 0.2
fall = 3
agent_listen = ["127.0.0.1:5555", "[::1]:5555"]
[failover]
hook = ["/usr/local/sbin/move", "--quiet"]
fencing = 1.5
failback = "manual"
[[member]]
name = "m1"
addresses = ["198.51.100.11"]
failover = "member:m2"
agent_key = "00112233445566778899aabbccddeeff"
  [[member.probe]]
  type = "ike"
  address = "192.0.2.11"
  [[member.probe]]
  type = "http"
  address = "192.0.2.11"
  path = "/health"
  expect_body = "ok"
  rise = 5
[[member]]
name = "m2"
host = "gw2.example.net"
)",
                        "t.toml");
  REQUIRE(c.has_value());
  CHECK(c->health.timing.interval_up == std::chrono::milliseconds(200));
  CHECK(c->health.agent_listen.size() == 2);
  CHECK(c->health.agent_listen[1].port == 5555);
  CHECK(c->failover.hook.size() == 2);
  CHECK(c->failover.fencing == std::chrono::milliseconds(1500));
  CHECK_FALSE(c->failover.auto_failback);
  const MemberConfig& m1 = c->members[0];
  CHECK(m1.failover == health::FailoverMode::Member);
  CHECK(m1.failover_member == "m2");
  CHECK(m1.agent_key.size() == 16);
  REQUIRE(m1.probes.size() == 2);
  CHECK(m1.probes[0].timing.interval_up == std::chrono::milliseconds(200));
  CHECK(m1.probes[0].timing.fall == 3);
  CHECK(m1.probes[1].type == ProbeType::Http);
  CHECK(m1.probes[1].timing.rise == 5);
  CHECK(m1.probes[1].timing.fall == 3);
  CHECK(c->members[1].host == "gw2.example.net");
  CHECK(c->members[1].addresses.empty());
}

TEST_CASE("failover settings that cannot work are refused at start, naming line and key") {
  const auto errors = errors_of(R"(
[[member]]
name = "m1"
addresses = ["198.51.100.11"]
failover = "adopt"
  [[member.probe]]
  type = "ike"
[[member]]
name = "m2"
addresses = ["198.51.100.12"]
failover = "member:m9"
[[member]]
name = "m3"
host = "gw3.example.net"
addresses = ["198.51.100.13"]
  [[member.probe]]
  type = "exec"
)");
  const auto has = [&](std::string_view needle) {
    return std::any_of(errors.begin(), errors.end(),
                       [&](const std::string& e) { return e.find(needle) != std::string::npos; });
  };
  CHECK(has("t.toml:2:1: member[0].failover: \"adopt\" needs failover.interface"));
  CHECK(has("member[0].probe[0].address: must be a fixed (management) address"));
  CHECK(has("member[1].failover: moving addresses to members needs failover.hook"));
  CHECK(has("member[1].failover: no other member named \"m9\""));
  CHECK(has("member[2].host: give addresses or host, not both"));
  CHECK(has("member[2].probe[0].command: an exec probe needs a command"));
  CHECK(errors_of("[health]\nagent_listen = [\"2001:db8::1:5\"]\n" + std::string(kMember))[0] ==
        "t.toml:2:16: health.agent_listen: not an \"address:port\" or \"[address]:port\": "
        "2001:db8::1:5");
}

TEST_CASE("the [http] table turns the operator side on; TLS needs a certificate and a key") {
  auto c = parse_config(R"([http]
listen = ["127.0.0.1:18080", "[::1]:18080"]
token = "s3cret"
read_timeout = 2.5
)" + std::string(kMember),
                        "t.toml");
  REQUIRE(c.has_value());
  CHECK(c->http.enabled);
  CHECK(c->http.listen.size() == 2);
  CHECK(c->http.token == "s3cret");
  CHECK(c->http.read_timeout == std::chrono::milliseconds(2500));
  CHECK_FALSE(parse_config(std::string(kMember), "t.toml")->http.enabled);
  CHECK(errors_of("[http]\ntls_certificate = \"/etc/ikesteer/cert.pem\"\n" + std::string(kMember))
            .at(0) == "t.toml:1:1: http.tls_key: tls_certificate and tls_key go together");
}

TEST_CASE("[cluster]: values, defaults, and what cannot work is refused with file, line and key") {
  // The daemon reads the CA at start (the etcd client is made then): a PEM certificate.
  const test::TempDir dir("ikst-cluster");
  const std::string ca = dir.file("ca.pem");
  {
    const test::TestCertificate certificate("etcd-ca");
    FILE* out = std::fopen(ca.c_str(), "w");
    REQUIRE(out != nullptr);
    PEM_write_X509(out, certificate.certificate());
    std::fclose(out);
  }
  auto c = parse_config(R"([cluster]
instance = "fe1"
endpoints = ["http://192.0.2.21:2379", "https://[2001:db8::22]:2379"]
tls_ca = ")" + ca + R"("
lease_ttl = 3
advertise = "http://192.0.2.11:8080"
)" + std::string(kMember),
                        "t.toml");
  REQUIRE(c.has_value());
  CHECK(c->cluster.enabled);
  CHECK(c->cluster.instance == "fe1");
  REQUIRE(c->cluster.endpoints.size() == 2);
  CHECK_FALSE(c->cluster.endpoints[0].tls);
  CHECK(c->cluster.endpoints[0].port == 2379);
  CHECK(c->cluster.endpoints[1].tls);
  CHECK(c->cluster.endpoints[1].address == *IpAddress::parse("2001:db8::22"));
  CHECK(c->cluster.prefix == "/ikesteer/");
  CHECK(c->cluster.lease_ttl == std::chrono::seconds(3));
  CHECK_FALSE(parse_config(std::string(kMember), "t.toml")->cluster.enabled);

  CHECK(errors_of("[cluster]\ninstance = \"fe1\"\n" + std::string(kMember)) ==
        std::vector<std::string>{"t.toml:1:1: cluster.endpoints: is required"});
  CHECK(errors_of("[cluster]\ninstance = \"a/b\"\nendpoints = [\"http://192.0.2.21:2379\"]\n" +
                  std::string(kMember))
            .at(0) ==
        "t.toml:2:12: cluster.instance: must be 1 to 63 letters, digits, '-', '_' or '.'");
  CHECK(errors_of("[cluster]\ninstance = \"fe1\"\nendpoints = [\"192.0.2.21:2379\"]\n" +
                  std::string(kMember))
            .at(0) ==
        "t.toml:3:13: cluster.endpoints: not an \"http://address:port\" or "
        "\"https://address:port\": 192.0.2.21:2379");
  CHECK(errors_of("[cluster]\ninstance = \"fe1\"\nendpoints = [\"https://192.0.2.21:2379\"]\n" +
                  std::string(kMember))
            .at(0) ==
        "t.toml:1:1: cluster.tls_ca: https endpoints need the CA that signed their "
        "certificates");
  CHECK(errors_of("[cluster]\ninstance = \"fe1\"\nendpoints = [\"http://192.0.2.21:2379\"]\n"
                  "tls_certificate = \"/nonexistent/cert.pem\"\ntls_key = \"/dev/null\"\n" +
                  std::string(kMember))
            .at(0) == "t.toml:1:1: cluster.tls_certificate: cannot read /nonexistent/cert.pem");
  CHECK(errors_of("[cluster]\ninstance = \"fe1\"\nendpoints = [\"https://192.0.2.21:2379\"]\n"
                  "tls_ca = \"" IKESTEER_EXAMPLE_CONFIG "\"\n" +
                  std::string(kMember))
            .at(0)
            .starts_with("t.toml:1:1: cluster: "));
  CHECK(errors_of("[cluster]\ninstance = \"fe1\"\nendpoints = [\"http://192.0.2.21:2379\"]\n"
                  "lease_ttl = 1\n" +
                  std::string(kMember))
            .at(0) == "t.toml:4:13: cluster.lease_ttl: must be 2..60 seconds (got 1)");
  CHECK(errors_of("[health]\nstate_file = \"/var/lib/ikesteer/state.json\"\n[cluster]\n"
                  "instance = \"fe1\"\nendpoints = [\"http://192.0.2.21:2379\"]\n" +
                  std::string(kMember))
            .at(0) ==
        "t.toml:1:1: health.state_file: operator changes are kept in etcd when "
        "[cluster] is set; remove state_file");
}

TEST_CASE("[sessions] and a member's agent_commands: values, defaults and errors") {
  auto c = parse_config(R"([sessions]
new_ike_sas_per_second = 7.5
over_budget = "cookie"
move_timeout = 30
move_attempts = 5
command_timeout = 0.5
[[member]]
name = "m1"
addresses = ["198.51.100.11"]
agent_key = "00112233445566778899aabbccddeeff"
agent_commands = "[2001:db8::11]:5556"
[[member]]
name = "m2"
addresses = ["198.51.100.12"]
agent_key = "00112233445566778899aabbccddeeff"
agent_commands = "192.0.2.12:5556"
)",
                        "t.toml");
  REQUIRE(c.has_value());
  CHECK(c->sessions.new_ike_sas_per_second == 7.5);
  CHECK(c->sessions.over_budget == redirect::OverBudgetPolicy::Cookie);
  CHECK(c->sessions.move_timeout == std::chrono::seconds(30));
  CHECK(c->sessions.move_attempts == 5);
  CHECK(c->sessions.command_timeout == std::chrono::milliseconds(500));
  REQUIRE(c->members[0].agent_commands.has_value());
  CHECK(c->members[0].agent_commands->address == *IpAddress::parse("2001:db8::11"));
  CHECK(c->members[0].agent_commands->port == 5556);
  CHECK(c->members[1].agent_commands->address == *IpAddress::parse("192.0.2.12"));

  const Config defaults = *parse_config(std::string(kMember), "t.toml");
  CHECK(defaults.sessions.new_ike_sas_per_second == 20);
  CHECK(defaults.sessions.over_budget == redirect::OverBudgetPolicy::Off);
  CHECK(defaults.sessions.move_timeout == std::chrono::seconds(20));
  CHECK(defaults.sessions.move_attempts == 3);
  CHECK(defaults.sessions.command_timeout == std::chrono::seconds(2));
  CHECK_FALSE(defaults.members[0].agent_commands.has_value());

  const auto e = errors_of(R"([sessions]
new_ike_sas_per_second = 0
move_attempts = 0
over_budget = "queue"
[[member]]
name = "m1"
addresses = ["198.51.100.11"]
agent_commands = "192.0.2.11:5556"
[[member]]
name = "m2"
addresses = ["198.51.100.12"]
agent_key = "00112233445566778899aabbccddeeff"
agent_commands = "2001:db8::1:5556"
)");
  REQUIRE(e.size() == 5);
  CHECK(e[0] == "t.toml:2:26: sessions.new_ike_sas_per_second: must be > 0 and <= 1e+06 (got 0)");
  CHECK(e[1] == "t.toml:3:17: sessions.move_attempts: must be 1..100 (got 0)");
  CHECK(e[2] == "t.toml:4:15: sessions.over_budget: must be one of \"off\", \"drop\", \"cookie\"");
  CHECK(e[3] ==
        "t.toml:5:1: member[0].agent_commands: needs agent_key (commands are signed with it)");
  CHECK(e[4] ==
        "t.toml:13:18: member[1].agent_commands: must be \"address:port\" or "
        "\"[address]:port\"");
}
