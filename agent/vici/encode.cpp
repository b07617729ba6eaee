#include "agent/vici/encode.hpp"

#include <span>
#include <string_view>

#include "common/byte_writer.hpp"

namespace ikesteer::vici {
namespace {

constexpr std::size_t kTypeSize = 1;
constexpr std::size_t kNameLengthSize = 1;
constexpr std::size_t kValueLengthSize = 2;

// Octets of a section's elements on the wire, or the first limit they break. Checking every
// limit here lets the write below run into an exactly sized buffer without a failure path.
Result<std::size_t, EncodeErrc> measure(const Section& section, std::size_t depth) {
  std::size_t size = 0;
  for (const Element& e : section.elements) {
    if (e.name.size() > kMaxNameSize) return fail(EncodeErrc::NameTooLong);
    size += kTypeSize + kNameLengthSize + e.name.size();
    switch (e.kind) {
      case Element::Kind::Value:
        if (e.value.size() > kMaxValueSize) return fail(EncodeErrc::ValueTooLong);
        size += kValueLengthSize + e.value.size();
        break;
      case Element::Kind::List:
        for (const std::string& item : e.items) {
          if (item.size() > kMaxValueSize) return fail(EncodeErrc::ValueTooLong);
          size += kTypeSize + kValueLengthSize + item.size();
        }
        size += kTypeSize;  // LIST_END
        break;
      case Element::Kind::Section: {
        if (depth == kMaxDepth) return fail(EncodeErrc::TooDeep);
        const auto inner = measure(e.section, depth + 1);
        if (!inner) return inner;
        size += *inner + kTypeSize;  // SECTION_END
        break;
      }
    }
    // Stops early on a huge tree; the packet around it only adds to the size.
    if (size > kMaxPacketSize) return fail(EncodeErrc::TooLarge);
  }
  return size;
}

void write_type(ByteWriter& w, ElementType type) {
  w.u8(static_cast<std::uint8_t>(type));
}

void write_name(ByteWriter& w, std::string_view name) {
  w.u8(static_cast<std::uint8_t>(name.size()));
  w.bytes(std::as_bytes(std::span(name)));
}

void write_value(ByteWriter& w, std::string_view value) {
  w.u16(static_cast<std::uint16_t>(value.size()));
  w.bytes(std::as_bytes(std::span(value)));
}

void write_section(ByteWriter& w, const Section& section) {
  for (const Element& e : section.elements) {
    switch (e.kind) {
      case Element::Kind::Value:
        write_type(w, ElementType::KeyValue);
        write_name(w, e.name);
        write_value(w, e.value);
        break;
      case Element::Kind::List:
        write_type(w, ElementType::ListStart);
        write_name(w, e.name);
        for (const std::string& item : e.items) {
          write_type(w, ElementType::ListItem);
          write_value(w, item);
        }
        write_type(w, ElementType::ListEnd);
        break;
      case Element::Kind::Section:
        write_type(w, ElementType::SectionStart);
        write_name(w, e.name);
        write_section(w, e.section);
        write_type(w, ElementType::SectionEnd);
        break;
    }
  }
}

}  // namespace

Result<std::vector<std::byte>, EncodeErrc> encode_packet(const Packet& packet) {
  if (static_cast<std::uint8_t>(packet.type) > kLastPacketType ||
      (!has_name(packet.type) && !packet.name.empty()) ||
      (!has_message(packet.type) && !packet.message.elements.empty()))
    return fail(EncodeErrc::BadType);
  if (packet.name.size() > kMaxNameSize) return fail(EncodeErrc::NameTooLong);
  const auto message = measure(packet.message, 0);
  if (!message) return fail(message.error());
  const std::size_t size =
      kTypeSize + (has_name(packet.type) ? kNameLengthSize + packet.name.size() : 0) + *message;
  if (size > kMaxPacketSize) return fail(EncodeErrc::TooLarge);

  std::vector<std::byte> out(kLengthPrefixSize + size);
  ByteWriter w(out);
  w.u32(static_cast<std::uint32_t>(size));
  w.u8(static_cast<std::uint8_t>(packet.type));
  if (has_name(packet.type)) write_name(w, packet.name);
  write_section(w, packet.message);
  return out;
}

}  // namespace ikesteer::vici
