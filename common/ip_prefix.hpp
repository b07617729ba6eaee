// An IP prefix (address and length) as a value: always canonical, so two prefixes that cover
// the same addresses compare equal.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace ikesteer {

struct IpPrefix {
  // Canonical: bits after `length` are zero, length <= 32 (IPv4) or 128 (IPv6), and an
  // IPv4-mapped IPv6 prefix (::ffff:0:0/96 and longer) is held as the IPv4 prefix it names.
  IpAddress address;
  unsigned length = 0;

  // The canonical prefix of `address`'s first `length` bits (length clamped to the width).
  static IpPrefix of(const IpAddress& address, unsigned length) noexcept;
  // "192.0.2.0/24", "2001:db8::/32"; a bare address is a /32 or /128. Refuses host bits
  // after the length ("192.0.2.1/24": a typo more often than not) and lengths over the width.
  static Result<IpPrefix, std::string> parse(std::string_view text);

  unsigned width() const noexcept { return address.is_v4() ? 32 : 128; }
  // True when `a` is inside this prefix; an IPv4-mapped IPv6 address counts as its IPv4 one.
  bool contains(const IpAddress& a) const noexcept;
  std::string to_string() const;  // "192.0.2.0/24"

  auto operator<=>(const IpPrefix&) const = default;
};

// True for ::ffff:a.b.c.d; unmapped() gives a.b.c.d back (any other address as it is).
bool is_v4_mapped(const IpAddress& a) noexcept;
IpAddress unmapped(const IpAddress& a) noexcept;

}  // namespace ikesteer
