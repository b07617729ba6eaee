// Fast, seeded 64-bit hashing for steering and rate-limit tables. Not a MAC: anything that
// must resist forgery (cookies, tickets) uses OpenSSL instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace ikesteer {

// Finaliser of MurmurHash3 (public domain): full avalanche of a 64-bit word.
constexpr std::uint64_t mix64(std::uint64_t k) noexcept {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

inline std::uint64_t hash_bytes(std::span<const std::byte> data, std::uint64_t seed) noexcept {
  std::uint64_t h = mix64(seed ^ (data.size() * 0x9e3779b97f4a7c15ULL));
  std::size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, data.data() + i, 8);
    h = mix64(h ^ w) * 0x9e3779b97f4a7c15ULL;
  }
  std::uint64_t tail = 0;
  for (std::size_t s = 0; i < data.size(); ++i, s += 8)
    tail |= std::to_integer<std::uint64_t>(data[i]) << s;
  return mix64(h ^ tail);
}

}  // namespace ikesteer
