// Weighted rendezvous (highest random weight) hashing, the pure part of steering.
//
// For a client key and a member with weight w, u in (0, 1) is drawn from a 64-bit hash of
// (the member's seed, the key) and the member's score is w / -ln(u); the highest score wins.
// This is the "logarithmic method" of Schindelhauer and Schomaker (2005): each member wins
// with probability w / sum(w), and when a member leaves only the clients it owned move, each
// to its own next-best member.
//
// The client key is first reduced to one of kSlots = 65,536 slots (slot_of: the top 16 bits
// of its hash), and the members are scored against the slot's hash (slot_hash), not the
// key's: every client of one slot has the same preference order, so the owner of each slot
// can be computed once per member set (health/slot_table.hpp) and read in O(1) per client.
// Shares are then multiples of 1/65,536, which 1,000+ members still resolve finely.
//
// The hash functions here decide where every client goes: changing them moves every client,
// and every front end of one cluster must use the same ones. tests/unit/health pins them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/hash.hpp"

namespace ikesteer::health {

// The member's stable seed, from its name only (not its position or address).
std::uint64_t member_seed(std::string_view name) noexcept;

// The client key's hash, computed once per lookup and combined with every member's seed.
std::uint64_t client_hash(std::span<const std::byte> key) noexcept;

// Slots a client key is reduced to.
inline constexpr std::size_t kSlots = std::size_t{1} << 16;

// The client's slot: the top 16 bits of client_hash(key).
inline std::uint16_t slot_of(std::uint64_t client_hash) noexcept {
  return static_cast<std::uint16_t>(client_hash >> 48);
}

// The slot's hash, which members' scores combine with their seeds (in place of the key's).
std::uint64_t slot_hash(std::uint16_t slot) noexcept;

// The member's score for the client: weight / -ln(u). Precondition: weight > 0 and finite.
// The result is positive and finite.
double hrw_score(std::uint64_t seed, std::uint64_t client, double weight) noexcept;

// The part of hrw_score that depends on seed and client. For one weight the score does not
// decrease as hrw_key grows, so members of equal weight are compared without the logarithm
// (keys one apart may round to one score: at odds of about 2^-53 per pair, ignored).
inline std::uint64_t hrw_key(std::uint64_t seed, std::uint64_t client) noexcept {
  return mix64(seed ^ client) >> 11;  // the 53 bits that make u
}

// Total order of HRW preference: higher score first; equal scores (vanishingly rare) are
// broken by seed so that the order never depends on member positions.
inline bool ranks_before(double score_a, std::uint64_t seed_a, double score_b,
                         std::uint64_t seed_b) noexcept {
  return score_a > score_b || (score_a == score_b && seed_a < seed_b);
}

}  // namespace ikesteer::health
