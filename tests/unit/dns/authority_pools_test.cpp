// Cluster names limited to pools or members, and answers by topology (the chooser's member
// names the pool; the ECS scope is how far the chooser says its choice holds).
#include <doctest/doctest.h>

#include <algorithm>

#include "dns/authority.hpp"
#include "dns_test_util.hpp"

namespace ikesteer::dns {
namespace {

using test::Harness;

constexpr std::uint16_t kA = 1;

std::vector<std::string> sorted_texts(const std::vector<test::Record>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.text);
  std::sort(out.begin(), out.end());
  return out;
}

// m1 in pool "west"; m2 and m3 in pool "east".
std::vector<MemberView> pooled_members() {
  auto members = test::test_members();
  members[0].pool = "west";
  members[1].pool = members[2].pool = "east";
  return members;
}

ClusterNameSpec cluster(std::string name, ClusterPolicy policy, std::vector<std::string> pools,
                        std::vector<std::string> members, bool topology) {
  return {std::move(name), policy, 3, 30, 5, 1, std::move(pools), std::move(members), topology};
}

TEST_CASE("authority: a cluster name limited to pools or members answers only from them") {
  Harness h;
  h.snap = test::snapshot(pooled_members(),
                          {cluster("e.vpn.example", ClusterPolicy::All, {"east"}, {}, false),
                           cluster("m.vpn.example", ClusterPolicy::All, {}, {"m1", "m3"}, false),
                           cluster("s.vpn.example", ClusterPolicy::Sticky, {"west"}, {}, false)});
  CHECK(sorted_texts(h.ask({.name = "e.vpn.example."}).answer) ==
        std::vector<std::string>{"192.0.2.12", "192.0.2.13"});
  CHECK(sorted_texts(h.ask({.name = "m.vpn.example."}).answer) ==
        std::vector<std::string>{"192.0.2.11", "192.0.2.13"});
  // Sticky: the chooser's member outside the limit falls back to one inside it.
  h.chooser.result = 2;
  CHECK(sorted_texts(h.ask({.name = "s.vpn.example."}).answer) ==
        std::vector<std::string>{"192.0.2.11"});
  CHECK(h.chooser.last_cluster == 2);
}

TEST_CASE("authority: unknown pools and members in a limit are configuration errors") {
  const auto built = build_snapshot(
      test::test_zones(), {cluster("e.vpn.example", ClusterPolicy::All, {"north"}, {"m9"}, false)},
      pooled_members(), {});
  REQUIRE_FALSE(built.has_value());
  REQUIRE(built.error().size() == 2);
  CHECK(built.error()[0] == "cluster \"e.vpn.example\": no member in pool \"north\"");
  CHECK(built.error()[1] == "cluster \"e.vpn.example\": no member named \"m9\"");
}

TEST_CASE("authority: by topology, all and weighted answer from the chooser's member's pool") {
  Harness h;
  h.snap = test::snapshot(pooled_members(),
                          {cluster("t.vpn.example", ClusterPolicy::All, {}, {}, true),
                           cluster("w.vpn.example", ClusterPolicy::Weighted, {}, {}, true)});
  h.chooser.result = 1;  // m2: pool east
  h.chooser.scope_bits = 16;
  SUBCASE("all: every eligible member of that pool; ECS scope = the chooser's scope") {
    const auto r = h.ask(
        {.name = "t.vpn.example.", .edns = true, .options = test::ecs_option("198.51.100.0", 24)});
    CHECK(sorted_texts(r.answer) == std::vector<std::string>{"192.0.2.12", "192.0.2.13"});
    CHECK(h.chooser.last_cluster == 0);
    CHECK(h.chooser.last_bits == 24);
    REQUIRE(r.opt() != nullptr);
    CHECK(r.opt()->rdata == test::bytes({0, 8, 0, 7, 0, 1, 24, 16, 198, 51, 100}));
  }
  SUBCASE("weighted: `count` members of that pool at most") {
    const auto r = h.ask({.name = "w.vpn.example."});
    CHECK(sorted_texts(r.answer) == std::vector<std::string>{"192.0.2.12", "192.0.2.13"});
  }
  SUBCASE("a choice that holds everywhere gives scope 0") {
    h.chooser.scope_bits = 0;
    const auto r = h.ask(
        {.name = "t.vpn.example.", .edns = true, .options = test::ecs_option("198.51.100.0", 24)});
    REQUIRE(r.opt() != nullptr);
    CHECK(r.opt()->rdata[7] == std::byte{0});
  }
  SUBCASE("no choice: every candidate") {
    h.chooser.result = std::nullopt;
    CHECK(h.ask({.name = "t.vpn.example.", .qtype = kA}).answer.size() == 3);
  }
}

}  // namespace
}  // namespace ikesteer::dns
