// Steering over regional pools: every member belongs to one pool, and a client is given an
// ordered list of pools to try (its region's first; health/topology.hpp makes the list). The
// first pool whose own selector chooses a member wins.
//
// Each pool has its own Selector (health/selector.hpp): its own slot table, and its own load
// window, so bounded load and capacity hold within the pool. Like a Selector, a PoolSelector
// is built from one snapshot (construction allocates), pick() neither allocates nor throws,
// and it is not thread-safe: one per event loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "health/selector.hpp"

namespace ikesteer::health {

// The most pools one PoolSelector holds; a pool is a std::uint16_t index below its pool count.
inline constexpr std::size_t kMaxPools = 1024;
// PoolPick::pool and first_pool when there is no such pool.
inline constexpr std::uint16_t kNoPool = 0xffff;

// Why a pool of the client's order was passed over.
#define IKESTEER_POOL_SKIPS(X)                                                            \
  X(None, "none")                           /* not passed: the pool chose the member */   \
  X(NoEligibleMember, "no_eligible_member") /* no member, none eligible, or not a pool */ \
  X(Overloaded, "overloaded")               /* every eligible member is at capacity */    \
  X(OnlyAvoided, "only_avoided") /* its only eligible member is the one the client left */

#define IKESTEER_ENUM_ENTRY(name, text) name,
enum class PoolSkip : std::uint8_t { IKESTEER_POOL_SKIPS(IKESTEER_ENUM_ENTRY) };
#undef IKESTEER_ENUM_ENTRY

std::string_view to_string(PoolSkip s) noexcept;

struct PoolPick {
  std::optional<std::size_t> member;  // index into the members given at construction
  // Why the chosen pool's selector chose that member; with no member, Overloaded when some
  // pool of the order had an eligible member at capacity, else NoEligibleMember.
  PickReason reason;
  std::uint16_t pool;        // the chosen member's pool; kNoPool with no member
  std::uint16_t first_pool;  // the order's first pool; kNoPool for an empty order
  PoolSkip first_skip;       // why the first pool was passed; None when it chose
  // Pools of the order passed before the chosen one (all of them for the last resort, or with
  // no member); saturates at 255.
  std::uint8_t pools_passed;
};

class PoolSelector {
 public:
  // Members' `pool` must be below pool_count (<= kMaxPools); names are unique over all pools
  // and there are at most kMaxMembers members in all. `previous` lends each pool's slot table
  // to the same pool here (Selector::create). Load is carried separately (carry_load_from).
  static Result<PoolSelector, SelectorError> create(std::vector<SelectorMember> members,
                                                    std::size_t pool_count,
                                                    const SelectorOptions& options = {},
                                                    const PoolSelector* previous = nullptr);

  // Chooses a member for a new client: walks `order` (pool indexes, first preferred) and
  // returns the first pool's choice (Selector::pick within the pool). A pool is passed when
  // it is not a pool, has no eligible member, or every eligible member is at capacity. `avoid`
  // (a member index here, from REDIRECTED_FROM) is skipped in its pool; when it is that pool's
  // only eligible member the pool is passed (OnlyAvoided), and the member is taken as a last
  // resort (within its capacity) if no later pool chooses anyone.
  PoolPick pick(std::span<const std::byte> key, std::span<const std::uint16_t> order,
                std::optional<std::size_t> avoid, TimePoint now) noexcept;

  // The slot owner in the first pool of `order` with an eligible member, ignoring load,
  // capacity and avoid (what DNS answers); nullopt if no pool of the order has one.
  std::optional<std::size_t> owner(std::span<const std::byte> key,
                                   std::span<const std::uint16_t> order) const noexcept;

  // Takes over the previous pool selector's load window for members present in both (by
  // name), wherever their pools were. Call before the first pick(). No allocation.
  void carry_load_from(const PoolSelector& previous) noexcept;

  const std::vector<SelectorMember>& members() const noexcept { return members_; }
  std::size_t pool_count() const noexcept { return pools_.size(); }
  // A pool's selector; its member indexes are those of pool_members(pool).
  const Selector& pool(std::uint16_t pool) const noexcept { return pools_[pool]; }
  // The members of a pool, as indexes into members(), in the order given.
  std::span<const std::size_t> pool_members(std::uint16_t pool) const noexcept {
    return pool_members_[pool];
  }
  std::size_t eligible_count(std::uint16_t pool) const noexcept {
    return pools_[pool].eligible_count();
  }
  // Assignments in the member's pool's window as of that pool's last pick().
  std::uint64_t windowed(std::size_t member) const noexcept {
    return pools_[members_[member].pool].windowed(local_[member]);
  }
  std::uint64_t windowed_total(std::uint16_t pool) const noexcept {
    return pools_[pool].windowed_total();
  }

 private:
  PoolSelector(std::vector<SelectorMember> members, std::vector<Selector> pools,
               std::vector<std::vector<std::size_t>> pool_members, std::vector<std::size_t> local,
               std::vector<std::pair<std::uint64_t, std::size_t>> by_seed);

  std::vector<SelectorMember> members_;
  std::vector<Selector> pools_;
  std::vector<std::vector<std::size_t>> pool_members_;          // per pool: local index -> member
  std::vector<std::size_t> local_;                              // per member: index within its pool
  std::vector<std::pair<std::uint64_t, std::size_t>> by_seed_;  // (seed, member), sorted
};

}  // namespace ikesteer::health
