#include "health/slot_table.hpp"

#include <algorithm>
#include <utility>

#include "health/rendezvous.hpp"

namespace ikesteer::health {
namespace {

// Slots scored per pass over the members: a block's keys, owners and hashes stay in cache.
constexpr std::size_t kBlock = 4096;

// slot_hash of every slot, computed once per process.
const std::vector<std::uint64_t>& slot_hashes() {
  static const std::vector<std::uint64_t> hashes = [] {
    std::vector<std::uint64_t> h(kSlots);
    for (std::size_t s = 0; s < kSlots; ++s) h[s] = slot_hash(static_cast<std::uint16_t>(s));
    return h;
  }();
  return hashes;
}

bool same_members(std::span<const SlotMember> a, std::span<const SlotMember> b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.seed == y.seed && x.weight == y.weight;
  });
}

}  // namespace

SlotTable::SlotTable(std::vector<SlotMember> members, Origin origin)
    : members_(std::move(members)), owners_(kSlots, kNoOwner), origin_(origin) {}

std::shared_ptr<const SlotTable> SlotTable::build(std::span<const SlotMember> members) {
  auto table = std::shared_ptr<SlotTable>(
      new SlotTable(std::vector<SlotMember>(members.begin(), members.end()), Origin::Full));
  table->fill();
  return table;
}

std::shared_ptr<const SlotTable> SlotTable::build(
    std::span<const SlotMember> members, const std::shared_ptr<const SlotTable>& previous) {
  if (!previous || !same_members(members, previous->members_)) return build(members);
  std::vector<std::uint16_t> joined;
  std::size_t left = 0;
  std::size_t eligible = 0;
  for (std::size_t i = 0; i < members.size(); ++i) {
    eligible += members[i].eligible ? 1U : 0U;
    if (members[i].eligible == previous->members_[i].eligible) continue;
    if (members[i].eligible)
      joined.push_back(static_cast<std::uint16_t>(i));
    else
      ++left;
  }
  if (joined.empty() && left == 0) return previous;
  // Costs in scores per slot: a full build scores every eligible member; a member that joins
  // is scored once against the owner; one that leaves costs a ranking of the eligible members
  // for each of its slots (1/before of them). Members coming up one burst after another
  // (1,000 at start) are therefore added, not rebuilt each time.
  const std::size_t before = eligible + left - joined.size();
  if (joined.size() * before + left * eligible > eligible * before) return build(members);

  auto table = std::shared_ptr<SlotTable>(
      new SlotTable(std::vector<SlotMember>(members.begin(), members.end()), Origin::Incremental));
  table->owners_ = previous->owners_;
  const std::vector<std::uint64_t>& hashes = slot_hashes();
  std::vector<std::uint16_t>& owners = table->owners_;
  for (std::size_t s = 0; s < kSlots; ++s) {
    if (left != 0 && owners[s] != kNoOwner && !table->members_[owners[s]].eligible)
      owners[s] = table->rank_first(static_cast<std::uint16_t>(s));
    // A slot ranked again above already counted the members that joined; scoring them again
    // against its owner keeps that owner.
    for (const std::uint16_t j : joined)
      if (owners[s] == kNoOwner || table->ranks_before(j, owners[s], hashes[s])) owners[s] = j;
  }
  return table;
}

bool SlotTable::ranks_before(std::uint16_t a, std::uint16_t b, std::uint64_t hash) const noexcept {
  const SlotMember& x = members_[a];
  const SlotMember& y = members_[b];
  if (x.weight == y.weight) {
    const std::uint64_t kx = hrw_key(x.seed, hash);
    const std::uint64_t ky = hrw_key(y.seed, hash);
    return kx > ky || (kx == ky && x.seed < y.seed);
  }
  return health::ranks_before(hrw_score(x.seed, hash, x.weight), x.seed,
                              hrw_score(y.seed, hash, y.weight), y.seed);
}

std::uint16_t SlotTable::rank_first(std::uint16_t slot) const noexcept {
  const std::uint64_t hash = slot_hashes()[slot];
  std::uint16_t best = kNoOwner;
  for (std::size_t m = 0; m < members_.size(); ++m) {
    const auto i = static_cast<std::uint16_t>(m);
    if (members_[i].eligible && (best == kNoOwner || ranks_before(i, best, hash))) best = i;
  }
  return best;
}

void SlotTable::fill_equal(std::span<const std::uint16_t> group, std::span<std::uint64_t> best_key,
                           std::span<std::uint16_t> best) const noexcept {
  const std::vector<std::uint64_t>& hashes = slot_hashes();
  for (std::size_t start = 0; start < kSlots; start += kBlock) {
    const std::size_t end = start + kBlock;
    const std::uint64_t first_seed = members_[group.front()].seed;
    for (std::size_t s = start; s < end; ++s) {
      best_key[s] = hrw_key(first_seed, hashes[s]);
      best[s] = group.front();
    }
    for (const std::uint16_t m : group.subspan(1)) {
      const std::uint64_t seed = members_[m].seed;
      for (std::size_t s = start; s < end; ++s) {
        const std::uint64_t k = hrw_key(seed, hashes[s]);
        if (k > best_key[s] || (k == best_key[s] && seed < members_[best[s]].seed)) {
          best_key[s] = k;
          best[s] = m;
        }
      }
    }
  }
}

void SlotTable::fill() {
  // Members of one weight rank by hrw_key alone; the weight groups' winners then meet on
  // their scores, one logarithm per slot and group.
  std::vector<std::uint16_t> by_weight;
  for (std::size_t m = 0; m < members_.size(); ++m)
    if (members_[m].eligible) by_weight.push_back(static_cast<std::uint16_t>(m));
  if (by_weight.empty()) return;
  std::stable_sort(by_weight.begin(), by_weight.end(), [this](std::uint16_t a, std::uint16_t b) {
    return members_[a].weight < members_[b].weight;
  });

  const std::vector<std::uint64_t>& hashes = slot_hashes();
  std::vector<std::uint64_t> best_key(kSlots);
  std::vector<std::uint16_t> winners(kSlots);
  std::vector<double> owner_score;
  for (auto first = by_weight.begin(); first != by_weight.end();) {
    const double weight = members_[*first].weight;
    const auto last = std::find_if(first, by_weight.end(),
                                   [&](std::uint16_t m) { return members_[m].weight != weight; });
    fill_equal(std::span<const std::uint16_t>(first, last), best_key, winners);
    if (first == by_weight.begin() && last == by_weight.end()) {
      owners_ = winners;
      return;
    }
    if (owner_score.empty()) owner_score.assign(kSlots, 0.0);
    for (std::size_t s = 0; s < kSlots; ++s) {
      const std::uint16_t w = winners[s];
      const double score = hrw_score(members_[w].seed, hashes[s], weight);
      if (owners_[s] == kNoOwner || health::ranks_before(score, members_[w].seed, owner_score[s],
                                                         members_[owners_[s]].seed)) {
        owners_[s] = w;
        owner_score[s] = score;
      }
    }
    first = last;
  }
}

}  // namespace ikesteer::health
