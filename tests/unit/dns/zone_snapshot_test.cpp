#include "dns/zone_snapshot.hpp"

#include <doctest/doctest.h>

#include "dns/zone_data.hpp"
#include "dns_test_util.hpp"

namespace ikesteer::dns {
namespace {

std::vector<std::string> errors_for(const std::vector<std::string>& records,
                                    std::vector<ClusterNameSpec> clusters = {},
                                    std::vector<MemberView> members = test::test_members()) {
  auto zones = test::test_zones();
  zones[0].records = records;
  auto built = build_snapshot(zones, clusters, members, {});
  return built ? std::vector<std::string>{} : built.error();
}

bool mentions(const std::vector<std::string>& errors, std::string_view text) {
  for (const auto& e : errors)
    if (e.find(text) != std::string::npos) return true;
  return false;
}

TEST_CASE("snapshot: the test zone builds and indexes every owner and empty non-terminal") {
  auto snap = test::snapshot();
  for (const char* name : {"vpn.example", "www.vpn.example", "a.b.c.vpn.example", "b.c.vpn.example",
                           "c.vpn.example", "m1.vpn.example", "gw.vpn.example"}) {
    auto n = name_from_text(name);
    CHECK_MESSAGE(snap->find(n->wire()) != nullptr, name);
  }
  CHECK(snap->find(name_from_text("nope.vpn.example")->wire()) == nullptr);
  CHECK(snap->find(name_from_text("vpn")->wire()) == nullptr);
}

TEST_CASE("snapshot: record errors name the record and the problem") {
  CHECK(mentions(errors_for({"www A 300.1.1.1"}), "record 1 \"www A 300.1.1.1\": bad IPv4"));
  CHECK(mentions(errors_for({"www AAAA 192.0.2.1"}), "bad IPv6"));
  CHECK(mentions(errors_for({"www MX 10 mail"}), "type \"MX\" not supported"));
  CHECK(mentions(errors_for({"www 99999999999 A 192.0.2.1"}), "bad TTL"));
  CHECK(mentions(errors_for({"www A"}), "expected"));
  CHECK(mentions(errors_for({"www.example.org. A 192.0.2.1"}), "outside"));
  CHECK(mentions(errors_for({"sub NS ns.other."}), "delegation"));
  CHECK(mentions(errors_for({"@ CNAME www"}), "CNAME at the apex"));
  CHECK(mentions(errors_for({"x CNAME www", "x TXT hi"}), "CNAME and other data"));
  CHECK(mentions(errors_for({"x CNAME y", "y CNAME x"}), "CNAME loop"));
  CHECK(mentions(errors_for({"x TXT \"unterminated"}), "unterminated"));
  CHECK(mentions(errors_for({"x 10 A 192.0.2.1", "x 20 A 192.0.2.2"}), "RFC 2181 §5.2"));
  CHECK(mentions(errors_for({"x TXT \"" + std::string(256, 'a') + "\""}), "longer than 255"));
  CHECK(errors_for({"x A 192.0.2.1", "x A 192.0.2.1"}).empty());  // duplicates merge
}

TEST_CASE("snapshot: zone, cluster and member errors") {
  CHECK(mentions(errors_for({}, {{"gw.example.org", ClusterPolicy::All}}), "not inside any"));
  CHECK(mentions(errors_for({"gw A 192.0.2.1"}, {{"gw.vpn.example", ClusterPolicy::All}}),
                 "static A/AAAA records on a cluster name"));
  CHECK(mentions(errors_for({}, {{"gw.vpn.example", ClusterPolicy::All},
                                 {"GW.vpn.example.", ClusterPolicy::Sticky}}),
                 "configured twice"));
  CHECK(mentions(errors_for({}, {{"f.vpn.example", ClusterPolicy::Frontend}}), "no frontend"));
  CHECK(mentions(errors_for({}, {{"w.vpn.example", ClusterPolicy::Weighted, 0}}), "count"));
  CHECK(mentions(errors_for({}, {{"t.vpn.example", ClusterPolicy::All, 2, 5, 30}}),
                 "ttl_transition above ttl"));
  CHECK(mentions(errors_for({"m1 A 192.0.2.1"}), "static A/AAAA records on a member name"));
  auto members = test::test_members();
  members[1].name = "bad.name";
  members[2].weight = 0;
  const auto errors = errors_for({}, {}, members);
  CHECK(mentions(errors, "member \"bad.name\": name must be one DNS label"));
  CHECK(mentions(errors, "member \"m3\": weight"));

  auto zones = test::test_zones();
  zones.push_back(zones[0]);
  auto twice = build_snapshot(zones, {}, {}, {});
  REQUIRE_FALSE(twice.has_value());
  CHECK(mentions(twice.error(), "configured twice"));
  zones.pop_back();
  zones[0].ns.clear();
  zones[0].soa.rname = "bad..name";
  auto bad = build_snapshot(zones, {}, {}, {});
  REQUIRE_FALSE(bad.has_value());
  CHECK(mentions(bad.error(), "soa.rname"));
  CHECK(mentions(bad.error(), "no NS"));
}

TEST_CASE("snapshot: a record belongs to the deepest zone") {
  auto zones = test::test_zones();
  ZoneSpec child = zones[0];
  child.origin = "sub.vpn.example";
  child.records = {"www A 192.0.2.99"};
  zones.push_back(child);
  zones[0].records.push_back("x.sub A 192.0.2.98");
  auto built = build_snapshot(zones, {}, {}, {});
  REQUIRE_FALSE(built.has_value());
  CHECK(mentions(built.error(), "deeper zone"));
}

}  // namespace
}  // namespace ikesteer::dns
