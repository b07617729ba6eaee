// The publisher builds everything the packet threads read; the threads only switch to it. These
// tests drive real IKE and DNS handlers through publishes and count their allocations
// (allocation_counter.cpp replaces operator new in this binary).
#include "frontend/cluster/publisher.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <numeric>
#include <set>

#include "../allocation_counter.hpp"
#include "../dns/dns_test_util.hpp"
#include "../redirect/packets.hpp"
#include "frontend/config/config_loader.hpp"
#include "frontend/config/demo_config.hpp"
#include "frontend/packet/dns_handler.hpp"
#include "frontend/packet/ike_handler.hpp"

using namespace ikesteer;
using namespace ikesteer::frontend;

namespace {

std::shared_ptr<const Config> demo_config(const std::string& extra = "") {
  auto c = parse_config(std::string(kDemoConfig) + extra, "demo.toml");
  REQUIRE(c.has_value());
  return std::make_shared<const Config>(std::move(c).value());
}

std::shared_ptr<const ClusterState> start_state(const Config& config) {
  return std::make_shared<const ClusterState>(initial_cluster_state(config, TimePoint{}));
}

std::shared_ptr<const ClusterState> with_down(const ClusterState& state, std::size_t member) {
  auto next = std::make_shared<ClusterState>(state);
  next->members[member].state = health::MemberState::Down;
  return next;
}

Published published(std::shared_ptr<const Config> config,
                    std::shared_ptr<const ClusterState> cluster, unsigned loops) {
  auto p = build_published(std::move(config), std::move(cluster), loops);
  REQUIRE(p.has_value());
  return std::move(p).value();
}

const SocketAddress kClient = SocketAddress::from(*IpAddress::parse("203.0.113.7"), 500);

}  // namespace

TEST_CASE("one publish: the DNS snapshot, the plan and an own selector for each IKE loop") {
  const auto config = demo_config();
  const Published p = published(config, start_state(*config), 3);
  REQUIRE(p.dns != nullptr);
  REQUIRE(p.steering != nullptr);
  REQUIRE(p.ike_loops->size() == 3);
  std::set<const health::PoolSelector*> selectors;
  for (const auto& loop : *p.ike_loops) {
    selectors.insert(&loop->selector);
    CHECK(loop->selector.members().size() == 3);
    CHECK(loop->redirects_per_member == std::vector<std::uint64_t>(3));
  }
  CHECK(selectors.size() == 3);
  CHECK(describe(p.steering->identity(2, IpFamily::V4)) == "m3.vpn.example");
  CHECK(p.steering->member_at(*IpAddress::parse("2001:db8::12")) == 1u);
  CHECK_FALSE(p.steering->member_at(*IpAddress::parse("192.0.2.1")).has_value());
}

TEST_CASE("a member's capacity is shared by the IKE loops, rounded up") {
  const auto config = demo_config();
  auto state = std::make_shared<ClusterState>(*start_state(*config));
  state->members[0].capacity = 10;  // the agent's word
  const Published p = published(config, state, 3);
  CHECK(p.steering->selector().members()[0].capacity == 4);
  CHECK(p.steering->selector().members()[1].capacity == 0);  // unlimited stays unlimited
}

TEST_CASE("an IKE loop follows a publish without allocating; the verdict names the member") {
  const auto config = demo_config();
  const auto state = start_state(*config);
  SharedState shared(published(config, state, 1));
  IkeHandler handler(0, shared);
  const auto request = redirect::test::hex(redirect::test::kInitRequest);
  std::array<std::byte, 1500> out{};

  REQUIRE_FALSE(handler.handle(request, kClient, false, TimePoint{}, out).empty());
  handler.publish();
  const auto& first = handler.counters().redirects_per_member;
  const std::size_t owner =
      static_cast<std::size_t>(std::find(first.begin(), first.end(), 1u) - first.begin());
  REQUIRE(owner < 3);

  shared.publish(published(config, with_down(*state, owner), 1));
  const std::size_t before = test::allocations();
  const auto reply = handler.handle(request, kClient, false, TimePoint{}, out);
  CHECK(test::allocations() == before);
  REQUIRE_FALSE(reply.empty());
  handler.publish();
  const auto& now = handler.counters().redirects_per_member;
  CHECK(now[owner] == 1);  // same member list: the counts go on
  CHECK(std::accumulate(now.begin(), now.end(), std::uint64_t{0}) == 2);

  // A new configuration (a reload, an operator's change) starts the counts afresh, still
  // without allocating.
  shared.publish(published(demo_config(), state, 1));
  const std::size_t again = test::allocations();
  REQUIRE_FALSE(handler.handle(request, kClient, false, TimePoint{}, out).empty());
  CHECK(test::allocations() == again);
  handler.publish();
  const auto& fresh = handler.counters().redirects_per_member;
  CHECK(std::accumulate(fresh.begin(), fresh.end(), std::uint64_t{0}) == 1);
}

TEST_CASE("a DNS thread follows a publish without allocating; sticky answers follow health") {
  const auto config = demo_config();
  const auto state = start_state(*config);
  SharedState shared(published(config, state, 1));
  DnsHandler handler(shared);
  const auto query = dns::test::make_query({.name = "sticky.vpn.example.", .qtype = 1});
  std::array<std::byte, 1232> out{};
  const auto answer = [&] {
    const auto reply = handler.handle(query, kClient, false, TimePoint{}, out);
    REQUIRE_FALSE(reply.empty());
    const auto r = dns::test::decode(reply);
    REQUIRE(r.answer.size() == 1);
    return r.answer[0].text;
  };
  const std::string before_text = answer();
  const auto p = published(config, state, 1);
  const IpAddress resolver = *IpAddress::parse("203.0.113.7");
  const std::size_t owner = *p.steering->selector().owner(p.steering->key(resolver).bytes(),
                                                          p.steering->route(resolver).pools);

  shared.publish(published(config, with_down(*state, owner), 1));
  const std::size_t before = test::allocations();
  const auto reply = handler.handle(query, kClient, false, TimePoint{}, out);
  CHECK(test::allocations() == before);
  REQUIRE_FALSE(reply.empty());
  const std::string after_text = dns::test::decode(reply).answer.at(0).text;
  CHECK(after_text != before_text);
}
