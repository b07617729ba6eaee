// Weighted rendezvous (highest random weight) hashing, the pure part of steering.
//
// For a client key and a member with weight w, u in (0, 1) is drawn from a 64-bit hash of
// (the member's seed, the key) and the member's score is w / -ln(u); the highest score wins.
// This is the "logarithmic method" of Schindelhauer and Schomaker (2005): each member wins
// with probability w / sum(w), and when a member leaves only the clients it owned move, each
// to its own next-best member.
//
// The hash functions here decide where every client goes: changing them moves every client,
// and every front end of one cluster must use the same ones. tests/unit/health pins them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ikesteer::health {

// The member's stable seed, from its name only (not its position or address).
std::uint64_t member_seed(std::string_view name) noexcept;

// The client key's hash, computed once per lookup and combined with every member's seed.
std::uint64_t client_hash(std::span<const std::byte> key) noexcept;

// The member's score for the client: weight / -ln(u). Precondition: weight > 0 and finite.
// The result is positive and finite.
double hrw_score(std::uint64_t seed, std::uint64_t client, double weight) noexcept;

// Total order of HRW preference: higher score first; equal scores (vanishingly rare) are
// broken by seed so that the order never depends on member positions.
inline bool ranks_before(double score_a, std::uint64_t seed_a, double score_b,
                         std::uint64_t seed_b) noexcept {
  return score_a > score_b || (score_a == score_b && seed_a < seed_b);
}

}  // namespace ikesteer::health
