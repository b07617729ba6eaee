// The policy question the redirect responder asks: "which gateway should this client use?"
// frontend/ answers it from the member snapshot and health/'s selector; redirect/ knows nothing
// of members or health.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/clock.hpp"
#include "common/ip_address.hpp"

namespace ikesteer::redirect {

// RFC 5685 §9 Gateway Identity Type.
enum class GatewayIdType : std::uint8_t { Ipv4 = 1, Ipv6 = 2, Fqdn = 3 };

// A redirect target as it goes on the wire: type plus 4, 16 or 1..255 identity octets.
class GatewayIdentity {
 public:
  static GatewayIdentity address(const IpAddress& a) noexcept;
  // nullopt unless 1..255 octets of printable ASCII (RFC 5685 §4: FQDN, no terminator).
  static std::optional<GatewayIdentity> fqdn(std::string_view name) noexcept;

  GatewayIdType type() const noexcept { return type_; }
  std::span<const std::byte> value() const noexcept {
    return std::span<const std::byte>(value_).first(size_);
  }
  bool operator==(const GatewayIdentity& o) const noexcept;

 private:
  GatewayIdType type_ = GatewayIdType::Ipv4;
  std::uint8_t size_ = 0;
  std::array<std::byte, 255> value_{};
};

// A selector's answer: the identity to send, and which of its gateways that is and why, in the
// selector's own terms; the responder copies `member` and `why` into its verdict unread.
struct GatewayChoice {
  GatewayIdentity gateway;
  std::uint32_t member = 0;
  std::uint64_t why = 0;  // the selector's own explanation, carried unread
};

class GatewaySelector {
 public:
  virtual ~GatewaySelector() = default;
  // Chooses the gateway for a redirect-capable client, deterministically for the same client
  // and the same member state. `avoid` is the address the client named in REDIRECTED_FROM:
  // not chosen unless nothing else is eligible (RFC 5685 §4 loop avoidance). nullopt when no
  // member is eligible.
  virtual std::optional<GatewayChoice> select(const IpAddress& client,
                                              const std::optional<IpAddress>& avoid,
                                              TimePoint now) noexcept = 0;
};

}  // namespace ikesteer::redirect
