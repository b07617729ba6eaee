// IKEv2 message parsing into a view: header fields by value, payload bodies as spans into the
// datagram (valid as long as the datagram is). No copies, no allocation, no exceptions.
//
// RFC 7296 §3.1 IKE header:
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                       IKE SA Initiator's SPI                  |
// |                                                               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                       IKE SA Responder's SPI                  |
// |                                                               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                          Message ID                           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                            Length                             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// RFC 7296 §3.2 generic payload header:
// | Next Payload  |C|  RESERVED   |         Payload Length        |
//
// RFC 7296 §3.10 Notify payload body:
// |  Protocol ID  |   SPI Size    |      Notify Message Type      |
// |                Security Parameter Index (SPI) ~ Notification Data
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "common/byte_reader.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "redirect/ike_constants.hpp"

namespace ikesteer::redirect {

struct IkeHeader {
  std::uint64_t spi_i = 0;
  std::uint64_t spi_r = 0;
  std::uint8_t next_payload = 0;
  std::uint8_t version = 0;
  std::uint8_t exchange = 0;
  std::uint8_t flags = 0;
  std::uint32_t message_id = 0;
  std::uint32_t length = 0;

  std::uint8_t major_version() const noexcept { return static_cast<std::uint8_t>(version >> 4); }
  bool is_response() const noexcept { return (flags & kFlagResponse) != 0; }
};

struct NotifyView {
  std::uint8_t protocol_id = 0;
  std::uint8_t spi_size = 0;
  std::uint16_t type = 0;
  std::span<const std::byte> spi;
  std::span<const std::byte> data;
};

struct PayloadView {
  std::uint8_t type = 0;  // raw: may be a type we do not know
  bool critical = false;
  std::span<const std::byte> body;  // after the generic payload header
  NotifyView notify;                // valid when type is Notify
};

// Bound on payloads per message; a longer chain is rejected (ParseErrc::TooMany). Real
// IKE_SA_INIT requests carry about a dozen (SA, KE, Ni, notifies, vendor IDs).
inline constexpr std::size_t kMaxPayloads = 48;

struct IkeMessage {
  IkeHeader header;
  std::array<PayloadView, kMaxPayloads> slots{};
  std::size_t payload_count = 0;
  // Type of the first payload with an unknown type and the C bit set (RFC 7296 §2.5).
  std::optional<std::uint8_t> unsupported_critical;

  std::span<const PayloadView> payloads() const noexcept { return {slots.data(), payload_count}; }
  std::size_t count(PayloadType type) const noexcept;
  // First payload of `type`, or nullptr.
  const PayloadView* find(PayloadType type) const noexcept;
  // First Notify payload of `type`, or nullptr.
  const NotifyView* find_notify(NotifyType type) const noexcept;
};

// Reads the fixed header. Needs at least kIkeHeaderSize octets; checks nothing else, so callers
// can answer a newer major version before trying to parse a body they do not understand.
Result<IkeHeader, ParseError> parse_ike_header(std::span<const std::byte> message) noexcept;

// Parses an IKEv2 message (without the non-ESP marker) into `out`: header with major version 2
// and a non-zero SPIi, Length equal to message.size(), and a payload chain ending exactly there
// (RFC 7296 §3.1, §3.2). Nonce, Notify, SA and KE bodies are checked for structure. `out` is
// overwritten (valid only on success); the packet path reuses one IkeMessage, which is a few
// kilobytes, rather than building and copying a fresh one per datagram.
Result<void, ParseError> parse_ike_message(std::span<const std::byte> message,
                                           IkeMessage& out) noexcept;

// The same, returning a fresh IkeMessage: for tools and tests, where a copy costs nothing.
inline Result<IkeMessage, ParseError> parse_ike_message(std::span<const std::byte> message) {
  IkeMessage m;
  if (auto ok = parse_ike_message(message, m); !ok) return fail(ok.error());
  return m;
}

// The address in a REDIRECTED_FROM notify: GW Identity Type 1 (4 octets) or 2 (16 octets) only
// (RFC 5685 §9.3: an FQDN is not allowed here). nullopt when the data is anything else.
std::optional<IpAddress> redirected_from_address(const NotifyView& notify) noexcept;

}  // namespace ikesteer::redirect
