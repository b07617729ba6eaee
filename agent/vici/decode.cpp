#include "agent/vici/decode.hpp"

#include <array>
#include <string>
#include <vector>

namespace ikesteer::vici {
namespace {

std::string to_string(std::span<const std::byte> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

std::string read_name(ByteReader& r) noexcept {
  return to_string(r.bytes(r.u8()));
}

std::string read_value(ByteReader& r) noexcept {
  return to_string(r.bytes(r.u16()));
}

// Reads elements up to the reader's end into root. Sections are kept on an explicit stack, so
// a hostile nesting costs no recursion; an open section is always the last element of its
// parent, which receives nothing until it closes, so the pointers stay valid.
Result<void, ParseError> read_message(ByteReader& r, Section& root) noexcept {
  std::array<Section*, kMaxDepth + 1> open{&root};
  std::size_t depth = 0;
  std::vector<std::string>* list = nullptr;
  while (r.ok() && !r.empty()) {
    const std::size_t at = r.offset();
    const auto type = static_cast<ElementType>(r.u8());
    const bool allowed = list != nullptr
                             ? type == ElementType::ListItem || type == ElementType::ListEnd
                             : type != ElementType::ListItem && type != ElementType::ListEnd &&
                                   (type != ElementType::SectionEnd || depth > 0);
    if (!allowed) return fail(ParseError{ParseErrc::BadValue, at});
    switch (type) {
      case ElementType::SectionStart:
        if (depth == kMaxDepth) return fail(ParseError{ParseErrc::TooMany, at});
        open[depth + 1] = &open[depth]->add_section(read_name(r));
        ++depth;
        break;
      case ElementType::SectionEnd:
        --depth;
        break;
      case ElementType::KeyValue: {
        std::string key = read_name(r);
        open[depth]->add_value(std::move(key), read_value(r));
        break;
      }
      case ElementType::ListStart:
        open[depth]->add_list(read_name(r), {});
        list = &open[depth]->elements.back().items;
        break;
      case ElementType::ListItem:
        list->push_back(read_value(r));
        break;
      case ElementType::ListEnd:
        list = nullptr;
        break;
      default:
        return fail(ParseError{ParseErrc::BadValue, at});
    }
  }
  if (!r.ok()) return fail(r.error());
  if (list != nullptr || depth > 0) return fail(ParseError{ParseErrc::Truncated, r.offset()});
  return {};
}

}  // namespace

Result<Packet, ParseError> decode_packet(std::span<const std::byte> bytes) noexcept {
  ByteReader r(bytes);
  const std::uint8_t type = r.u8();
  if (!r.ok()) return fail(r.error());
  if (type > kLastPacketType) return fail(ParseError{ParseErrc::BadValue, 0});
  Packet packet;
  packet.type = static_cast<PacketType>(type);
  if (has_name(packet.type)) packet.name = read_name(r);
  if (has_message(packet.type)) {
    if (auto read = read_message(r, packet.message); !read) return fail(read.error());
  }
  if (auto end = r.expect_end(); !end) return fail(end.error());
  return packet;
}

}  // namespace ikesteer::vici
