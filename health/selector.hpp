// Steering: which member a new client goes to. Weighted rendezvous hashing on the client's
// slot (health/rendezvous.hpp) gives every client a stable preference order over the eligible
// members; "consistent hashing with bounded loads" (Mirrokni, Thorup, Zadimoghaddam, 2018)
// walks that order past members that have recently taken more than their share.
//
// A Selector is built from one snapshot of the member set (construction allocates) and is
// replaced when the set changes. The owner of every slot is precomputed (health/slot_table.hpp),
// so a pick that the owner takes costs O(1) whatever the number of members; only a spill walks
// the order, O(members). pick() neither allocates nor throws, and is meant for the packet
// path.
//
// Not thread-safe, by design: pick() updates the selector's load window. Use one selector per
// event loop thread; each then bounds the load it assigns itself, and `capacity` applies per
// selector (divide a member's capacity by the number of threads to bound the whole process).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "health/load_window.hpp"
#include "health/slot_table.hpp"

namespace ikesteer::health {

// The most members one selector steers over (a slot table holds member indices in 16 bits).
inline constexpr std::size_t kMaxMembers = 4096;

struct SelectorMember {
  std::string name;            // stable identity: a member's clients follow its name
  double weight = 1.0;         // relative share of clients; > 0 and finite
  std::uint32_t capacity = 0;  // max new clients per second to this member; 0 = unlimited
  bool eligible = true;        // false: never chosen (down, drained, disabled)
  // Load the member reports itself (0..1, its agent's word); unset = unknown.
  std::optional<double> reported_load{};
  // The member's pool (health/pool_selector.hpp); a Selector itself ignores it.
  std::uint16_t pool = 0;
};

struct SelectorOptions {
  // A member may take up to load_factor times its weighted share of the assignments in the
  // window before clients spill to their next choice. > 1; lower spreads load more evenly
  // and moves more clients off their hash owner.
  double load_factor = 1.25;
  // How far back assignments count, in one-second buckets. 1 s .. 1 h.
  std::chrono::seconds window{10};
  // Bounded load engages for a member only once it has taken more than this many assignments
  // in the window. At low volume the bound is mostly noise (with 3 members and 1 assignment
  // it would already push a retransmitting client elsewhere); below the floor every client
  // stays with its hash owner.
  std::uint32_t load_floor = 0;
  // Reported load (Cisco ASA's rule): a member whose reported load is more than this above
  // the least loaded eligible member's is passed over while a less loaded one can take the
  // client. Members without a report are never passed over for it.
  double load_margin = 0.1;
};

enum class SelectorError : std::uint8_t {
  TooManyMembers,  // more than kMaxMembers
  EmptyName,
  DuplicateName,  // two members with one name (or, at odds of 2^-64, colliding name hashes)
  BadWeight,      // not > 0 and finite
  BadLoadFactor,  // not > 1 and finite
  BadWindow,      // outside 1 s .. 1 h
  TooManyPools,   // PoolSelector: more than kMaxPools pools
  BadPool,        // PoolSelector: a member's pool is not below the pool count
};
std::string_view to_string(SelectorError e) noexcept;

// Why pick() chose what it chose. "Owner" is the client's first eligible member in HRW order;
// the spill reasons say why the owner was passed over (checked in the order avoid, capacity,
// load), whatever then happened to the members after it.
enum class PickReason : std::uint8_t {
  HashOwner,              // the owner took it
  LoadSpill,              // the owner was over its load bound
  CapacitySpill,          // the owner was at its capacity
  AvoidedRedirectedFrom,  // the owner is the member the client was redirected from
  ReportedLoadSpill,      // the owner reports a load well above the least loaded member's
  Overloaded,             // nothing chosen: every eligible member (but `avoid`) is at capacity
  NoEligibleMember,       // nothing chosen: no member is eligible
};
std::string_view to_string(PickReason r) noexcept;

struct Pick {
  std::optional<std::size_t> member;  // index into the members given at construction
  PickReason reason;
};

class Selector {
 public:
  // `previous` (optional, any selector) lends its slot table: reused as is when the members'
  // names and weights and their eligibility are unchanged, updated for the members that
  // joined or left when only eligibility changed (SlotTable::build), else ignored. Load is
  // carried separately (carry_load_from).
  static Result<Selector, SelectorError> create(std::vector<SelectorMember> members,
                                                const SelectorOptions& options = {},
                                                const Selector* previous = nullptr);

  // Chooses a member for a new client and counts the assignment in the load window.
  //
  // `key` is the client's steering key (the daemon passes its address masked to the
  // configured prefix); its order is that of its slot. Walks the eligible members in the
  // key's HRW order and takes the first
  // that is not `avoid`, is below its capacity (capacity x window seconds assignments in the
  // window), does not report a load above the least loaded member's + load_margin (unless only
  // such members are left) and is within its load bound:
  //     windowed(i) + 1 <= max(load_floor,
  //                            ceil(load_factor * weight(i) / W * (windowed_total + 1)))
  // where W sums the weights of the members still in the running (eligible, not `avoid`, not
  // at capacity). Because load_factor > 1 one of them always qualifies, so the answer is
  // empty only when none is in the running (Overloaded) or none is eligible; the caller
  // decides what to do then. `avoid` (the member named in REDIRECTED_FROM, if any) is skipped
  // unless it is the only eligible member; an out-of-range or ineligible `avoid` is ignored.
  // Deterministic given the member set, the sequence of calls and their times.
  //
  // The owner is read from the slot table and taken at once when it passes the checks with W
  // the weight of every eligible member: that bound is stricter than the walk's, so the walk
  // would take it too. Otherwise the walk runs.
  Pick pick(std::span<const std::byte> key, std::optional<std::size_t> avoid,
            TimePoint now) noexcept;

  // The key's HRW owner, ignoring load, capacity and avoid; nullopt if none is eligible.
  std::optional<std::size_t> owner(std::span<const std::byte> key) const noexcept;

  // Every eligible member in the key's HRW preference order (owner first), for explanations
  // and tests. Allocates.
  std::vector<std::size_t> rank(std::span<const std::byte> key) const;

  // Takes over the previous selector's load window for members present in both (by name), so
  // that rebuilding on a member-set change does not forget recent load. Call before the
  // first pick(). O(members x log members), no allocation (packet threads call it).
  void carry_load_from(const Selector& previous) noexcept;
  // The same for one member: `from`'s member `from_member` into this selector's `member`
  // (whose window must still be empty).
  void carry_load_from(const Selector& from, std::size_t from_member, std::size_t member) noexcept;

  const std::vector<SelectorMember>& members() const noexcept { return members_; }
  const SelectorOptions& options() const noexcept { return options_; }
  // Assignments in the window as of the last pick(), per member and in total.
  std::uint64_t windowed(std::size_t member) const noexcept { return window_.count(member); }
  std::uint64_t windowed_total() const noexcept { return window_.total(); }
  std::size_t eligible_count() const noexcept { return eligible_.size(); }
  // The slot owners, shared with every copy of this selector; null with fewer than 8
  // eligible members (their owner is scored per pick, a few scores).
  const std::shared_ptr<const SlotTable>& slot_table() const noexcept { return table_; }

 private:
  // One eligible member's standing in a walk (pick's scratch).
  struct Candidate {
    double score;
    std::uint64_t seed;
    std::size_t member;
    bool running;     // still in the running: not avoided, not at capacity
    PickReason skip;  // why it is not in the running, when it is not
  };

  Selector(std::vector<SelectorMember> members, const SelectorOptions& options,
           std::vector<std::uint64_t> seeds, const Selector* previous);
  bool at_capacity(std::size_t member) const noexcept {
    return capacity_cap_[member] != 0 && window_.count(member) >= capacity_cap_[member];
  }
  double load_bound(std::size_t member, double weight_sum) const noexcept;
  std::size_t owner_of(std::uint16_t slot) const noexcept;  // precondition: one is eligible
  Pick walk(std::uint64_t slot_hash, std::optional<std::size_t> avoid) noexcept;

  std::vector<SelectorMember> members_;
  SelectorOptions options_;
  std::vector<std::uint64_t> seeds_;                            // per member, from its name
  std::vector<std::pair<std::uint64_t, std::size_t>> by_seed_;  // (seed, member), sorted
  std::vector<std::uint64_t> capacity_cap_;  // per member: capacity x window; 0 = unlimited
  std::vector<std::size_t> eligible_;        // indices of eligible members
  std::vector<bool> busy_;  // per member: reported load above the least loaded's + margin
  double eligible_weight_ = 0.0;
  std::shared_ptr<const SlotTable> table_;
  std::vector<Candidate> scratch_;  // eligible_.size() entries, overwritten by every walk
  LoadWindow window_;
};

}  // namespace ikesteer::health
