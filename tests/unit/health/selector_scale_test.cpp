// A thousand members: minimal movement when one leaves or joins, weights, and the O(1) path.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "health/selector.hpp"
#include "test_support.hpp"

namespace ikesteer::health {
namespace {

using test::make_selector;
using test::prefix_key;

constexpr std::uint32_t kClients = 100'000;
constexpr std::size_t kN = 1000;

std::vector<SelectorMember> members(std::size_t n) {
  std::vector<SelectorMember> m;
  for (std::size_t i = 0; i < n; ++i) m.push_back({"gw-" + std::to_string(i)});
  return m;
}

std::vector<std::string> owners(const Selector& s) {
  std::vector<std::string> out;
  out.reserve(kClients);
  for (std::uint32_t i = 0; i < kClients; ++i)
    out.push_back(s.members()[s.owner(prefix_key(i).span()).value()].name);
  return out;
}

TEST_CASE("removing one member of 1,000 moves exactly its clients") {
  const Selector before = make_selector(members(kN));
  std::vector<SelectorMember> m = members(kN);
  m[417].eligible = false;
  auto after = Selector::create(m, {}, &before);
  REQUIRE(after.has_value());
  CHECK(after->slot_table()->origin() == SlotTable::Origin::Incremental);
  // Removed from the list (a full build) or marked ineligible: the same owners.
  m.erase(m.begin() + 417);
  const std::vector<std::string> removed = owners(make_selector(m));
  const std::vector<std::string> a = owners(before);
  const std::vector<std::string> b = owners(*after);
  CHECK(b == removed);
  std::size_t moved = 0;
  for (std::uint32_t i = 0; i < kClients; ++i) {
    if (a[i] == "gw-417") {
      ++moved;
      REQUIRE(b[i] != "gw-417");
    } else {
      REQUIRE(b[i] == a[i]);
    }
  }
  CAPTURE(moved);
  CHECK(moved > kClients / kN / 3);
  CHECK(moved < kClients / kN * 3);
}

TEST_CASE("adding a member to 1,000 moves clients only to it") {
  const Selector before = make_selector(members(kN));
  std::vector<SelectorMember> m = members(kN);
  m.push_back({"gw-new"});
  const std::vector<std::string> a = owners(before);
  const std::vector<std::string> b = owners(make_selector(m));
  std::size_t moved = 0;
  for (std::uint32_t i = 0; i < kClients; ++i) {
    if (b[i] == a[i]) continue;
    ++moved;
    REQUIRE(b[i] == "gw-new");
  }
  CAPTURE(moved);
  CHECK(moved > kClients / kN / 3);
  CHECK(moved < kClients / kN * 3);
}

TEST_CASE("weights are honoured among 1,000 members") {
  std::vector<SelectorMember> m = members(kN);
  for (std::size_t i = 1; i < kN; i += 2) m[i].weight = 3.0;  // 3 of every 4 clients to odd
  const Selector s = make_selector(m);
  std::size_t odd = 0;
  for (std::uint32_t i = 0; i < kClients; ++i) odd += *s.owner(prefix_key(i).span()) % 2;
  CAPTURE(odd);
  CHECK(std::abs(static_cast<double>(odd) / kClients - 0.75) < 0.01);
}

TEST_CASE("rank and owner agree with 1,000 members, and picks mostly take the owner") {
  std::vector<SelectorMember> m = members(kN);
  for (std::size_t i = 0; i < kN; i += 3) m[i].weight = 2.0;
  Selector s = make_selector(m);
  for (std::uint32_t i = 0; i < 200; ++i) {
    const auto key = prefix_key(i * 7919);
    const std::vector<std::size_t> r = s.rank(key.span());
    REQUIRE(r.size() == kN);
    REQUIRE(r.front() == s.owner(key.span()));
  }
  std::size_t by_owner = 0;
  for (std::uint32_t i = 0; i < 50'000; ++i) {
    const auto key = prefix_key(i);
    const Pick p = s.pick(key.span(), std::nullopt, test::kT0 + std::chrono::milliseconds(i));
    REQUIRE(p.member.has_value());
    if (p.reason == PickReason::HashOwner) {
      REQUIRE(p.member == s.owner(key.span()));
      ++by_owner;
    }
  }
  CAPTURE(by_owner);
  CHECK(by_owner > 40'000);
}

}  // namespace
}  // namespace ikesteer::health
