// Per-member assignment counts over a sliding window of one-second buckets.
//
// Memory is fixed at construction (window seconds x members counters); nothing is stored per
// client. An assignment made during second s counts until the window has moved `window`
// seconds past s, i.e. for between window - 1 and window seconds. Not thread-safe: one per
// event loop thread, owned by its Selector.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/clock.hpp"

namespace ikesteer::health {

class LoadWindow {
 public:
  // Preconditions: window >= 1 s. Allocates.
  LoadWindow(std::size_t members, std::chrono::seconds window);

  // Moves the window to `now`, dropping buckets that fell out of it. A `now` earlier than the
  // latest one seen is treated as the latest (counts never come back).
  void advance(TimePoint now) noexcept;

  // Counts one assignment to `member` in the current bucket. Precondition: advance() was
  // called at least once and member < members.
  void add(std::size_t member) noexcept;

  // Counts within the window as of the last advance().
  std::uint64_t count(std::size_t member) const noexcept { return sums_[member]; }
  std::uint64_t total() const noexcept { return total_; }

  // Copies `from_member`'s counts in `from` into `to_member` here (an empty member of a fresh
  // window), aligned on seconds: the load history survives a rebuild of the member set.
  void carry(const LoadWindow& from, std::size_t from_member, std::size_t to_member) noexcept;

 private:
  std::uint32_t& cell(std::size_t slot, std::size_t member) noexcept {
    return cells_[slot * members_ + member];
  }
  void start(std::int64_t second) noexcept;

  std::size_t members_;
  std::size_t buckets_;
  std::vector<std::uint32_t> cells_;  // buckets_ rows of members_ counters
  std::vector<std::uint64_t> sums_;   // per member, over all buckets
  std::uint64_t total_ = 0;
  bool started_ = false;
  std::int64_t head_second_ = 0;  // the second the head bucket counts
  std::size_t head_ = 0;          // slot of the head bucket
};

}  // namespace ikesteer::health
