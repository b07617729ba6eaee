// The token rules the agent protocol's messages share (health/agent_report.hpp,
// health/agent_command.hpp): a line of " key=value" tokens after a head token, numbers, names,
// the MAC in hex, and signing. Internal to health/.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/hmac.hpp"

namespace ikesteer::health::agent_tokens {

inline constexpr std::size_t kMaxNameSize = 63;
// Starts the MAC of a one-line message.
inline constexpr std::string_view kMacMarker = " mac=";
inline constexpr std::size_t kMacHexSize = 2 * std::tuple_size_v<HmacSha256>;
// The longest decimal a field can hold (u64 and i64 alike).
inline constexpr std::size_t kMaxDecimalSize = 20;

inline bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
bool is_printable(char c) noexcept;  // printable ASCII, space included
bool all_digits(std::string_view s) noexcept;

inline std::string_view as_text(std::span<const std::byte> b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Decimal digits only (no sign, no spaces, leading zeros allowed), within T's range.
template <std::integral T>
std::optional<T> parse_unsigned(std::string_view s) noexcept {
  if (!all_digits(s)) return std::nullopt;
  T value{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// A member name: 1..63 characters of [A-Za-z0-9_.-].
std::optional<std::string_view> parse_name(std::string_view s) noexcept;
// 64 lowercase hex digits, nothing else.
std::optional<HmacSha256> parse_mac(std::string_view s) noexcept;

// value if it is valid (for a field whose check is a predicate).
inline std::optional<std::string_view> if_valid(bool valid, std::string_view value) noexcept {
  if (!valid) return std::nullopt;
  return value;
}

// Sets out to the parsed value; false if there is none.
template <class T, class Out>
bool assign(std::optional<T> parsed, Out& out) noexcept {
  if (!parsed) return false;
  out = *parsed;
  return true;
}

// The value whose to_string() is `s`, among `values`.
template <class E, std::size_t N>
std::optional<E> parse_word(std::string_view s, const std::array<E, N>& values) noexcept {
  for (const E v : values)
    if (s == to_string(v)) return v;
  return std::nullopt;
}

// A line's first token (up to the first space) and the rest, from that space on.
inline std::pair<std::string_view, std::string_view> split_head(std::string_view line) noexcept {
  const auto space = std::min(line.find(' '), line.size());
  return {line.substr(0, space), line.substr(space)};
}

// Reads " key=value" tokens (each after exactly one space) from `rest`, calling
// set(index in names, value) for each. Empty if a token has no '=', its key is not in names or
// came before, or set() returns false; else the mask of the keys seen (bit i: names[i]).
template <std::size_t N, class Set>
std::optional<unsigned> parse_fields(std::string_view rest,
                                     const std::array<std::string_view, N>& names,
                                     Set&& set) noexcept {
  static_assert(N <= 32);
  unsigned seen = 0;
  while (!rest.empty()) {
    if (rest.front() != ' ') return std::nullopt;
    rest.remove_prefix(1);
    const std::string_view token = rest.substr(0, rest.find(' '));
    rest.remove_prefix(token.size());
    const auto eq = token.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    unsigned field = 0;
    while (field < N && names[field] != token.substr(0, eq)) ++field;
    if (field == N || (seen & (1U << field)) != 0) return std::nullopt;
    seen |= 1U << field;
    if (!set(field, token.substr(eq + 1))) return std::nullopt;
  }
  return seen;
}

// The fields every message has, first in its field list: a message's own fields start at
// kCommonFieldCount, and its list of names is with_common_fields(its own names).
enum CommonField : unsigned { kMember, kSeq, kTime, kCommonFieldCount };
inline constexpr unsigned kCommonFields = (1U << kCommonFieldCount) - 1;
inline constexpr std::array<std::string_view, kCommonFieldCount> kCommonFieldNames = {
    "member", "seq", "time"};

template <std::size_t N>
constexpr std::array<std::string_view, kCommonFieldCount + N> with_common_fields(
    const std::string_view (&own)[N]) {
  std::array<std::string_view, kCommonFieldCount + N> names{};
  std::copy(kCommonFieldNames.begin(), kCommonFieldNames.end(), names.begin());
  std::copy(own, own + N, names.begin() + kCommonFieldCount);
  return names;
}

// Sets a common field of a report, command or reply; false if the value is invalid.
template <class Message>
bool set_common_field(Message& m, unsigned field, std::string_view value) noexcept {
  switch (field) {
    case kMember:
      return assign(parse_name(value), m.member);
    case kSeq:
      return assign(parse_unsigned<std::uint64_t>(value), m.seq);
    case kTime:
      return assign(parse_unsigned<std::int64_t>(value), m.time);
    default:
      return false;
  }
}

// A one-line message (report, command): at most max_size bytes with an optional trailing "\n",
// printable ASCII, ending in " mac=<hex>". The body is the line before " mac=".
struct SignedLine {
  std::string_view body;
  HmacSha256 mac{};
  std::span<const std::byte> signed_part;  // the body's bytes
};
std::optional<SignedLine> split_signed_line(std::span<const std::byte> datagram,
                                            std::size_t max_size) noexcept;

// Appends " key=value".
void append_field(std::string& out, std::string_view key, std::string_view value);
template <std::integral T>
void append_field(std::string& out, std::string_view key, T value) {
  std::array<char, kMaxDecimalSize + 1> digits{};
  const auto written = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  append_field(out, key, std::string_view(digits.data(), written.ptr));
}

// Appends the common fields of a report, command or reply.
template <class Message>
void append_common_fields(std::string& out, const Message& m) {
  append_field(out, kCommonFieldNames[kMember], m.member);
  append_field(out, kCommonFieldNames[kSeq], m.seq);
  append_field(out, kCommonFieldNames[kTime], m.time);
}

// Appends marker and the HMAC of every byte of `out` under key, in lowercase hex. Throws
// std::bad_alloc if OpenSSL cannot compute it (it fails only for want of memory).
void append_mac(std::string& out, std::span<const std::byte> key, std::string_view marker);

}  // namespace ikesteer::health::agent_tokens
