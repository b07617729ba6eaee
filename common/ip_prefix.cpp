#include "common/ip_prefix.hpp"

#include <charconv>
#include <cstddef>

namespace ikesteer {

bool is_v4_mapped(const IpAddress& a) noexcept {
  if (a.is_v4()) return false;
  const auto b = a.bytes();
  for (std::size_t i = 0; i < 10; ++i)
    if (b[i] != std::byte{0}) return false;
  return b[10] == std::byte{0xff} && b[11] == std::byte{0xff};
}

IpAddress unmapped(const IpAddress& a) noexcept {
  if (!is_v4_mapped(a)) return a;
  return IpAddress::v4(a.bytes().subspan<12, 4>());
}

IpPrefix IpPrefix::of(const IpAddress& address, unsigned length) noexcept {
  if (is_v4_mapped(address) && length >= 96) return of(unmapped(address), length - 96);
  const unsigned width = address.is_v4() ? 32U : 128U;
  const unsigned clamped = length < width ? length : width;
  return IpPrefix{address.masked(clamped), clamped};
}

Result<IpPrefix, std::string> IpPrefix::parse(std::string_view text) {
  const auto slash = text.find('/');
  const auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return fail("not an IP address: '" + std::string(text.substr(0, slash)) + "'");
  const unsigned width = address->is_v4() ? 32 : 128;
  unsigned length = width;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    const char* end = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), end, length);
    if (digits.empty() || digits.size() > 3 || ec != std::errc{} || ptr != end)
      return fail("bad prefix length: '" + std::string(digits) + "'");
    if (length > width)
      return fail("prefix length " + std::to_string(length) + " is over " + std::to_string(width));
  }
  const IpPrefix prefix = of(*address, length);
  if (address->masked(length) != *address)
    return fail("host bits set after /" + std::to_string(length) + " (did you mean " +
                prefix.to_string() + "?)");
  return prefix;
}

bool IpPrefix::contains(const IpAddress& a) const noexcept {
  const IpAddress u = unmapped(a);
  return u.family() == address.family() && u.masked(length) == address;
}

std::string IpPrefix::to_string() const {
  return address.to_string() + "/" + std::to_string(length);
}

}  // namespace ikesteer
