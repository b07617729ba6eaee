#include "health/pool_selector.hpp"

#include <algorithm>
#include <utility>

#include "health/rendezvous.hpp"

namespace ikesteer::health {
namespace {

// Members by seed (which follows the name), to find a member of another selector by name.
std::vector<std::pair<std::uint64_t, std::size_t>> by_seed(std::span<const SelectorMember> m) {
  std::vector<std::pair<std::uint64_t, std::size_t>> out;
  out.reserve(m.size());
  for (std::size_t i = 0; i < m.size(); ++i) out.emplace_back(member_seed(m[i].name), i);
  std::sort(out.begin(), out.end());
  return out;
}

std::uint8_t saturated(std::size_t n) noexcept {
  return static_cast<std::uint8_t>(std::min<std::size_t>(n, 255));
}

}  // namespace

std::string_view to_string(PoolSkip s) noexcept {
#define IKESTEER_CASE(name, text) \
  case PoolSkip::name:            \
    return text;
  switch (s) { IKESTEER_POOL_SKIPS(IKESTEER_CASE) }
#undef IKESTEER_CASE
  return "unknown";
}

Result<PoolSelector, SelectorError> PoolSelector::create(std::vector<SelectorMember> members,
                                                         std::size_t pool_count,
                                                         const SelectorOptions& options,
                                                         const PoolSelector* previous) {
  if (pool_count > kMaxPools) return fail(SelectorError::TooManyPools);
  if (members.size() > kMaxMembers) return fail(SelectorError::TooManyMembers);
  std::vector<std::vector<std::size_t>> pool_members(pool_count);
  std::vector<std::size_t> local(members.size());
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (members[i].pool >= pool_count) return fail(SelectorError::BadPool);
    local[i] = pool_members[members[i].pool].size();
    pool_members[members[i].pool].push_back(i);
  }

  std::vector<Selector> pools;
  pools.reserve(pool_count);
  for (std::size_t p = 0; p < pool_count; ++p) {
    std::vector<SelectorMember> in_pool;
    in_pool.reserve(pool_members[p].size());
    for (const std::size_t i : pool_members[p]) in_pool.push_back(members[i]);
    const Selector* lender =
        previous && p < previous->pools_.size() ? &previous->pools_[p] : nullptr;
    auto selector = Selector::create(std::move(in_pool), options, lender);
    if (!selector) return fail(selector.error());
    pools.push_back(std::move(selector).value());
  }
  // Each pool's selector refused its own duplicates; names must be unique across pools too.
  auto seeds = by_seed(members);
  if (std::adjacent_find(seeds.begin(), seeds.end(), [](const auto& a, const auto& b) {
        return a.first == b.first;
      }) != seeds.end())
    return fail(SelectorError::DuplicateName);

  return PoolSelector(std::move(members), std::move(pools), std::move(pool_members),
                      std::move(local), std::move(seeds));
}

PoolSelector::PoolSelector(std::vector<SelectorMember> members, std::vector<Selector> pools,
                           std::vector<std::vector<std::size_t>> pool_members,
                           std::vector<std::size_t> local,
                           std::vector<std::pair<std::uint64_t, std::size_t>> by_seed)
    : members_(std::move(members)),
      pools_(std::move(pools)),
      pool_members_(std::move(pool_members)),
      local_(std::move(local)),
      by_seed_(std::move(by_seed)) {}

PoolPick PoolSelector::pick(std::span<const std::byte> key, std::span<const std::uint16_t> order,
                            std::optional<std::size_t> avoid, TimePoint now) noexcept {
  PoolPick out{std::nullopt,   PickReason::NoEligibleMember,
               kNoPool,        order.empty() ? kNoPool : order[0],
               PoolSkip::None, 0};
  const bool avoiding = avoid && *avoid < members_.size() && members_[*avoid].eligible;
  std::optional<std::uint16_t> last_resort;  // the pool the avoided member alone holds
  bool overloaded = false;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::uint16_t p = order[i];
    PoolSkip skip = PoolSkip::NoEligibleMember;
    if (p < pools_.size() && pools_[p].eligible_count() != 0) {
      const bool in_pool = avoiding && members_[*avoid].pool == p;
      if (in_pool && pools_[p].eligible_count() == 1) {
        skip = PoolSkip::OnlyAvoided;
        if (!last_resort) last_resort = p;
      } else {
        const Pick chosen =
            pools_[p].pick(key, in_pool ? std::optional(local_[*avoid]) : std::nullopt, now);
        if (chosen.member) {
          out.member = pool_members_[p][*chosen.member];
          out.reason = chosen.reason;
          out.pool = p;
          out.pools_passed = saturated(i);
          return out;
        }
        skip = PoolSkip::Overloaded;
        overloaded = true;
      }
    }
    if (i == 0) out.first_skip = skip;
  }
  out.pools_passed = saturated(order.size());
  if (last_resort) {
    // The client's own pool again, the avoided member no longer avoided (Selector::pick's
    // rule for a lone member); its capacity still holds.
    const Pick chosen = pools_[*last_resort].pick(key, std::nullopt, now);
    if (chosen.member) {
      out.member = pool_members_[*last_resort][*chosen.member];
      out.reason = chosen.reason;
      out.pool = *last_resort;
      return out;
    }
    overloaded = true;
  }
  out.reason = overloaded ? PickReason::Overloaded : PickReason::NoEligibleMember;
  return out;
}

std::optional<std::size_t> PoolSelector::owner(
    std::span<const std::byte> key, std::span<const std::uint16_t> order) const noexcept {
  for (const std::uint16_t p : order) {
    if (p >= pools_.size()) continue;
    if (const auto local = pools_[p].owner(key)) return pool_members_[p][*local];
  }
  return std::nullopt;
}

void PoolSelector::carry_load_from(const PoolSelector& previous) noexcept {
  for (const auto& [seed, i] : by_seed_) {
    const auto it = std::lower_bound(previous.by_seed_.begin(), previous.by_seed_.end(),
                                     std::pair<std::uint64_t, std::size_t>{seed, 0});
    if (it == previous.by_seed_.end() || it->first != seed) continue;
    const SelectorMember& before = previous.members_[it->second];
    if (before.name != members_[i].name) continue;
    pools_[members_[i].pool].carry_load_from(previous.pools_[before.pool],
                                             previous.local_[it->second], local_[i]);
  }
}

}  // namespace ikesteer::health
