// The slot table: the owner of each slot is the brute-force HRW winner, and incremental
// builds agree with full ones.
#include "health/slot_table.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/hash.hpp"
#include "health/rendezvous.hpp"

namespace ikesteer::health {
namespace {

std::vector<SlotMember> make_members(std::size_t n, bool weighted) {
  std::vector<SlotMember> m;
  for (std::size_t i = 0; i < n; ++i)
    m.push_back({member_seed("gw-" + std::to_string(i)),
                 weighted ? 1.0 + static_cast<double>(i % 4) * 0.5 : 1.0, i % 7 != 3});
  return m;
}

// Every slot's owner as pick() used to find it: the best score over all eligible members.
std::vector<std::uint16_t> brute_force(const std::vector<SlotMember>& m) {
  std::vector<std::uint16_t> owners(kSlots, SlotTable::kNoOwner);
  for (std::size_t s = 0; s < kSlots; ++s) {
    const std::uint64_t h = slot_hash(static_cast<std::uint16_t>(s));
    double best = 0.0;
    for (std::size_t i = 0; i < m.size(); ++i) {
      if (!m[i].eligible) continue;
      const double score = hrw_score(m[i].seed, h, m[i].weight);
      if (owners[s] == SlotTable::kNoOwner ||
          ranks_before(score, m[i].seed, best, m[owners[s]].seed)) {
        owners[s] = static_cast<std::uint16_t>(i);
        best = score;
      }
    }
  }
  return owners;
}

std::vector<std::uint16_t> owners_of(const SlotTable& t) {
  return {t.owners().begin(), t.owners().end()};
}

TEST_CASE("slot_hash and slot_of are pinned: every front end must agree on slots") {
  CHECK(slot_hash(0) == 0x43d3bb989738f99dULL);
  CHECK(slot_hash(1) == 0xc61ac82eb8e4541bULL);
  CHECK(slot_hash(65535) == 0x223d3706e9c5c67bULL);
  CHECK(slot_of(0xabcd'0123'4567'89efULL) == 0xabcd);
}

TEST_CASE("each slot's owner is the brute-force HRW winner") {
  for (const bool weighted : {false, true}) {
    CAPTURE(weighted);
    const std::vector<SlotMember> m = make_members(40, weighted);
    const auto table = SlotTable::build(m);
    CHECK(table->origin() == SlotTable::Origin::Full);
    CHECK(owners_of(*table) == brute_force(m));
  }
}

TEST_CASE("with no eligible member no slot has an owner") {
  std::vector<SlotMember> m = make_members(5, false);
  for (SlotMember& x : m) x.eligible = false;
  const auto table = SlotTable::build(m);
  for (const std::uint16_t o : table->owners()) REQUIRE(o == SlotTable::kNoOwner);
  CHECK(owners_of(*SlotTable::build({}, nullptr)) == owners_of(*table));
}

TEST_CASE("a table for unchanged members is reused") {
  const std::vector<SlotMember> m = make_members(10, true);
  const auto first = SlotTable::build(m);
  CHECK(SlotTable::build(m, first) == first);
  CHECK(SlotTable::build(m, first)->origin() == SlotTable::Origin::Full);
}

TEST_CASE("incremental builds equal full builds when members leave and join") {
  for (const bool weighted : {false, true}) {
    CAPTURE(weighted);
    std::vector<SlotMember> m = make_members(200, weighted);
    std::shared_ptr<const SlotTable> table = SlotTable::build(m);
    // One leaves, one joins, several leave and join at once, the last one leaves and
    // everyone comes back.
    const std::vector<std::vector<std::size_t>> flips{{17}, {3}, {17, 40, 41, 3, 199}, {0}};
    for (const auto& flip : flips) {
      for (const std::size_t i : flip) m[i].eligible = !m[i].eligible;
      table = SlotTable::build(m, table);
      CHECK(table->origin() == SlotTable::Origin::Incremental);
      REQUIRE(owners_of(*table) == owners_of(*SlotTable::build(m)));
    }
    // All but one leave: ranking their slots again scores no more than a full build.
    std::vector<SlotMember> one = m;
    for (SlotMember& x : one) x.eligible = false;
    one[5].eligible = true;
    table = SlotTable::build(one, table);
    CHECK(table->origin() == SlotTable::Origin::Incremental);
    for (const std::uint16_t o : table->owners()) REQUIRE(o == 5);
    // From nobody to one member: incremental, every slot to it.
    one[5].eligible = false;
    table = SlotTable::build(one, table);
    one[9].eligible = true;
    table = SlotTable::build(one, table);
    CHECK(table->origin() == SlotTable::Origin::Incremental);
    for (const std::uint16_t o : table->owners()) REQUIRE(o == 9);
  }
}

TEST_CASE("members coming up a few at a time are added; a swap of most members is built anew") {
  std::vector<SlotMember> m = make_members(100, false);
  for (SlotMember& x : m) x.eligible = false;
  std::shared_ptr<const SlotTable> table = SlotTable::build(m);
  for (std::size_t i = 0; i < m.size(); i += 3) {  // as at start: verdicts in small bursts
    for (std::size_t j = i; j < std::min(i + 3, m.size()); ++j) m[j].eligible = true;
    table = SlotTable::build(m, table);
    CHECK(table->origin() == SlotTable::Origin::Incremental);
  }
  REQUIRE(owners_of(*table) == owners_of(*SlotTable::build(m)));
  // Even members out, odd ones in (half of them were out): 50 join and 50 leave, more
  // scores than a full build of the 50.
  for (std::size_t i = 0; i < m.size(); ++i) m[i].eligible = i % 2 == 0;
  table = SlotTable::build(m);
  for (std::size_t i = 0; i < m.size(); ++i) m[i].eligible = i % 2 == 1;
  table = SlotTable::build(m, table);
  CHECK(table->origin() == SlotTable::Origin::Full);
  REQUIRE(owners_of(*table) == brute_force(m));
}

TEST_CASE("a different member list is built in full") {
  std::vector<SlotMember> m = make_members(20, false);
  const auto first = SlotTable::build(m);
  m[4].weight = 2.0;
  const auto second = SlotTable::build(m, first);
  CHECK(second->origin() == SlotTable::Origin::Full);
  CHECK(owners_of(*second) == brute_force(m));
  m.pop_back();
  CHECK(SlotTable::build(m, second)->origin() == SlotTable::Origin::Full);
}

}  // namespace
}  // namespace ikesteer::health
