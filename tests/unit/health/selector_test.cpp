// pick(): bounded load, capacity, REDIRECTED_FROM avoidance, eligibility and the load window.
#include "health/selector.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/hash.hpp"
#include "test_support.hpp"

namespace ikesteer::health {
namespace {

using namespace std::chrono_literals;
using test::kT0;
using test::make_selector;
using test::prefix_key;

// The bound pick() enforces, recomputed from the outside.
std::uint64_t load_bound(const Selector& s, std::size_t member, double weight_sum,
                         std::uint64_t total) {
  return static_cast<std::uint64_t>(std::ceil(s.options().load_factor * s.members()[member].weight /
                                              weight_sum * static_cast<double>(total)));
}

// The first client key whose HRW owner is `member`.
test::Key key_owned_by(const Selector& s, std::size_t member, std::uint32_t from = 0) {
  for (std::uint32_t i = from;; ++i)
    if (s.owner(prefix_key(i).span()) == member) return prefix_key(i);
}

const std::vector<SelectorMember> kWeighted{
    {"gw-a", 1, 0, true}, {"gw-b", 2, 0, true}, {"gw-c", 3, 0, true}, {"gw-d", 4, 0, true}};

TEST_CASE("with a hot key no member is ever given more than its bound") {
  Selector s = make_selector(kWeighted);
  const test::Key hot = prefix_key(123'456);
  const std::size_t hot_owner = s.owner(hot.span()).value();
  std::size_t hot_spilled = 0;
  // 40,000 requests at 1 ms: the 10 s window fills and then slides for 30 s.
  for (std::uint32_t i = 0; i < 40'000; ++i) {
    const bool is_hot = mix64(i) % 10 < 3;
    const test::Key key = is_hot ? hot : prefix_key(static_cast<std::uint32_t>(mix64(~i) >> 40));
    const Pick p = s.pick(key.span(), std::nullopt, kT0 + i * 1ms);
    REQUIRE(p.member.has_value());
    const std::size_t m = *p.member;
    // Counts include this assignment, so this is windowed + 1 <= bound(total + 1) as picked.
    CAPTURE(i);
    REQUIRE(s.windowed(m) <= load_bound(s, m, 10.0, s.windowed_total()));
    if (is_hot && m != hot_owner) {
      ++hot_spilled;
      CHECK(p.reason == PickReason::LoadSpill);
    }
  }
  // Unbounded, the hot owner would hold 30 % + its 70 % x share of everything.
  CHECK(hot_spilled > 0);
  CHECK(static_cast<double>(s.windowed(hot_owner)) <=
        1.25 * s.members()[hot_owner].weight / 10.0 * static_cast<double>(s.windowed_total()) + 1);
}

TEST_CASE("without skew the hash owner is chosen at least 95 % of the time") {
  Selector s = make_selector(kWeighted);
  std::uint32_t by_owner = 0;
  constexpr std::uint32_t kRequests = 100'000;
  for (std::uint32_t i = 0; i < kRequests; ++i) {
    const test::Key key = prefix_key(static_cast<std::uint32_t>(mix64(i) >> 40));
    const Pick p = s.pick(key.span(), std::nullopt, kT0 + i * 1ms);
    REQUIRE(p.member.has_value());
    if (p.reason == PickReason::HashOwner) {
      CHECK(p.member == s.owner(key.span()));
      ++by_owner;
    } else {
      CHECK(p.reason == PickReason::LoadSpill);
    }
  }
  CAPTURE(by_owner);
  CHECK(by_owner >= kRequests / 100 * 95);
}

TEST_CASE("a member at capacity spills to the next; all at capacity is Overloaded") {
  // A huge load factor takes bounded load out of the picture.
  const SelectorOptions options{100.0, 2s};
  Selector s = make_selector({{"gw-a", 1, 3, true}, {"gw-b", 1, 2, true}}, options);
  const test::Key a_key = key_owned_by(s, 0);
  const test::Key b_key = key_owned_by(s, 1);

  // gw-a takes 3/s x 2 s = 6 in the window, then its clients go to gw-b.
  for (int i = 0; i < 6; ++i) {
    const Pick p = s.pick(a_key.span(), std::nullopt, kT0);
    CHECK(p.member == 0);
    CHECK(p.reason == PickReason::HashOwner);
  }
  Pick p = s.pick(a_key.span(), std::nullopt, kT0 + 500ms);
  CHECK(p.member == 1);
  CHECK(p.reason == PickReason::CapacitySpill);
  for (int i = 0; i < 3; ++i) CHECK(s.pick(b_key.span(), std::nullopt, kT0 + 1s).member == 1);

  // gw-b is at its 2/s x 2 s as well now.
  p = s.pick(a_key.span(), std::nullopt, kT0 + 1s);
  CHECK(!p.member.has_value());
  CHECK(p.reason == PickReason::Overloaded);
  CHECK(s.pick(b_key.span(), std::nullopt, kT0 + 1999ms).reason == PickReason::Overloaded);
  CHECK(s.windowed_total() == 10);  // refusals are not counted

  // Second 0 leaves the window: gw-a is free again, gw-b keeps the 3 of second 1.
  p = s.pick(b_key.span(), std::nullopt, kT0 + 2s);
  CHECK(p.member == 1);
  CHECK(p.reason == PickReason::HashOwner);
  p = s.pick(b_key.span(), std::nullopt, kT0 + 2s);
  CHECK(p.member == 0);
  CHECK(p.reason == PickReason::CapacitySpill);
}

TEST_CASE("the member the client was redirected from is avoided unless it is the only one") {
  Selector s = make_selector(kWeighted);
  const test::Key key = key_owned_by(s, 3);
  const std::vector<std::size_t> order = s.rank(key.span());
  REQUIRE(order.front() == 3);

  Pick p = s.pick(key.span(), 3, kT0);
  CHECK(p.member == order[1]);
  CHECK(p.reason == PickReason::AvoidedRedirectedFrom);
  // Avoiding someone else, or an index that is not a member, changes nothing.
  p = s.pick(key.span(), order[1], kT0);
  CHECK(p.member == 3);
  CHECK(p.reason == PickReason::HashOwner);
  CHECK(s.pick(key.span(), 99, kT0).member == 3);

  std::vector<SelectorMember> lone = kWeighted;
  for (std::size_t i = 0; i < 3; ++i) lone[i].eligible = false;
  Selector only = make_selector(lone);
  p = only.pick(key.span(), 3, kT0);
  CHECK(p.member == 3);
  CHECK(p.reason == PickReason::HashOwner);
  // An ineligible avoid is ignored: gw-d is still the only choice.
  CHECK(only.pick(key.span(), 0, kT0).member == 3);
}

TEST_CASE("an avoided owner that is also at capacity is reported as avoided") {
  Selector s = make_selector({{"gw-a", 1, 1, true}, {"gw-b", 1, 0, true}}, {100.0, 1s});
  const test::Key key = key_owned_by(s, 0);
  REQUIRE(s.pick(key.span(), std::nullopt, kT0).member == 0);
  const Pick p = s.pick(key.span(), 0, kT0);
  CHECK(p.member == 1);
  CHECK(p.reason == PickReason::AvoidedRedirectedFrom);
  // With gw-b full too, nothing is left but the member the client came from: Overloaded.
  Selector full = make_selector({{"gw-a", 1, 0, true}, {"gw-b", 1, 1, true}}, {100.0, 1s});
  const test::Key b_key = key_owned_by(full, 1);
  REQUIRE(full.pick(b_key.span(), std::nullopt, kT0).member == 1);
  CHECK(full.pick(b_key.span(), 0, kT0).reason == PickReason::Overloaded);
}

TEST_CASE("ineligible members are never chosen") {
  std::vector<SelectorMember> m = kWeighted;
  m[3].eligible = false;  // the heaviest
  m[1].capacity = 1;
  Selector s = make_selector(m);
  for (std::uint32_t i = 0; i < 20'000; ++i) {
    const bool hot = i % 3 == 0;
    const test::Key key = prefix_key(hot ? 5 : i);
    const std::optional<std::size_t> avoid =
        i % 7 == 0 ? std::optional<std::size_t>(std::size_t{0}) : std::size_t{3};
    const Pick p = s.pick(key.span(), avoid, kT0 + i * 10ms);
    REQUIRE(p.member.has_value());
    CHECK(*p.member != 3);
    CHECK(s.owner(key.span()) != 3);
  }
  CHECK(s.windowed(3) == 0);
}

TEST_CASE("old assignments stop weighing on the bound after the window") {
  Selector s = make_selector({{"gw-a", 1, 0, true}, {"gw-b", 1, 0, true}}, {1.25, 3s});
  const test::Key a_key = key_owned_by(s, 0);
  // Two members, factor 1.25: gw-a may hold ceil(0.625 x (total + 1)), so only two of a
  // stream of its own clients stay with it.
  CHECK(s.pick(a_key.span(), std::nullopt, kT0).reason == PickReason::HashOwner);
  CHECK(s.pick(a_key.span(), std::nullopt, kT0).reason == PickReason::HashOwner);
  CHECK(s.pick(a_key.span(), std::nullopt, kT0).reason == PickReason::LoadSpill);
  CHECK(s.windowed(0) == 2);
  CHECK(s.pick(a_key.span(), std::nullopt, kT0 + 2999ms).reason == PickReason::HashOwner);
  CHECK(s.windowed(0) == 3);
  CHECK(s.windowed_total() == 4);
  // Second 0 leaves; gw-a keeps only the assignment of second 2.
  CHECK(s.pick(a_key.span(), std::nullopt, kT0 + 3s).reason == PickReason::HashOwner);
  CHECK(s.windowed(0) == 2);
  CHECK(s.windowed_total() == 2);
}

TEST_CASE("a single member takes every client, bounded load or not") {
  Selector s = make_selector({{"solo", 0.5, 0, true}});
  for (std::uint32_t i = 0; i < 1000; ++i) {
    const Pick p = s.pick(prefix_key(i % 3).span(), 0, kT0 + i * 1ms);
    CHECK(p.member == 0);
    CHECK(p.reason == PickReason::HashOwner);
  }
  Selector capped = make_selector({{"solo", 1, 1, true}}, {1.25, 1s});
  CHECK(capped.pick(prefix_key(0).span(), std::nullopt, kT0).member == 0);
  CHECK(capped.pick(prefix_key(0).span(), std::nullopt, kT0).reason == PickReason::Overloaded);
}

TEST_CASE("with no eligible member nothing is chosen") {
  Selector none = make_selector({});
  Selector down = make_selector({{"gw-a", 1, 0, false}, {"gw-b", 1, 0, false}});
  for (Selector* s : {&none, &down}) {
    const Pick p = s->pick(prefix_key(1).span(), 0, kT0);
    CHECK(!p.member.has_value());
    CHECK(p.reason == PickReason::NoEligibleMember);
    CHECK(!s->owner(prefix_key(1).span()).has_value());
    CHECK(s->rank(prefix_key(1).span()).empty());
    CHECK(s->windowed_total() == 0);
  }
}

TEST_CASE("two selectors fed the same calls answer the same") {
  Selector a = make_selector(kWeighted);
  Selector b = make_selector(kWeighted);
  for (std::uint32_t i = 0; i < 5000; ++i) {
    const test::Key key = prefix_key(i % 50);
    const Pick pa = a.pick(key.span(), std::nullopt, kT0 + i * 1ms);
    const Pick pb = b.pick(key.span(), std::nullopt, kT0 + i * 1ms);
    REQUIRE(pa.member == pb.member);
    REQUIRE(pa.reason == pb.reason);
  }
}

TEST_CASE("a rebuilt selector keeps the load of members it shares with the previous one") {
  Selector old = make_selector({{"gw-a", 1, 0, true}, {"gw-b", 1, 0, true}}, {1.25, 10s});
  for (std::uint32_t i = 0; i < 100; ++i)
    REQUIRE(old.pick(prefix_key(i).span(), std::nullopt, kT0 + i * 10ms).member.has_value());
  const std::uint64_t a_load = old.windowed(0);
  const std::uint64_t b_load = old.windowed(1);
  REQUIRE(a_load + b_load == 100);

  // gw-a leaves, gw-c arrives, gw-b moves to the front.
  Selector next = make_selector({{"gw-b", 1, 0, true}, {"gw-c", 1, 0, true}}, {1.25, 10s});
  next.carry_load_from(old);
  CHECK(next.windowed(0) == b_load);
  CHECK(next.windowed(1) == 0);
  CHECK(next.windowed_total() == b_load);
  // The carried load still bounds gw-b: a client of gw-b spills to the empty gw-c.
  const Pick p = next.pick(key_owned_by(next, 0).span(), std::nullopt, kT0 + 1s);
  CHECK(p.member == 1);
  CHECK(p.reason == PickReason::LoadSpill);
  // And it expires on the old schedule.
  (void)next.pick(prefix_key(0).span(), std::nullopt, kT0 + 11s);
  CHECK(next.windowed(0) + next.windowed(1) <= 1);
}

TEST_CASE("reasons have names for logs and counters") {
  CHECK(to_string(PickReason::HashOwner) == "hash_owner");
  CHECK(to_string(PickReason::LoadSpill) == "load_spill");
  CHECK(to_string(PickReason::CapacitySpill) == "capacity_spill");
  CHECK(to_string(PickReason::AvoidedRedirectedFrom) == "avoided_redirected_from");
  CHECK(to_string(PickReason::Overloaded) == "overloaded");
  CHECK(to_string(PickReason::NoEligibleMember) == "no_eligible_member");
}

TEST_CASE("below the load floor a retransmitting client keeps its member") {
  const std::vector<SelectorMember> three{{"m1"}, {"m2"}, {"m3"}};
  SelectorOptions options;
  options.load_floor = 20;
  Selector floored = make_selector(three, options);
  Selector strict = make_selector(three);
  const test::Key key = prefix_key(7);
  const std::size_t owner = *floored.owner(key.span());
  // Twenty tries from one client all land on its owner while the floor holds ...
  for (int i = 0; i < 20; ++i) {
    const Pick p = floored.pick(key.span(), std::nullopt, kT0);
    REQUIRE(p.member.has_value());
    CHECK(*p.member == owner);
    CHECK(p.reason == PickReason::HashOwner);
  }
  // ... and the 21st spills, because the owner is now over both the floor and its share.
  CHECK(floored.pick(key.span(), std::nullopt, kT0).reason == PickReason::LoadSpill);
  // Without a floor the very second try already spills: the paper's bound alone is too
  // strict for a handful of assignments.
  CHECK(strict.pick(key.span(), std::nullopt, kT0).reason == PickReason::HashOwner);
  CHECK(strict.pick(key.span(), std::nullopt, kT0).reason == PickReason::LoadSpill);
}

TEST_CASE("members reporting a load well above the least loaded one's are passed over") {
  Selector s = make_selector({{"gw-a", 1, 0, true, 0.8},
                              {"gw-b", 1, 0, true, 0.3},
                              {"gw-c", 1, 0, true, 0.35},
                              {"gw-d", 1, 0, true}});  // no report: never passed over for load
  std::vector<int> seen(4);
  bool spilled = false;
  for (std::uint32_t i = 0; i < 400; ++i) {
    const Pick p = s.pick(prefix_key(i).span(), std::nullopt, kT0);
    REQUIRE(p.member.has_value());
    ++seen[*p.member];
    spilled |= p.reason == PickReason::ReportedLoadSpill;
  }
  CHECK(seen[0] == 0);
  CHECK(seen[1] > 0);
  CHECK(seen[2] > 0);
  CHECK(seen[3] > 0);
  CHECK(spilled);
}

TEST_CASE("when only heavily loaded members can take a client, they take it") {
  // gw-b (least loaded) is avoided: gw-a, reporting far more, still gets the client.
  Selector s = make_selector({{"gw-a", 1, 0, true, 0.9}, {"gw-b", 1, 0, true, 0.1}});
  for (std::uint32_t i = 0; i < 50; ++i) {
    const Pick p = s.pick(prefix_key(i).span(), 1, kT0);
    REQUIRE(p.member.has_value());
    CHECK(*p.member == 0);
  }
}

}  // namespace
}  // namespace ikesteer::health
