// Writers for the unprotected replies the front end sends (spec §5): one Notify payload after an
// IKE header that copies SPIi, SPIr, Exchange Type and Message ID from the request, with
// version 0x20 and flags 0x20 (R set, I clear) (RFC 7296 §3.1). Output goes into a caller
// buffer; the returned span views it and is empty when the buffer was too small.
//
// RFC 7296 §3.10 Notify payload as written here (Protocol ID 0, SPI Size 0, C bit never set):
// | Next Payload=0|0|  RESERVED   |         Payload Length        |
// | Protocol ID=0 | SPI Size = 0  |      Notify Message Type      |
// ~                       Notification Data                       ~
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "redirect/gateway_selector.hpp"
#include "redirect/ike_constants.hpp"
#include "redirect/ike_message.hpp"

namespace ikesteer::redirect {

struct ReplyFraming {
  bool non_esp_marker = false;  // request came on UDP 4500: prepend 4 zero octets (RFC 3948 §2.2)
};

// N(type) with optional data, e.g. INVALID_MAJOR_VERSION (no data) or
// UNSUPPORTED_CRITICAL_PAYLOAD (data = the 1-octet payload type, RFC 7296 §3.10.1).
std::span<const std::byte> write_notify_reply(std::span<std::byte> out, ReplyFraming framing,
                                              const IkeHeader& request, NotifyType type,
                                              std::span<const std::byte> data = {}) noexcept;

// IKE_SA_INIT response N(REDIRECT): GW Ident Type | GW Ident Len | GW Identity | Nonce Data,
// where Nonce Data is the request's Ni body (RFC 5685 §9.2). SPIr is written as 0.
std::span<const std::byte> write_redirect_reply(std::span<std::byte> out, ReplyFraming framing,
                                                const IkeHeader& request,
                                                const GatewayIdentity& gateway,
                                                std::span<const std::byte> nonce) noexcept;

// N(COOKIE) with the cookie as data (RFC 7296 §2.6). SPIr is written as 0.
std::span<const std::byte> write_cookie_reply(std::span<std::byte> out, ReplyFraming framing,
                                              const IkeHeader& request,
                                              std::span<const std::byte> cookie) noexcept;

// N(TICKET_NACK) answering an IKE_SESSION_RESUME request (RFC 5723 §4.3.2). SPIr is written as 0.
std::span<const std::byte> write_ticket_nack_reply(std::span<std::byte> out, ReplyFraming framing,
                                                   const IkeHeader& request) noexcept;

}  // namespace ikesteer::redirect
