// Weighted rendezvous hashing: stickiness, shares, and minimal movement when members change.
#include "health/rendezvous.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "health/selector.hpp"
#include "test_support.hpp"

namespace ikesteer::health {
namespace {

using test::make_selector;
using test::prefix_key;

constexpr std::uint32_t kClients = 100'000;

std::vector<SelectorMember> equal_members(std::size_t n) {
  std::vector<SelectorMember> m;
  for (std::size_t i = 0; i < n; ++i) m.push_back({"gw-" + std::to_string(i), 1.0, 0, true});
  return m;
}

// Owner name per client, so that selectors with differently ordered members compare.
std::vector<std::string> owners(const Selector& s) {
  std::vector<std::string> out;
  out.reserve(kClients);
  for (std::uint32_t i = 0; i < kClients; ++i)
    out.push_back(s.members()[s.owner(prefix_key(i).span()).value()].name);
  return out;
}

TEST_CASE("hrw_score is positive and finite at the extremes of u") {
  // mix64(0) == 0 gives the smallest u, and some seed ^ client maps to the largest.
  CHECK(hrw_score(0, 0, 1.0) > 0.0);
  CHECK(std::isfinite(hrw_score(0, 0, 1.0)));
  for (std::uint64_t x : {1ULL, 0xffffffffffffffffULL, 0x8000000000000000ULL}) {
    const double s = hrw_score(x, 0, 3.0);
    CHECK(s > 0.0);
    CHECK(std::isfinite(s));
  }
}

TEST_CASE("the hash functions are pinned: every front end must agree on owners") {
  // Changing member_seed, client_hash or hrw_score moves clients between gateways on upgrade
  // and makes mixed-version front ends disagree. Update these only on purpose.
  CHECK(member_seed("gw-a") == 0xeaf393d39961ca09ULL);
  CHECK(client_hash(prefix_key(7).span()) == 0x44c5ef7e35913065ULL);
  const Selector s = make_selector(
      {{"gw-a", 1, 0, true}, {"gw-b", 2, 0, true}, {"gw-c", 3, 0, true}, {"gw-d", 4, 0, true}});
  // Scores are over the key's slot (issue 13): these orders changed with slots.
  CHECK(s.rank(prefix_key(0).span()) == std::vector<std::size_t>{3, 0, 2, 1});
  CHECK(s.rank(prefix_key(1).span()) == std::vector<std::size_t>{3, 2, 1, 0});
  CHECK(s.rank(prefix_key(2).span()) == std::vector<std::size_t>{2, 0, 1, 3});
}

TEST_CASE("same key and member set give the same member, whatever the member order") {
  const Selector forward =
      make_selector({{"alpha", 1, 0, true}, {"beta", 2, 0, true}, {"gamma", 1, 0, true}});
  const Selector reversed =
      make_selector({{"gamma", 1, 0, true}, {"beta", 2, 0, true}, {"alpha", 1, 0, true}});
  for (std::uint32_t i = 0; i < 10'000; ++i) {
    const test::Key k = prefix_key(i);
    const auto key = k.span();
    const std::size_t a = forward.owner(key).value();
    CHECK(forward.owner(key) == a);
    REQUIRE(forward.members()[a].name == reversed.members()[reversed.owner(key).value()].name);
  }
}

TEST_CASE("rank lists every eligible member once, owner first") {
  std::vector<SelectorMember> m = equal_members(6);
  m[2].eligible = false;
  const Selector s = make_selector(m);
  for (std::uint32_t i = 0; i < 1000; ++i) {
    const test::Key k = prefix_key(i);
    const auto key = k.span();
    const std::vector<std::size_t> r = s.rank(key);
    REQUIRE(r.size() == 5);
    CHECK(r.front() == s.owner(key));
    std::vector<bool> seen(6, false);
    for (std::size_t x : r) {
      CHECK(x != 2);
      CHECK(!seen[x]);
      seen[x] = true;
    }
  }
}

TEST_CASE("shares follow weights within 2 % over 100,000 clients") {
  const std::vector<double> weights{1, 2, 3, 4};
  std::vector<SelectorMember> m;
  for (std::size_t i = 0; i < weights.size(); ++i)
    m.push_back({"gw-" + std::to_string(i), weights[i], 0, true});
  const Selector s = make_selector(m);
  std::vector<std::uint32_t> count(weights.size(), 0);
  for (std::uint32_t i = 0; i < kClients; ++i) ++count[s.owner(prefix_key(i).span()).value()];
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const double expected = weights[i] / 10.0 * kClients;
    CAPTURE(i);
    CAPTURE(count[i]);
    CHECK(std::abs(count[i] - expected) <= 0.02 * expected);
  }
}

TEST_CASE("removing one of N members moves only its clients, about 1/N of them") {
  constexpr std::size_t kN = 5;
  const std::vector<std::string> before = owners(make_selector(equal_members(kN)));
  std::vector<SelectorMember> removed = equal_members(kN);
  removed.erase(removed.begin() + 2);
  std::vector<SelectorMember> ineligible = equal_members(kN);
  ineligible[2].eligible = false;

  // Dropping the member from the list and marking it ineligible must agree.
  const std::vector<std::string> after = owners(make_selector(removed));
  CHECK(after == owners(make_selector(ineligible)));

  std::size_t moved = 0;
  std::size_t collateral = 0;
  std::map<std::string, std::size_t> moved_to;
  for (std::uint32_t i = 0; i < kClients; ++i) {
    if (before[i] == "gw-2") {
      ++moved;
      ++moved_to[after[i]];
    } else if (after[i] != before[i]) {
      ++collateral;
    }
  }
  CHECK(collateral == 0);
  CHECK(std::abs(static_cast<double>(moved) / kClients - 1.0 / kN) < 0.01);
  // The departed member's clients spread evenly over the survivors.
  REQUIRE(moved_to.size() == kN - 1);
  for (const auto& survivor : moved_to) {
    CAPTURE(survivor.first);
    CHECK(std::abs(static_cast<double>(survivor.second) / static_cast<double>(moved) -
                   1.0 / (kN - 1)) < 0.02);
  }
}

TEST_CASE("adding a member takes clients from every other member in proportion") {
  const std::vector<SelectorMember> old_members{
      {"gw-a", 1, 0, true}, {"gw-b", 2, 0, true}, {"gw-c", 3, 0, true}};
  std::vector<SelectorMember> new_members = old_members;
  new_members.push_back({"gw-d", 2, 0, true});  // 2 of 8: a quarter of everyone's clients
  const std::vector<std::string> before = owners(make_selector(old_members));
  const std::vector<std::string> after = owners(make_selector(new_members));

  std::map<std::string, std::size_t> had;
  std::map<std::string, std::size_t> lost;
  for (std::uint32_t i = 0; i < kClients; ++i) {
    ++had[before[i]];
    if (after[i] != before[i]) {
      CHECK(after[i] == "gw-d");  // nobody moves between old members
      ++lost[before[i]];
    }
  }
  for (const auto& old_member : had) {
    CAPTURE(old_member.first);
    CHECK(std::abs(static_cast<double>(lost[old_member.first]) /
                       static_cast<double>(old_member.second) -
                   0.25) < 0.015);
  }
}

}  // namespace
}  // namespace ikesteer::health
