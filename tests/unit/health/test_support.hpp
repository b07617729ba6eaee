// Shared helpers for the health tests: client keys shaped like the daemon's, and selectors
// built from member lists that are known to be valid.
#pragma once

#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "health/selector.hpp"

namespace ikesteer::health::test {

struct Key {
  std::array<std::byte, 4> bytes;
  std::span<const std::byte> span() const { return bytes; }
};

// The i-th /24 counting up from 10.0.0.0 (i < 2^24), as a client key masked to /24.
inline Key prefix_key(std::uint32_t i) {
  const std::uint32_t a = (10U << 24) + (i << 8);
  return Key{{static_cast<std::byte>(a >> 24), static_cast<std::byte>(a >> 16),
              static_cast<std::byte>(a >> 8), static_cast<std::byte>(a)}};
}

inline Selector make_selector(std::vector<SelectorMember> members,
                              const SelectorOptions& options = {}) {
  auto s = Selector::create(std::move(members), options);
  REQUIRE(s.has_value());
  return std::move(s).value();
}

// A fixed time well away from the clock's epoch, on a whole second.
inline const TimePoint kT0 = TimePoint{} + std::chrono::hours(1000);

}  // namespace ikesteer::health::test
