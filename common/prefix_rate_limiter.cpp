#include "common/prefix_rate_limiter.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <chrono>

#include "common/hash.hpp"

namespace ikesteer {

PrefixRateLimiter::PrefixRateLimiter(const PrefixRateLimiterOptions& options)
    : options_(options),
      table_(std::bit_ceil(std::max<std::size_t>(options.buckets, 1)), TimePoint::min()) {
  set_rate();
}

void PrefixRateLimiter::reconfigure(const PrefixRateLimiterOptions& options) noexcept {
  assert(std::bit_ceil(std::max<std::size_t>(options.buckets, 1)) == table_.size());
  options_ = options;
  std::fill(table_.begin(), table_.end(), TimePoint::min());
  set_rate();
}

void PrefixRateLimiter::set_rate() noexcept {
  interval_ = tolerance_ = Duration{};
  if (options_.rate != 0) {
    interval_ = std::chrono::duration_cast<Duration>(std::chrono::seconds(1)) / options_.rate;
    tolerance_ = interval_ * (std::max<std::uint32_t>(options_.burst, 1) - 1);
  }
}

std::size_t PrefixRateLimiter::index(const IpAddress& source) const noexcept {
  const IpAddress prefix = source.masked(source.is_v4() ? options_.v4_prefix : options_.v6_prefix);
  return static_cast<std::size_t>(hash_bytes(prefix.bytes(), options_.seed)) & (table_.size() - 1);
}

bool PrefixRateLimiter::allow(const IpAddress& source, TimePoint now) noexcept {
  if (options_.rate == 0) return true;
  TimePoint& next = table_[index(source)];
  const TimePoint start = std::max(next, now);
  if (start - now > tolerance_) return false;
  next = start + interval_;
  return true;
}

}  // namespace ikesteer
