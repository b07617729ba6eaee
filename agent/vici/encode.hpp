// Encodes a Packet for the stream: its length prefix, then the packet of packet.hpp. A packet
// the format cannot carry, or charon would not accept, is refused whole, never truncated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "agent/vici/packet.hpp"
#include "common/result.hpp"

namespace ikesteer::vici {

enum class EncodeErrc : std::uint8_t {
  NameTooLong,   // a packet name, key, section or list name over kMaxNameSize octets
  ValueTooLong,  // a value or list item over kMaxValueSize octets
  TooDeep,       // sections nested deeper than kMaxDepth (we would not decode it either)
  TooLarge,      // the packet over kMaxPacketSize octets
  BadType,       // an unknown packet type, or a name or message on a type without one
};

Result<std::vector<std::byte>, EncodeErrc> encode_packet(const Packet& packet);

}  // namespace ikesteer::vici
