#include <algorithm>

#include "redirect/gateway_selector.hpp"

namespace ikesteer::redirect {

GatewayIdentity GatewayIdentity::address(const IpAddress& a) noexcept {
  GatewayIdentity id;
  id.type_ = a.is_v4() ? GatewayIdType::Ipv4 : GatewayIdType::Ipv6;
  const auto bytes = a.bytes();
  std::copy(bytes.begin(), bytes.end(), id.value_.begin());
  id.size_ = static_cast<std::uint8_t>(bytes.size());
  return id;
}

std::optional<GatewayIdentity> GatewayIdentity::fqdn(std::string_view name) noexcept {
  // RFC 5685 §9.2: FQDN as octets, no terminator, no inner length; the 1-octet GW Ident Len
  // bounds it to 255.
  if (name.empty() || name.size() > 255) return std::nullopt;
  const bool printable =
      std::all_of(name.begin(), name.end(), [](char c) { return c > ' ' && c < 0x7f; });
  if (!printable) return std::nullopt;
  GatewayIdentity id;
  id.type_ = GatewayIdType::Fqdn;
  std::transform(name.begin(), name.end(), id.value_.begin(),
                 [](char c) { return static_cast<std::byte>(c); });
  id.size_ = static_cast<std::uint8_t>(name.size());
  return id;
}

bool GatewayIdentity::operator==(const GatewayIdentity& o) const noexcept {
  return type_ == o.type_ && std::ranges::equal(value(), o.value());
}

}  // namespace ikesteer::redirect
