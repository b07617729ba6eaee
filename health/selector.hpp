// Steering: which member a new client goes to. Weighted rendezvous hashing on the client key
// (health/rendezvous.hpp) gives every client a stable preference order over the eligible
// members; "consistent hashing with bounded loads" (Mirrokni, Thorup, Zadimoghaddam, 2018)
// walks that order past members that have recently taken more than their share.
//
// A Selector is built from one snapshot of the member set (construction allocates) and is
// replaced when the set changes. pick() neither allocates nor throws, and is meant for the
// packet path.
//
// Not thread-safe, by design: pick() updates the selector's load window. Use one selector per
// event loop thread; each then bounds the load it assigns itself, and `capacity` applies per
// selector (divide a member's capacity by the number of threads to bound the whole process).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "health/load_window.hpp"

namespace ikesteer::health {

// The most members one selector steers over; pick() keeps per-member scratch on the stack.
inline constexpr std::size_t kMaxMembers = 64;

struct SelectorMember {
  std::string name;            // stable identity: a member's clients follow its name
  double weight = 1.0;         // relative share of clients; > 0 and finite
  std::uint32_t capacity = 0;  // max new clients per second to this member; 0 = unlimited
  bool eligible = true;        // false: never chosen (down, drained, disabled)
  // Load the member reports itself (0..1, its agent's word); unset = unknown.
  std::optional<double> reported_load{};
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
  static Result<Selector, SelectorError> create(std::vector<SelectorMember> members,
                                                const SelectorOptions& options = {});

  // Chooses a member for a new client and counts the assignment in the load window.
  //
  // `key` is the client's steering key (the daemon passes its address masked to the
  // configured prefix). Walks the eligible members in the key's HRW order and takes the first
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
  Pick pick(std::span<const std::byte> key, std::optional<std::size_t> avoid,
            TimePoint now) noexcept;

  // The key's HRW owner, ignoring load, capacity and avoid; nullopt if none is eligible.
  std::optional<std::size_t> owner(std::span<const std::byte> key) const noexcept;

  // Every eligible member in the key's HRW preference order (owner first), for explanations
  // and tests. Allocates.
  std::vector<std::size_t> rank(std::span<const std::byte> key) const;

  // Takes over the previous selector's load window for members present in both (by name), so
  // that rebuilding on a member-set change does not forget recent load. Call before the
  // first pick().
  void carry_load_from(const Selector& previous) noexcept;

  const std::vector<SelectorMember>& members() const noexcept { return members_; }
  const SelectorOptions& options() const noexcept { return options_; }
  // Assignments in the window as of the last pick(), per member and in total.
  std::uint64_t windowed(std::size_t member) const noexcept { return window_.count(member); }
  std::uint64_t windowed_total() const noexcept { return window_.total(); }

 private:
  Selector(std::vector<SelectorMember> members, const SelectorOptions& options,
           std::vector<std::uint64_t> seeds);

  std::vector<SelectorMember> members_;
  SelectorOptions options_;
  std::vector<std::uint64_t> seeds_;         // per member, from its name
  std::vector<std::uint64_t> capacity_cap_;  // per member: capacity x window; 0 = unlimited
  std::vector<std::size_t> eligible_;        // indices of eligible members
  std::vector<bool> busy_;  // per member: reported load above the least loaded's + margin
  LoadWindow window_;
};

}  // namespace ikesteer::health
