#include "health/agent_tokens.hpp"

#include <new>

namespace ikesteer::health::agent_tokens {

namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";

}  // namespace

bool is_printable(char c) noexcept {
  return c >= 0x20 && c <= 0x7e;
}

bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

std::optional<std::string_view> parse_name(std::string_view s) noexcept {
  const bool valid =
      !s.empty() && s.size() <= kMaxNameSize && std::all_of(s.begin(), s.end(), [](char c) {
        return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
               c == '.' || c == '-';
      });
  if (!valid) return std::nullopt;
  return s;
}

std::optional<HmacSha256> parse_mac(std::string_view s) noexcept {
  HmacSha256 mac{};
  if (s.size() != kMacHexSize) return std::nullopt;
  for (std::size_t i = 0; i < mac.size(); ++i) {
    const auto hi = kHexDigits.find(s[2 * i]);
    const auto lo = kHexDigits.find(s[2 * i + 1]);
    if (hi == std::string_view::npos || lo == std::string_view::npos) return std::nullopt;
    mac[i] = static_cast<std::byte>(hi << 4 | lo);
  }
  return mac;
}

std::optional<SignedLine> split_signed_line(std::span<const std::byte> datagram,
                                            std::size_t max_size) noexcept {
  if (datagram.size() > max_size) return std::nullopt;
  std::string_view line = as_text(datagram);
  if (line.ends_with('\n')) line.remove_suffix(1);
  // Printable ASCII only: no control bytes, no second line.
  if (!std::all_of(line.begin(), line.end(), is_printable)) return std::nullopt;
  // mac is the last token and no value holds a space, so the first " mac=" starts it; anything
  // after the MAC's 64 digits fails parse_mac.
  const auto mac_at = line.find(kMacMarker);
  if (mac_at == std::string_view::npos) return std::nullopt;
  const auto mac = parse_mac(line.substr(mac_at + kMacMarker.size()));
  if (!mac) return std::nullopt;
  return SignedLine{
      .body = line.substr(0, mac_at), .mac = *mac, .signed_part = datagram.first(mac_at)};
}

void append_field(std::string& out, std::string_view key, std::string_view value) {
  out += ' ';
  out += key;
  out += '=';
  out += value;
}

void append_mac(std::string& out, std::span<const std::byte> key, std::string_view marker) {
  const auto mac = hmac_sha256(key, std::as_bytes(std::span(out)));
  if (!mac) throw std::bad_alloc();
  out += marker;
  for (const auto b : *mac) {
    out += kHexDigits[std::to_integer<unsigned>(b) >> 4];
    out += kHexDigits[std::to_integer<unsigned>(b) & 0xf];
  }
}

}  // namespace ikesteer::health::agent_tokens
