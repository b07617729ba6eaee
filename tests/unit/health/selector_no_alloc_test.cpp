// pick() runs per packet and must not touch the heap. allocation_counter.cpp counts
// the allocations of this test binary.
#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../allocation_counter.hpp"
#include "health/pool_selector.hpp"
#include "health/selector.hpp"
#include "test_support.hpp"

namespace ikesteer::health {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kMembers = 1000;

std::vector<SelectorMember> many_members() {
  std::vector<SelectorMember> m;
  for (std::size_t i = 0; i < kMembers; ++i)
    m.push_back({"gw-" + std::to_string(i), 1.0 + static_cast<double>(i % 4), i % 5 == 0 ? 1U : 0U,
                 i % 9 != 0, i % 7 == 0 ? 0.9 : 0.1, static_cast<std::uint16_t>(i % 10)});
  return m;
}

TEST_CASE("pick() does not allocate, whatever path it takes, with 1,000 members") {
  Selector s = test::make_selector(many_members());
  Selector empty = test::make_selector({});
  const test::Key hot = test::prefix_key(1);

  const std::size_t before = ikesteer::test::allocations();
  std::size_t reasons_seen = 0;
  for (std::uint32_t i = 0; i < 5'000; ++i) {
    // A hot key half the time (it fills its owner's capacity), then a few keys the rest.
    const test::Key key = i % 2 == 0 ? hot : test::prefix_key(i % 64);
    const std::optional<std::size_t> avoid =
        i % 3 == 0 ? std::optional<std::size_t>(i % kMembers) : std::nullopt;
    const Pick p = s.pick(key.span(), avoid, test::kT0 + i * 1ms);
    reasons_seen |= std::size_t{1} << static_cast<unsigned>(p.reason);
    (void)empty.pick(key.span(), std::nullopt, test::kT0);
  }
  const std::size_t during = ikesteer::test::allocations() - before;
  CHECK(during == 0);
  // The loop went through spills, not only the fast path.
  CHECK(reasons_seen == 0b11111);
}

TEST_CASE("PoolSelector::pick() does not allocate, with 1,000 members in 10 pools") {
  auto created = PoolSelector::create(many_members(), 12);
  REQUIRE(created.has_value());
  PoolSelector s = std::move(created).value();
  const std::vector<std::uint16_t> order{11, 3, 4, 5};  // pool 11 is empty

  const std::size_t before = ikesteer::test::allocations();
  std::size_t chosen = 0;
  for (std::uint32_t i = 0; i < 5'000; ++i) {
    const test::Key key = test::prefix_key(i % 3 == 0 ? 1 : i);
    const std::optional<std::size_t> avoid =
        i % 3 == 0 ? std::optional<std::size_t>(i % kMembers) : std::nullopt;
    const PoolPick p = s.pick(key.span(), order, avoid, test::kT0 + i * 1ms);
    chosen += p.member ? 1U : 0U;
    (void)s.owner(key.span(), order);
  }
  CHECK(ikesteer::test::allocations() - before == 0);
  CHECK(chosen == 5'000);
}

TEST_CASE("carrying load into a new selector does not allocate (packet threads do it)") {
  Selector old = test::make_selector(many_members());
  Selector next = test::make_selector(many_members());
  auto pools = PoolSelector::create(many_members(), 10);
  auto next_pools = PoolSelector::create(many_members(), 10);
  REQUIRE(pools.has_value());
  REQUIRE(next_pools.has_value());
  for (std::uint32_t i = 0; i < 1000; ++i) {
    (void)old.pick(test::prefix_key(i).span(), std::nullopt, test::kT0);
    (void)pools->pick(test::prefix_key(i).span(), std::vector<std::uint16_t>{3}, std::nullopt,
                      test::kT0);
  }
  const std::size_t before = ikesteer::test::allocations();
  next.carry_load_from(old);
  next_pools->carry_load_from(*pools);
  CHECK(ikesteer::test::allocations() - before == 0);
  CHECK(next.windowed_total() == old.windowed_total());
  CHECK(next_pools->windowed_total(3) == pools->windowed_total(3));
}

}  // namespace
}  // namespace ikesteer::health
