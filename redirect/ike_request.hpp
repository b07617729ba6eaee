// Writer for an initiator's IKE_SA_INIT request (RFC 7296 §1.2): HDR, [N(COOKIE)], SA, KE, Ni,
// and the redirect notify of RFC 5685 §4. For tools that ask a front end where a client goes
// (ikesteer-ask) and for tests; the front end itself only answers requests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "common/ip_address.hpp"
#include "redirect/ike_reply.hpp"

namespace ikesteer::redirect {

struct IkeSaInitRequest {
  std::uint64_t spi_i = 0;               // non-zero
  std::span<const std::byte> nonce;      // Ni, 16..256 octets
  std::span<const std::byte> key_share;  // KE data for `dh_group`
  std::uint16_t dh_group = 31;           // Curve25519 (32-octet share)
  // The KE payload's group when it is not `dh_group`: a request the responder must refuse
  // with INVALID_KE_PAYLOAD (RFC 7296 §1.2), as liveness probes send (redirect/ike_probe.hpp).
  std::optional<std::uint16_t> key_share_group;
  std::span<const std::byte> cookie;         // echoed first when non-empty (RFC 7296 §2.6)
  bool redirect_supported = true;            // N(REDIRECT_SUPPORTED)
  std::optional<IpAddress> redirected_from;  // N(REDIRECTED_FROM) instead (RFC 5685 §4.2)
};

// Writes the request (one proposal: AES-GCM-16-256, HMAC-SHA2-256, `dh_group`); the returned
// span views `out` and is empty when `out` is too small.
std::span<const std::byte> write_ike_sa_init_request(std::span<std::byte> out, ReplyFraming framing,
                                                     const IkeSaInitRequest& request) noexcept;

}  // namespace ikesteer::redirect
