// Response-rate limiting in the style of Knot DNS / NSD RRL: a budget of responses per second
// per source prefix; over budget, every `slip`-th response is sent as a truncated stub (TC=1,
// no answer) so that a real resolver retries over TCP, the others are dropped. A spoofed
// victim then receives at most 1/slip of the flood, and small stubs. TCP is never limited
// (the server does not call check() for it). Time is passed in; one limiter per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/clock.hpp"
#include "common/ip_address.hpp"
#include "common/prefix_rate_limiter.hpp"

namespace ikesteer::dns {

struct RateLimiterCounters {
  std::uint64_t sent = 0;     // within budget
  std::uint64_t slipped = 0;  // over budget, sent truncated
  std::uint64_t dropped = 0;  // over budget, not sent
};

class ResponseRateLimiter {
 public:
  struct Options {
    std::uint32_t responses_per_second = 0;  // per prefix; 0 = off (everything is sent)
    std::uint32_t burst = 0;                 // bucket size; 0 = responses_per_second
    unsigned slip = 2;                       // 0: drop all; 1: slip all; n: slip every n-th
    unsigned ipv4_prefix = 24, ipv6_prefix = 56;
    std::size_t buckets = 1u << 16;
    std::uint64_t seed = 0;  // hash seed; pick at random per process
    bool operator==(const Options&) const = default;
  };
  enum class Action : std::uint8_t { Send, Slip, Drop };

  // Allocates the bucket table (start-up code).
  explicit ResponseRateLimiter(const Options& options);

  // Decides the fate of one UDP response to `source` and counts it.
  Action check(const IpAddress& source, TimePoint now) noexcept;

  // New options over the same table (same `buckets`), every bucket afresh, counters kept;
  // neither allocates nor throws.
  void reconfigure(const Options& options) noexcept;
  const Options& options() const noexcept { return options_; }

  const RateLimiterCounters& counters() const noexcept { return counters_; }

 private:
  Options options_;
  PrefixRateLimiter buckets_;
  std::uint64_t limited_ = 0;  // over-budget responses so far, for the slip cadence
  RateLimiterCounters counters_;
};

// Rewrites a response in place as a truncated stub for Action::Slip: header and question
// only, TC=1, ANCOUNT = NSCOUNT = ARCOUNT = 0 (RFC 1035 §4.1.1). Returns the stub, a prefix
// of `response`; empty if `response` is not a well-formed message with one question.
std::span<const std::byte> slip_response(std::span<std::byte> response) noexcept;

}  // namespace ikesteer::dns
