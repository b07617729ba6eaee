// The VICI wire format (strongSwan, src/libcharon/plugins/vici/README.md): charon's control
// protocol over a stream socket. All integers are big-endian; names and values are octet
// strings without a terminating NUL.
//
// Stream: a sequence of length-prefixed packets.
// +-------------------------------+---------------------------------------------+
// | Length (32 bits): octets that | Packet (Length octets, at most 512 KiB)     |
// | follow, not counting itself   |                                             |
// +-------------------------------+---------------------------------------------+
//
// Packet: a type octet, a name for the named types, a message for the types that carry one.
// +------+------------------------------+------------------------------------------+
// | Type | Name len (8) | Name          | Message: elements up to the packet's end |
// +------+------------------------------+------------------------------------------+
//   type                  name?  message?
//   0 CMD_REQUEST          yes    yes
//   1 CMD_RESPONSE         no     yes
//   2 CMD_UNKNOWN          no     no
//   3 EVENT_REGISTER       yes    no
//   4 EVENT_UNREGISTER     yes    no
//   5 EVENT_CONFIRM        no     no
//   6 EVENT_UNKNOWN        no     no
//   7 EVENT                yes    yes
//
// Message elements, each starting with its type octet:
//   1 SECTION_START  | 1 | Name len (8) | Name |
//   2 SECTION_END    | 2 |
//   3 KEY_VALUE      | 3 | Key len (8) | Key | Value len (16) | Value |
//   4 LIST_START     | 4 | Name len (8) | Name |
//   5 LIST_ITEM      | 5 | Value len (16) | Value |
//   6 LIST_END       | 6 |
// Sections nest and are balanced; a list holds only LIST_ITEMs, does not nest, and is closed
// before anything else follows; the root section is implicit (no start or end).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "agent/vici/message.hpp"

namespace ikesteer::vici {

enum class PacketType : std::uint8_t {
  CmdRequest = 0,
  CmdResponse = 1,
  CmdUnknown = 2,
  EventRegister = 3,
  EventUnregister = 4,
  EventConfirm = 5,
  EventUnknown = 6,
  Event = 7,
};
inline constexpr std::uint8_t kLastPacketType = 7;

enum class ElementType : std::uint8_t {
  SectionStart = 1,
  SectionEnd = 2,
  KeyValue = 3,
  ListStart = 4,
  ListItem = 5,
  ListEnd = 6,
};

// charon's VICI_MESSAGE_SIZE_MAX (vici_socket.h): the largest Length it accepts; above it,
// charon drops the connection.
inline constexpr std::size_t kMaxPacketSize = 512 * 1024;
inline constexpr std::size_t kLengthPrefixSize = 4;
inline constexpr std::size_t kMaxNameSize = 0xff;
inline constexpr std::size_t kMaxValueSize = 0xffff;
// Our bound on nested sections (the README allows any depth). charon's deepest message,
// list-sa, nests three: IKE SA, child-sas, CHILD_SA.
inline constexpr std::size_t kMaxDepth = 32;

constexpr bool has_name(PacketType t) noexcept {
  return t == PacketType::CmdRequest || t == PacketType::EventRegister ||
         t == PacketType::EventUnregister || t == PacketType::Event;
}
constexpr bool has_message(PacketType t) noexcept {
  return t == PacketType::CmdRequest || t == PacketType::CmdResponse || t == PacketType::Event;
}

struct Packet {
  PacketType type = PacketType::CmdRequest;
  std::string name;   // empty for the types without one
  Section message{};  // empty for the types without one
  bool operator==(const Packet&) const = default;
};

}  // namespace ikesteer::vici
