// Fuzzes the VICI codec with the input taken two ways: as one packet, and as a stream of
// length-prefixed packets. Checks that a refused packet's error lies within it, that a decoded
// packet encodes back to exactly its octets (the encoding is canonical, so nothing is lost or
// invented), and that the stream splitter yields the same packets and the same error whether
// the stream comes in one read or in small ones, never a packet over kMaxPacketSize.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "agent/vici/decode.hpp"
#include "agent/vici/encode.hpp"
#include "agent/vici/packet.hpp"
#include "agent/vici/stream_splitter.hpp"

namespace {

using namespace ikesteer;
using namespace ikesteer::vici;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

void check_packet(std::span<const std::byte> bytes) {
  const auto decoded = decode_packet(bytes);
  if (!decoded) {
    check(decoded.error().offset <= bytes.size());
    return;
  }
  const auto encoded = encode_packet(*decoded);
  if (bytes.size() > kMaxPacketSize) {
    check(!encoded && encoded.error() == EncodeErrc::TooLarge);
    return;
  }
  check(encoded.has_value());
  check(encoded->size() == kLengthPrefixSize + bytes.size());
  check(std::ranges::equal(std::span(*encoded).subspan(kLengthPrefixSize), bytes));
  const auto again = decode_packet(std::span(*encoded).subspan(kLengthPrefixSize));
  check(again && *again == *decoded);
}

struct Split {
  std::vector<std::vector<std::byte>> packets;
  std::optional<ParseError> error;
};

// Feeds the stream in reads of `read` octets (0: all at once), taking packets after each.
Split split(std::span<const std::byte> stream, std::size_t read) {
  StreamSplitter splitter;
  Split out;
  std::size_t at = 0;
  std::size_t framed = 0;  // stream octets of the packets taken
  do {
    const std::size_t n = read == 0 ? stream.size() : std::min(read, stream.size() - at);
    splitter.feed(stream.subspan(at, n));
    at += n;
    while (!out.error) {
      const auto next = splitter.next();
      if (!next) {
        out.error = next.error();
        check(next.error().code == ParseErrc::BadLength && next.error().offset == framed);
      } else if (!*next) {
        break;
      } else {
        check((*next)->size() <= kMaxPacketSize);
        out.packets.emplace_back((*next)->begin(), (*next)->end());
        framed += kLengthPrefixSize + (*next)->size();
      }
    }
  } while (at < stream.size() && !out.error);
  check(out.error || splitter.buffered() == stream.size() - framed);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = std::as_bytes(std::span(data, size));
  check_packet(input);

  const Split whole = split(input, 0);
  const Split pieces = split(input, 1 + size % 7);
  check(pieces.packets == whole.packets && pieces.error == whole.error);
  for (const auto& packet : whole.packets) check_packet(packet);
  return 0;
}
