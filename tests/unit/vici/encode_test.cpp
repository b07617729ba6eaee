// encode_packet: round trips, and each limit refused rather than truncated.
#include "agent/vici/encode.hpp"

#include <doctest/doctest.h>

#include <string>

#include "agent/vici/decode.hpp"
#include "vici_test_util.hpp"

namespace ikesteer::vici {
namespace {

using test::Bytes;

// decode(encode(p)), which must succeed.
Packet round_trip(const Packet& p) {
  const auto encoded = encode_packet(p);
  REQUIRE(encoded);
  const auto decoded = decode_packet(std::span(*encoded).subspan(kLengthPrefixSize));
  REQUIRE(decoded);
  return *decoded;
}

EncodeErrc error_of(const Packet& p) {
  const auto encoded = encode_packet(p);
  REQUIRE_FALSE(encoded);
  return encoded.error();
}

Packet packet(PacketType type, std::string name = {}) {
  Packet p;
  p.type = type;
  p.name = std::move(name);
  return p;
}

// A CMD_RESPONSE of exactly `size` octets (without the length prefix): values under key "k".
Packet response_of_size(std::size_t size) {
  Packet p = packet(PacketType::CmdResponse);
  std::size_t left = size - 1;          // the type octet
  constexpr std::size_t kOverhead = 5;  // KEY_VALUE, key length, "k", value length
  while (left > 0) {
    const std::size_t value = std::min(left - kOverhead, kMaxValueSize);
    p.message.add_value("k", std::string(value, 'v'));
    left -= kOverhead + value;
  }
  return p;
}

TEST_CASE("every packet type round-trips") {
  Section message;
  message.add_value("a", "1");
  message.add_section("s").add_list("l", {"x", "y"});
  for (const auto type : {PacketType::CmdRequest, PacketType::CmdResponse, PacketType::CmdUnknown,
                          PacketType::EventRegister, PacketType::EventUnregister,
                          PacketType::EventConfirm, PacketType::EventUnknown, PacketType::Event}) {
    CAPTURE(static_cast<int>(type));
    Packet p = packet(type, has_name(type) ? "name" : "");
    if (has_message(type)) p.message = message;
    CHECK(round_trip(p) == p);
  }
}

TEST_CASE("element order is kept") {
  Packet p = packet(PacketType::Event, "e");
  p.message.add_section("s1").add_value("k", "v");
  p.message.add_value("k", "v");
  p.message.add_list("l", {});
  p.message.add_section("s2");
  p.message.add_value("z", std::string("\0\xff", 2));
  CHECK(round_trip(p) == p);
}

TEST_CASE("names up to 255 octets, values up to 65535") {
  const std::string name(kMaxNameSize, 'n');
  const std::string value(kMaxValueSize, 'v');
  Packet p = packet(PacketType::CmdRequest, name);
  p.message.add_value(name, value);
  p.message.add_list(name, {value});
  p.message.add_section(name);
  CHECK(round_trip(p) == p);
}

TEST_CASE("a name over 255 octets is refused") {
  const std::string name(kMaxNameSize + 1, 'n');
  CHECK(error_of(packet(PacketType::EventRegister, name)) == EncodeErrc::NameTooLong);
  Packet key = packet(PacketType::CmdResponse);
  key.message.add_value(name, "v");
  CHECK(error_of(key) == EncodeErrc::NameTooLong);
  Packet list = packet(PacketType::CmdResponse);
  list.message.add_list(name, {});
  CHECK(error_of(list) == EncodeErrc::NameTooLong);
  Packet section = packet(PacketType::CmdResponse);
  section.message.add_section("s").add_section(name);
  CHECK(error_of(section) == EncodeErrc::NameTooLong);
}

TEST_CASE("a value over 65535 octets is refused") {
  const std::string value(kMaxValueSize + 1, 'v');
  Packet key = packet(PacketType::CmdResponse);
  key.message.add_section("s").add_value("k", value);
  CHECK(error_of(key) == EncodeErrc::ValueTooLong);
  Packet item = packet(PacketType::CmdResponse);
  item.message.add_list("l", {"x", value});
  CHECK(error_of(item) == EncodeErrc::ValueTooLong);
}

TEST_CASE("sections nested deeper than kMaxDepth are refused") {
  Packet p = packet(PacketType::CmdResponse);
  Section* s = &p.message;
  for (std::size_t i = 0; i < kMaxDepth; ++i) s = &s->add_section("s");
  CHECK(round_trip(p) == p);
  s->add_section("s");
  CHECK(error_of(p) == EncodeErrc::TooDeep);
}

TEST_CASE("a packet over kMaxPacketSize is refused") {
  const Packet largest = response_of_size(kMaxPacketSize);
  const auto encoded = encode_packet(largest);
  REQUIRE(encoded);
  CHECK(encoded->size() == kLengthPrefixSize + kMaxPacketSize);
  CHECK(round_trip(largest) == largest);
  CHECK(error_of(response_of_size(kMaxPacketSize + 1)) == EncodeErrc::TooLarge);

  // The packet name counts too: its length octet and "e" make one over.
  Packet named = response_of_size(kMaxPacketSize - 1);
  named.type = PacketType::Event;
  named.name = "e";
  CHECK(error_of(named) == EncodeErrc::TooLarge);
}

TEST_CASE("a name or message on a type without one is refused, as is an unknown type") {
  CHECK(error_of(packet(PacketType::CmdResponse, "x")) == EncodeErrc::BadType);
  CHECK(error_of(packet(PacketType::EventConfirm, "x")) == EncodeErrc::BadType);
  Packet registered = packet(PacketType::EventRegister, "log");
  registered.message.add_value("k", "v");
  CHECK(error_of(registered) == EncodeErrc::BadType);
  CHECK(error_of(packet(static_cast<PacketType>(8))) == EncodeErrc::BadType);
}

}  // namespace
}  // namespace ikesteer::vici
