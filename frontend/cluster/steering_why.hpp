// Why a client was sent where it was, as a value small enough to travel through
// redirect::Verdict::why (64 bits the responder carries unread) and to keep in the recent
// decisions: the reason within the chosen pool, the pool, the client's first pool and why it
// was passed, and the length of the topology prefix that gave the client its pools.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/ip_address.hpp"
#include "common/ip_prefix.hpp"
#include "health/pool_selector.hpp"

namespace ikesteer::frontend {

struct SteeringWhy {
  static constexpr std::uint8_t kDefaultRoute = 0xff;  // matched_length: no prefix matched

  health::PickReason reason = health::PickReason::HashOwner;
  std::uint16_t pool = health::kNoPool;
  std::uint16_t first_pool = health::kNoPool;
  health::PoolSkip first_skip = health::PoolSkip::None;
  std::uint8_t matched_length = kDefaultRoute;

  static SteeringWhy of(const health::PoolPick& pick,
                        const std::optional<IpPrefix>& matched) noexcept {
    return {pick.reason, pick.pool, pick.first_pool, pick.first_skip,
            matched ? static_cast<std::uint8_t>(matched->length) : kDefaultRoute};
  }
  // The topology prefix of a client with this explanation (empty: the default entry).
  std::optional<IpPrefix> matched(const IpAddress& client) const noexcept {
    if (matched_length == kDefaultRoute) return std::nullopt;
    return IpPrefix::of(client, matched_length);
  }
  bool spilled() const noexcept { return first_skip != health::PoolSkip::None; }
  // Where a spill is counted in a per-pool, per-reason array (spill_slots(pools) long).
  std::size_t spill_slot() const noexcept {
    return std::size_t{first_pool} * kSkips + static_cast<std::size_t>(first_skip);
  }
  static std::size_t spill_slots(std::size_t pools) noexcept { return pools * kSkips; }

#define IKESTEER_COUNT_ONE(...) +1
  static constexpr std::size_t kSkips = 0 IKESTEER_POOL_SKIPS(IKESTEER_COUNT_ONE);
#undef IKESTEER_COUNT_ONE

  std::uint64_t pack() const noexcept {
    return std::uint64_t{static_cast<std::uint8_t>(reason)} | std::uint64_t{pool} << 8 |
           std::uint64_t{first_pool} << 24 |
           std::uint64_t{static_cast<std::uint8_t>(first_skip)} << 40 |
           std::uint64_t{matched_length} << 48;
  }
  static SteeringWhy unpack(std::uint64_t v) noexcept {
    return {static_cast<health::PickReason>(v & 0xff), static_cast<std::uint16_t>(v >> 8),
            static_cast<std::uint16_t>(v >> 24), static_cast<health::PoolSkip>((v >> 40) & 0xff),
            static_cast<std::uint8_t>(v >> 48)};
  }
};

}  // namespace ikesteer::frontend
