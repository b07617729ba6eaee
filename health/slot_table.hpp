// The rendezvous owner of every slot (health/rendezvous.hpp) for one member set, so that a
// client's owner is one table read instead of a score per member.
//
// owner(slot) is the eligible member that ranks first for slot_hash(slot): the highest
// hrw_score, ties broken by ranks_before. A table is immutable once built and is shared
// between the selectors of all event loops (std::shared_ptr<const SlotTable>).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace ikesteer::health {

// A member as the table sees it. Preconditions for every build: weight > 0 and finite,
// seeds distinct, fewer than kNoOwner members.
struct SlotMember {
  std::uint64_t seed;
  double weight;
  bool eligible;
};

class SlotTable {
 public:
  // owner() of a slot when no member is eligible.
  static constexpr std::uint16_t kNoOwner = 0xffff;

  // Scores every eligible member for every slot. Allocates; with n members about 65,536 x n
  // hashes, and a logarithm per slot only for each distinct weight.
  static std::shared_ptr<const SlotTable> build(std::span<const SlotMember> members);

  // The same table, derived from `previous` when it was built for the same seeds and weights
  // in the same order and only eligibility differs: previous itself when nothing differs; else
  // the slots of members that left are recomputed and members that joined are scored once per
  // slot against the slot's owner. Otherwise (or when a full build scores less: many members
  // leaving and joining at once) a full build. `previous` may be null.
  static std::shared_ptr<const SlotTable> build(std::span<const SlotMember> members,
                                                const std::shared_ptr<const SlotTable>& previous);

  // Index into the members given at build, or kNoOwner.
  std::uint16_t owner(std::uint16_t slot) const noexcept { return owners_[slot]; }
  std::span<const std::uint16_t> owners() const noexcept { return owners_; }
  std::span<const SlotMember> members() const noexcept { return members_; }

  // How the table was made, for tests and benchmarks (a reused table keeps its own).
  enum class Origin : std::uint8_t { Full, Incremental };
  Origin origin() const noexcept { return origin_; }

 private:
  SlotTable(std::vector<SlotMember> members, Origin origin);
  void fill();
  void fill_equal(std::span<const std::uint16_t> group, std::span<std::uint64_t> best_key,
                  std::span<std::uint16_t> best) const noexcept;
  std::uint16_t rank_first(std::uint16_t slot) const noexcept;
  bool ranks_before(std::uint16_t a, std::uint16_t b, std::uint64_t hash) const noexcept;

  std::vector<SlotMember> members_;
  std::vector<std::uint16_t> owners_;  // kSlots entries
  Origin origin_;
};

}  // namespace ikesteer::health
