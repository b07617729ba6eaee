// StreamSplitter: packets come out whole whatever the reads, and an oversized length ends the
// stream.
#include "agent/vici/stream_splitter.hpp"

#include <doctest/doctest.h>

#include "agent/vici/decode.hpp"
#include "agent/vici/packet.hpp"
#include "vici_test_util.hpp"

namespace ikesteer::vici {
namespace {

using test::Bytes;
using test::frame;
using test::octets;

// A CMD_RESPONSE with a section and a list, an EVENT_CONFIRM (one octet), an EVENT.
const Bytes kResponse = octets({1, 3, 1, 'k', 0, 1, 'v', 1, 1, 's', 4, 1, 'l', 5, 0, 1, 'x', 6, 2});
const Bytes kConfirm = octets({5});
const Bytes kEvent = octets({7, 3, 'l', 'o', 'g', 3, 3, 'm', 's', 'g', 0, 2, 'h', 'i'});
const Bytes kStream = test::concat({frame(kResponse), frame(kConfirm), frame(kEvent)});

// Takes every complete packet, as copies.
std::vector<Bytes> drain(StreamSplitter& splitter) {
  std::vector<Bytes> packets;
  while (true) {
    const auto next = splitter.next();
    REQUIRE(next);
    if (!*next) return packets;
    packets.emplace_back((*next)->begin(), (*next)->end());
  }
}

// Feeds kStream in reads that end at `cuts`, taking packets after each read.
std::vector<Bytes> split_at(std::initializer_list<std::size_t> cuts) {
  StreamSplitter splitter;
  std::vector<Bytes> packets;
  std::size_t from = 0;
  for (const std::size_t to : cuts) {
    splitter.feed(std::span(kStream).subspan(from, to - from));
    for (Bytes& p : drain(splitter)) packets.push_back(std::move(p));
    from = to;
  }
  splitter.feed(std::span(kStream).subspan(from));
  for (Bytes& p : drain(splitter)) packets.push_back(std::move(p));
  CHECK(splitter.buffered() == 0);
  return packets;
}

const std::vector<Bytes> kPackets = {kResponse, kConfirm, kEvent};

TEST_CASE("one read yields every packet") {
  CHECK(split_at({}) == kPackets);
}

TEST_CASE("every split into two reads yields the same packets") {
  for (std::size_t i = 0; i <= kStream.size(); ++i) {
    CAPTURE(i);
    CHECK(split_at({i}) == kPackets);
  }
}

TEST_CASE("every split into three reads yields the same packets") {
  for (std::size_t i = 0; i <= kStream.size(); ++i) {
    for (std::size_t j = i; j <= kStream.size(); ++j) {
      CAPTURE(i);
      CAPTURE(j);
      CHECK(split_at({i, j}) == kPackets);
    }
  }
}

TEST_CASE("one octet at a time") {
  StreamSplitter splitter;
  std::vector<Bytes> packets;
  for (const std::byte b : kStream) {
    splitter.feed(std::span(&b, 1));
    for (Bytes& p : drain(splitter)) packets.push_back(std::move(p));
  }
  CHECK(packets == kPackets);
}

TEST_CASE("the packets decode") {
  StreamSplitter splitter;
  splitter.feed(kStream);
  std::vector<PacketType> types;
  while (true) {
    const auto next = splitter.next();
    REQUIRE(next);
    if (!*next) break;
    const auto packet = decode_packet(**next);
    REQUIRE(packet);
    types.push_back(packet->type);
  }
  CHECK(types == std::vector{PacketType::CmdResponse, PacketType::EventConfirm, PacketType::Event});
}

TEST_CASE("a partial packet stays buffered until it is complete") {
  StreamSplitter splitter;
  const Bytes f = frame(kEvent);
  splitter.feed(std::span(f).first(3));
  CHECK(drain(splitter).empty());
  CHECK(splitter.buffered() == 3);
  splitter.feed(std::span(f).subspan(3, f.size() - 4));
  CHECK(drain(splitter).empty());
  CHECK(splitter.buffered() == f.size() - 1);
  splitter.feed(std::span(f).last(1));
  CHECK(drain(splitter) == std::vector<Bytes>{kEvent});
  CHECK(splitter.buffered() == 0);
}

TEST_CASE("a zero-length packet is passed on, and decoding refuses it") {
  StreamSplitter splitter;
  splitter.feed(octets({0, 0, 0, 0}));
  const auto next = splitter.next();
  REQUIRE((next && *next));
  CHECK((*next)->empty());
  CHECK_FALSE(decode_packet(**next));
}

TEST_CASE("a packet of kMaxPacketSize passes") {
  StreamSplitter splitter;
  splitter.feed(octets({0, 0x08, 0, 0}));  // 512 KiB
  CHECK(drain(splitter).empty());
  const Bytes body(kMaxPacketSize, std::byte{5});
  splitter.feed(body);
  const auto packets = drain(splitter);
  REQUIRE(packets.size() == 1);
  CHECK(packets[0].size() == kMaxPacketSize);
}

TEST_CASE("a length over kMaxPacketSize ends the stream as soon as it is read") {
  StreamSplitter splitter;
  splitter.feed(frame(kConfirm));
  splitter.feed(octets({0, 0x08, 0, 1}));  // 512 KiB + 1, nothing after it yet
  const auto confirm = splitter.next();
  REQUIRE((confirm && *confirm));
  const auto oversized = splitter.next();
  REQUIRE_FALSE(oversized);
  CHECK(oversized.error() == ParseError{ParseErrc::BadLength, 5});

  // Sticky: later octets are ignored and the error repeats.
  const std::size_t buffered = splitter.buffered();
  splitter.feed(frame(kConfirm));
  CHECK(splitter.buffered() == buffered);
  const auto again = splitter.next();
  REQUIRE_FALSE(again);
  CHECK(again.error() == ParseError{ParseErrc::BadLength, 5});
}

TEST_CASE("the largest length is refused, not allocated") {
  StreamSplitter splitter;
  splitter.feed(octets({0xff, 0xff, 0xff, 0xff}));
  const auto next = splitter.next();
  REQUIRE_FALSE(next);
  CHECK(next.error() == ParseError{ParseErrc::BadLength, 0});
}

}  // namespace
}  // namespace ikesteer::vici
