// Decodes one VICI packet (the octets after its length prefix) into a Packet. Every length is
// checked against the packet; a packet that breaks the format of packet.hpp is refused whole
// with the first error and its offset from the packet's type octet:
//   Truncated     a field runs past the end; a section or list still open at the end
//   TrailingData  octets after the name of a type that carries no message, or in one without a
//                 name or message
//   BadValue      an unknown packet or element type; SECTION_END or LIST_END without its
//                 start; LIST_ITEM outside a list; anything but LIST_ITEM or LIST_END in one
//   TooMany       sections nested deeper than kMaxDepth
#pragma once

#include <cstddef>
#include <span>

#include "agent/vici/packet.hpp"
#include "common/byte_reader.hpp"
#include "common/result.hpp"

namespace ikesteer::vici {

Result<Packet, ParseError> decode_packet(std::span<const std::byte> packet) noexcept;

}  // namespace ikesteer::vici
