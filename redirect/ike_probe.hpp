// IKEv2 liveness probe: an IKE_SA_INIT request that a live responder refuses at once and without
// keeping state, and the classifier of its answers. The SA proposes D-H group 14 (MODP-2048)
// while the KE payload is for group 19 (ECP-256), so a responder either wants another share,
// N(INVALID_KE_PAYLOAD) with the group it wants (RFC 7296 §1.2), or accepts nothing offered,
// N(NO_PROPOSAL_CHOSEN) (§2.7). Either answer shows that the peer's IKE processing runs, not
// only its socket; neither creates a half-open SA (measured with strongSwan 5.9.8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "redirect/ike_reply.hpp"

namespace ikesteer::redirect {

inline constexpr std::uint16_t kProbeProposalGroup = 14;  // MODP-2048, in the SA
inline constexpr std::uint16_t kProbeKeyShareGroup = 19;  // ECP-256, in the KE payload
inline constexpr std::size_t kProbeKeyShareSize = 64;     // ECP-256 share: x | y (RFC 5903 §7)

// Writes the probe (no REDIRECT_SUPPORTED: a front end must not redirect it). `spi_i` must not
// be zero and `nonce` is 16..256 octets. The returned span views `out` and is empty when `out`
// is too small (a 32-octet nonce needs 176 octets, 180 with the non-ESP marker).
std::span<const std::byte> write_ike_probe(std::span<std::byte> out, ReplyFraming framing,
                                           std::uint64_t spi_i,
                                           std::span<const std::byte> nonce) noexcept;

struct ProbeReply {
  enum class Kind : std::uint8_t {
    InvalidKePayload,  // `group` is the group the responder wants (0 if the data is not 2 octets)
    NoProposalChosen,
    OtherNotify,  // any other notify, e.g. COOKIE, TEMPORARY_FAILURE, INVALID_SYNTAX
    SaReply,      // the responder accepted (it keeps a half-open SA until it times out)
  };
  Kind kind = Kind::OtherNotify;
  std::uint16_t notify_type = 0;  // the notify that decided the kind; 0 for SaReply
  std::uint16_t group = 0;
};

enum class ProbeReplyError : std::uint8_t {
  NotIke,          // no non-ESP marker on 4500, or shorter than an IKE header
  NotResponse,     // R flag clear
  OtherSpi,        // SPIi is not ours
  OtherExchange,   // not IKE_SA_INIT
  OtherMessageId,  // Message ID not 0
  Malformed,       // does not parse (RFC 7296 §3)
  NoAnswer,        // a response with neither a notify nor an SA
};

// Accepts only a response to our probe: R set, SPIi equal to `spi_i`, IKE_SA_INIT, Message ID
// 0, parseable. An error notify (type < 16384, RFC 7296 §3.10.1) decides first, then an SA
// payload, then any status notify (e.g. COOKIE).
Result<ProbeReply, ProbeReplyError> classify_ike_probe_reply(std::span<const std::byte> datagram,
                                                             ReplyFraming framing,
                                                             std::uint64_t spi_i) noexcept;

// "INVALID_KE_PAYLOAD", "NO_PROPOSAL_CHOSEN", "SA", or the notify's name.
std::string to_string(const ProbeReply& reply);
std::string_view to_string(ProbeReplyError error) noexcept;

// The IANA name of a notify type ("TEMPORARY_FAILURE"), or "notify <number>" for others.
std::string notify_name(std::uint16_t type);

}  // namespace ikesteer::redirect
