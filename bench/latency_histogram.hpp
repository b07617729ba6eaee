// Latency percentiles without stored samples, for ikesteer_loadgen.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace ikesteer::bench {

// Log-linear histogram of nanoseconds: exact below 128 ns, then 64 buckets per power of two
// (< 1.6 % error), so percentiles need no stored samples.
class Histogram {
 public:
  void add(std::uint64_t ns) {
    ++counts_[index(ns)];
    ++total_;
    max_ = std::max(max_, ns);
  }
  std::uint64_t total() const { return total_; }
  std::uint64_t max() const { return max_; }
  std::uint64_t percentile(double p) const {
    if (total_ == 0) return 0;
    const auto want = static_cast<std::uint64_t>(p * static_cast<double>(total_) + 0.999999);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= std::max<std::uint64_t>(want, 1)) return std::min(middle(i), max_);
    }
    return max_;
  }

 private:
  static constexpr unsigned kSub = 6;
  static constexpr std::size_t kLinear = std::size_t{2} << kSub;  // 128
  static std::size_t index(std::uint64_t v) {
    if (v < kLinear) return static_cast<std::size_t>(v);
    const unsigned e = 63u - static_cast<unsigned>(std::countl_zero(v));  // >= 7
    const std::uint64_t mantissa = v >> (e - kSub);                       // 64..127
    return kLinear + (e - kSub - 1) * (std::size_t{1} << kSub) +
           static_cast<std::size_t>(mantissa - (1u << kSub));
  }
  static std::uint64_t middle(std::size_t i) {
    if (i < kLinear) return i;
    const std::size_t k = i - kLinear;
    const unsigned e = static_cast<unsigned>(k >> kSub) + kSub + 1;
    const std::uint64_t mantissa = (k & ((1u << kSub) - 1)) + (1u << kSub);
    const unsigned shift = e - kSub;
    return (mantissa << shift) + (std::uint64_t{1} << (shift - 1));
  }
  std::array<std::uint64_t, kLinear + (64 - kSub - 1) * (1u << kSub)> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace ikesteer::bench
