// Per-prefix reply budget for unprotected replies (RFC 7296 §2.6 and spec §1: rate-limit every
// unprotected reply). A fixed table of token buckets indexed by a seeded hash of the source
// address masked to a prefix, so memory does not grow with the number of sources; sources
// whose prefixes collide share a bucket (as in Knot DNS's response rate limiting). Time is
// passed in. Not thread-safe: one limiter per event loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/clock.hpp"
#include "common/ip_address.hpp"

namespace ikesteer {

struct PrefixRateLimiterOptions {
  std::uint32_t rate = 20;         // replies per second per prefix; 0 = unlimited
  std::uint32_t burst = 40;        // bucket capacity; 0 is treated as 1
  unsigned v4_prefix = 24;         // bits of an IPv4 source that select the bucket
  unsigned v6_prefix = 56;         // bits of an IPv6 source that select the bucket
  std::size_t buckets = 1u << 16;  // table size, rounded up to a power of two (at least 1)
  std::uint64_t seed = 0;          // hash seed; pick at random per process
};

class PrefixRateLimiter {
 public:
  // Allocates the whole table here, once (start-up code; may throw std::bad_alloc).
  explicit PrefixRateLimiter(const PrefixRateLimiterOptions& options);

  // Takes one token from the source's bucket; false when it is empty. `now` must not go
  // backwards by more than the burst allows to matter (a steady clock).
  bool allow(const IpAddress& source, TimePoint now) noexcept;

  // Takes new options over the same table, every bucket starting afresh; neither allocates nor
  // throws (for a reload on a packet thread). Precondition: `options.buckets` rounds up to
  // bucket_count().
  void reconfigure(const PrefixRateLimiterOptions& options) noexcept;

  std::size_t bucket_count() const noexcept { return table_.size(); }
  const PrefixRateLimiterOptions& options() const noexcept { return options_; }

 private:
  std::size_t index(const IpAddress& source) const noexcept;
  void set_rate() noexcept;

  PrefixRateLimiterOptions options_;
  Duration interval_{};   // time to earn one token
  Duration tolerance_{};  // (burst - 1) intervals: how far ahead of now a bucket may run
  // Per bucket, the theoretical arrival time of the next conforming reply (GCRA, equivalent to
  // a token bucket of capacity `burst` refilled at `rate`).
  std::vector<TimePoint> table_;
};

}  // namespace ikesteer
