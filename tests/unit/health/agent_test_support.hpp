// Shared helpers for the agent protocol tests: the test key, hex, signing, rejections.
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/hmac.hpp"
#include "common/result.hpp"
#include "health/agent_report.hpp"

namespace ikesteer::health::test {

inline std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span(s));
}

inline std::string_view text(std::span<const std::byte> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

inline std::vector<std::byte> from_hex(std::string_view hex) {
  std::vector<std::byte> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<std::byte>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

inline std::string to_hex(std::span<const std::byte> b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (auto x : b) {
    out += kDigits[std::to_integer<unsigned>(x) >> 4];
    out += kDigits[std::to_integer<unsigned>(x) & 0xf];
  }
  return out;
}

inline constexpr std::string_view kKeyHex = "00112233445566778899aabbccddeeff";
inline const std::vector<std::byte> kKey = from_hex(kKeyHex);
inline constexpr std::int64_t kNow = 1700000000;

// body + marker + the HMAC of body under key, in hex.
inline std::string sign(std::string_view body, std::span<const std::byte> key = kKey,
                        std::string_view marker = " mac=") {
  const auto mac = hmac_sha256(key, bytes(body));
  REQUIRE(mac.has_value());
  return std::string(body) + std::string(marker) + to_hex(*mac);
}

// Why a parse or admit failed; empty if it did not.
template <class T>
std::optional<AgentReject> rejection(const Result<T, AgentReject>& result) {
  if (result.has_value()) return std::nullopt;
  return result.error();
}

}  // namespace ikesteer::health::test
