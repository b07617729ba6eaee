// An IPv4 or IPv6 address as a value (network byte order), with prefix masking for
// per-prefix hashing and rate limits.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ikesteer {

enum class IpFamily : std::uint8_t { V4, V6 };

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0
  static IpAddress v4(std::span<const std::byte, 4> bytes) noexcept;
  static IpAddress v6(std::span<const std::byte, 16> bytes) noexcept;
  static std::optional<IpAddress> parse(std::string_view text);

  IpFamily family() const noexcept { return family_; }
  bool is_v4() const noexcept { return family_ == IpFamily::V4; }
  // 4 or 16 bytes in network order.
  std::span<const std::byte> bytes() const noexcept {
    return std::span<const std::byte>(bytes_).first(is_v4() ? 4 : 16);
  }
  // The address with all bits after the first `bits` cleared (bits clamped to the width).
  IpAddress masked(unsigned bits) const noexcept;
  std::string to_string() const;

  auto operator<=>(const IpAddress&) const = default;

 private:
  IpFamily family_ = IpFamily::V4;
  std::array<std::byte, 16> bytes_{};
};

}  // namespace ikesteer
