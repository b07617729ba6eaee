// HMAC-SHA256 (RFC 2104, FIPS 198-1) through OpenSSL, and a constant-time comparison for
// checking MACs without leaking how many leading bytes matched.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>

namespace ikesteer {

using HmacSha256 = std::array<std::byte, 32>;

// Empty on an OpenSSL failure (out of memory): never a MAC that a caller could mistake for a
// computed one.
std::optional<HmacSha256> hmac_sha256(std::span<const std::byte> key,
                                      std::span<const std::byte> data) noexcept;

// True if a and b hold the same bytes. Takes time independent of the contents (but not of the
// sizes: different sizes compare unequal at once).
bool equal_constant_time(std::span<const std::byte> a, std::span<const std::byte> b) noexcept;

}  // namespace ikesteer
