// PoolSelector: the walk over a client's pools, REDIRECTED_FROM across pools, owner(), load
// carried by name, and validation.
#include "health/pool_selector.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace ikesteer::health {
namespace {

using namespace std::chrono_literals;
using test::kT0;
using test::prefix_key;

PoolSelector make_pools(std::vector<SelectorMember> members, std::size_t pool_count,
                        const SelectorOptions& options = {}) {
  auto s = PoolSelector::create(std::move(members), pool_count, options);
  REQUIRE(s.has_value());
  return std::move(s).value();
}

SelectorMember in_pool(std::string name, std::uint16_t pool, std::uint32_t capacity = 0,
                       bool eligible = true) {
  SelectorMember m{std::move(name), 1.0, capacity, eligible};
  m.pool = pool;
  return m;
}

// Pools 0: a0 a1; 1: b0; 2: (none); 3: c0 c1 c2 (c1 down).
std::vector<SelectorMember> regions() {
  return {in_pool("a0", 0), in_pool("b0", 1),           in_pool("a1", 0),
          in_pool("c0", 3), in_pool("c1", 3, 0, false), in_pool("c2", 3)};
}

using Order = std::vector<std::uint16_t>;

TEST_CASE("the first pool of the order that can take the client chooses") {
  PoolSelector s = make_pools(regions(), 4);
  for (std::uint32_t i = 0; i < 200; ++i) {
    const auto key = prefix_key(i);
    PoolPick p = s.pick(key.span(), Order{0, 1, 3}, std::nullopt, kT0);
    REQUIRE(p.member.has_value());
    CHECK(s.members()[*p.member].pool == 0);
    CHECK(p.pool == 0);
    CHECK(p.first_pool == 0);
    CHECK(p.first_skip == PoolSkip::None);
    CHECK(p.pools_passed == 0);
    p = s.pick(key.span(), Order{3, 0}, std::nullopt, kT0);
    REQUIRE(p.member.has_value());
    CHECK((*p.member == 3 || *p.member == 5));
  }
  // Within a pool the choice is that pool's selector's, mapped to the global index.
  const auto key = prefix_key(9);
  CHECK(s.owner(key.span(), Order{3}) == s.pool_members(3)[*s.pool(3).owner(key.span())]);
  CHECK(s.owner(key.span(), Order{2, 1}) == 1);
  CHECK(!s.owner(key.span(), Order{2, 7}).has_value());
}

TEST_CASE("empty pools, pools out of range and pools with nobody up are passed") {
  std::vector<SelectorMember> m = regions();
  m[1].eligible = false;  // b0: pool 1 is down
  PoolSelector s = make_pools(m, 4);
  const PoolPick p = s.pick(prefix_key(1).span(), Order{2, 9, 1, 3}, std::nullopt, kT0);
  REQUIRE(p.member.has_value());
  CHECK(p.pool == 3);
  CHECK(p.first_pool == 2);
  CHECK(p.first_skip == PoolSkip::NoEligibleMember);
  CHECK(p.pools_passed == 3);
  CHECK(p.reason == PickReason::HashOwner);

  const PoolPick none = s.pick(prefix_key(1).span(), Order{2, 1}, std::nullopt, kT0);
  CHECK(!none.member.has_value());
  CHECK(none.reason == PickReason::NoEligibleMember);
  CHECK(none.pool == kNoPool);
  CHECK(none.pools_passed == 2);
  const PoolPick empty = s.pick(prefix_key(1).span(), Order{}, std::nullopt, kT0);
  CHECK(!empty.member.has_value());
  CHECK(empty.first_pool == kNoPool);
}

TEST_CASE("a pool whose members are all at capacity is passed as Overloaded") {
  // b0 takes 2 per second, 1 s window.
  PoolSelector s = make_pools({in_pool("b0", 1, 2), in_pool("a0", 0)}, 2, {1.25, 1s});
  const auto key = prefix_key(4);
  CHECK(s.pick(key.span(), Order{1, 0}, std::nullopt, kT0).member == 0);
  CHECK(s.pick(key.span(), Order{1, 0}, std::nullopt, kT0).member == 0);
  PoolPick p = s.pick(key.span(), Order{1, 0}, std::nullopt, kT0);
  CHECK(p.member == 1);
  CHECK(p.first_skip == PoolSkip::Overloaded);
  CHECK(p.pools_passed == 1);
  p = s.pick(key.span(), Order{1}, std::nullopt, kT0);
  CHECK(!p.member.has_value());
  CHECK(p.reason == PickReason::Overloaded);
  CHECK(s.windowed(0) == 2);
  CHECK(s.windowed_total(1) == 2);
  CHECK(s.windowed(1) == 1);
}

TEST_CASE("the avoided member is skipped in its pool; alone there, it is the last resort") {
  PoolSelector s = make_pools(regions(), 4);
  const auto key = prefix_key(11);
  // In pool 0 (a0, a1) the other member takes the client.
  const std::size_t a_owner = *s.owner(key.span(), Order{0});
  const std::size_t other = a_owner == 0 ? 2 : 0;
  PoolPick p = s.pick(key.span(), Order{0, 1}, a_owner, kT0);
  CHECK(p.member == other);
  CHECK(p.reason == PickReason::AvoidedRedirectedFrom);
  CHECK(p.pool == 0);
  // b0 is pool 1's only member: the client goes on to pool 3 ...
  p = s.pick(key.span(), Order{1, 3}, 1, kT0);
  REQUIRE(p.member.has_value());
  CHECK(p.pool == 3);
  CHECK(p.first_skip == PoolSkip::OnlyAvoided);
  // ... and comes back to b0 when no later pool has anyone.
  p = s.pick(key.span(), Order{1, 2}, 1, kT0);
  CHECK(p.member == 1);
  CHECK(p.pool == 1);
  CHECK(p.first_skip == PoolSkip::OnlyAvoided);
  CHECK(p.pools_passed == 2);
  // An avoided member outside the order's pools changes nothing.
  CHECK(s.pick(key.span(), Order{1}, 0, kT0).member == 1);
}

TEST_CASE("load is carried by member name, across pools") {
  std::vector<SelectorMember> m = regions();
  for (std::uint16_t i = 0; i < 10; ++i) m.push_back(in_pool("d" + std::to_string(i), 2));
  PoolSelector old = make_pools(m, 4);
  for (std::uint32_t i = 0; i < 100; ++i)
    REQUIRE(old.pick(prefix_key(i).span(), Order{0, 3}, std::nullopt, kT0).member.has_value());
  const std::uint64_t a0 = old.windowed(0);
  REQUIRE(a0 > 0);
  // a0 moves to pool 1; a1 leaves.
  m[0].pool = 1;
  m.erase(m.begin() + 2);
  auto next = PoolSelector::create(m, 4, {}, &old);
  REQUIRE(next.has_value());
  next->carry_load_from(old);
  CHECK(next->windowed(0) == a0);
  CHECK(next->windowed_total(1) == a0);
  CHECK(next->windowed_total(0) == 0);
  // Pool 2 is unchanged: its slot table is the previous one.
  REQUIRE(old.pool(2).slot_table() != nullptr);
  CHECK(next->pool(2).slot_table() == old.pool(2).slot_table());
}

TEST_CASE("pool selectors are validated") {
  std::vector<SelectorMember> m = regions();
  CHECK(PoolSelector::create(m, 3).error() == SelectorError::BadPool);
  CHECK(PoolSelector::create(m, kMaxPools + 1).error() == SelectorError::TooManyPools);
  CHECK(PoolSelector::create(m, kMaxPools).has_value());
  m.push_back(in_pool("a0", 3));  // a name taken in another pool
  CHECK(PoolSelector::create(m, 4).error() == SelectorError::DuplicateName);
  CHECK(PoolSelector::create({in_pool("", 0)}, 1).error() == SelectorError::EmptyName);
  CHECK(PoolSelector::create({}, 0).has_value());
}

TEST_CASE("pool skips have names") {
  CHECK(to_string(PoolSkip::None) == "none");
  CHECK(to_string(PoolSkip::NoEligibleMember) == "no_eligible_member");
  CHECK(to_string(PoolSkip::Overloaded) == "overloaded");
  CHECK(to_string(PoolSkip::OnlyAvoided) == "only_avoided");
}

}  // namespace
}  // namespace ikesteer::health
