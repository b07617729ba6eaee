// decode_packet: each packet type, and one case per way a packet is refused.
#include "agent/vici/decode.hpp"

#include <doctest/doctest.h>

#include "vici_test_util.hpp"

namespace ikesteer::vici {
namespace {

using test::Bytes;
using test::octets;

ParseError error_of(const Bytes& packet) {
  const auto decoded = decode_packet(packet);
  REQUIRE_FALSE(decoded);
  return decoded.error();
}

// A CMD_RESPONSE carrying `message`.
Bytes response(std::initializer_list<int> message) {
  return test::concat({octets({1}), octets(message)});
}

TEST_CASE("packet types without a message") {
  for (const int type : {2, 5, 6}) {
    const auto p = decode_packet(octets({type}));
    REQUIRE(p);
    CHECK(static_cast<int>(p->type) == type);
    CHECK(p->name.empty());
    CHECK(p->message.elements.empty());
  }
  for (const int type : {3, 4}) {
    const auto p = decode_packet(octets({type, 3, 'l', 'o', 'g'}));
    REQUIRE(p);
    CHECK(static_cast<int>(p->type) == type);
    CHECK(p->name == "log");
    CHECK(p->message.elements.empty());
  }
}

TEST_CASE("packet types with a message") {
  const auto request = decode_packet(octets({0, 7, 'v', 'e', 'r', 's', 'i', 'o', 'n'}));
  REQUIRE(request);
  CHECK(request->type == PacketType::CmdRequest);
  CHECK(request->name == "version");
  CHECK(request->message.elements.empty());

  // The empty CMD_RESPONSE that ends a list-sas stream.
  const auto empty = decode_packet(octets({1}));
  REQUIRE(empty);
  CHECK(empty->type == PacketType::CmdResponse);
  CHECK(empty->message.elements.empty());

  const auto event =
      decode_packet(octets({7, 3, 'l', 'o', 'g', 3, 3, 'm', 's', 'g', 0, 2, 'h', 'i'}));
  REQUIRE(event);
  CHECK(event->type == PacketType::Event);
  CHECK(event->name == "log");
  CHECK(event->message.value("msg") == "hi");
}

TEST_CASE("names and values are octet strings") {
  const auto p = decode_packet(response({3, 2, 'k', 0, 0, 4, 0, 0xff, '\n', 0}));
  REQUIRE(p);
  CHECK(p->message.value(std::string_view("k\0", 2)) == std::string_view("\0\xff\n\0", 4));
}

TEST_CASE("empty names, values, lists and sections") {
  const auto p = decode_packet(response({3, 0, 0, 0, 4, 0, 5, 0, 0, 6, 1, 0, 2}));
  REQUIRE(p);
  REQUIRE(p->message.elements.size() == 3);
  CHECK(p->message.value("") == "");
  REQUIRE(p->message.list("") != nullptr);
  CHECK(*p->message.list("") == std::vector<std::string>{""});
  REQUIRE(p->message.section("") != nullptr);
  CHECK(p->message.section("")->elements.empty());
}

TEST_CASE("an empty packet is truncated") {
  CHECK(error_of({}) == ParseError{ParseErrc::Truncated, 0});
}

TEST_CASE("an unknown packet type") {
  CHECK(error_of(octets({8})) == ParseError{ParseErrc::BadValue, 0});
  CHECK(error_of(octets({0xff})) == ParseError{ParseErrc::BadValue, 0});
}

TEST_CASE("a name past the end") {
  CHECK(error_of(octets({0})) == ParseError{ParseErrc::Truncated, 1});
  CHECK(error_of(octets({0, 5, 'a', 'b'})) == ParseError{ParseErrc::Truncated, 2});
}

TEST_CASE("octets after a packet that has no message") {
  CHECK(error_of(octets({5, 0})) == ParseError{ParseErrc::TrailingData, 1});
  CHECK(error_of(octets({3, 1, 'x', 1, 1, 's', 2})) == ParseError{ParseErrc::TrailingData, 3});
}

TEST_CASE("an unknown element type") {
  CHECK(error_of(response({0})) == ParseError{ParseErrc::BadValue, 1});
  CHECK(error_of(response({3, 1, 'k', 0, 0, 7})) == ParseError{ParseErrc::BadValue, 6});
}

TEST_CASE("SECTION_END without SECTION_START") {
  CHECK(error_of(response({1, 1, 's', 2, 2})) == ParseError{ParseErrc::BadValue, 5});
}

TEST_CASE("LIST_END without LIST_START") {
  CHECK(error_of(response({6})) == ParseError{ParseErrc::BadValue, 1});
}

TEST_CASE("LIST_ITEM outside a list") {
  CHECK(error_of(response({5, 0, 1, 'x'})) == ParseError{ParseErrc::BadValue, 1});
}

TEST_CASE("anything but LIST_ITEM and LIST_END inside a list") {
  // KEY_VALUE, SECTION_START, SECTION_END and a nested LIST_START after "list l".
  for (const int element : {3, 1, 2, 4}) {
    CHECK(error_of(response({1, 1, 's', 4, 1, 'l', element, 1, 'k', 0, 0, 6, 2})) ==
          ParseError{ParseErrc::BadValue, 7});
  }
}

TEST_CASE("a key or value past the end") {
  CHECK(error_of(response({3})) == ParseError{ParseErrc::Truncated, 2});
  CHECK(error_of(response({3, 1, 'k', 0})) == ParseError{ParseErrc::Truncated, 4});
  CHECK(error_of(response({3, 1, 'k', 0, 5, 'a'})) == ParseError{ParseErrc::Truncated, 6});
  CHECK(error_of(response({4, 1, 'l', 5, 0, 2, 'x'})) == ParseError{ParseErrc::Truncated, 7});
}

TEST_CASE("a section still open at the end") {
  CHECK(error_of(response({1, 1, 's', 1, 1, 't', 2})) == ParseError{ParseErrc::Truncated, 8});
}

TEST_CASE("a list still open at the end") {
  CHECK(error_of(response({4, 1, 'l', 5, 0, 1, 'x'})) == ParseError{ParseErrc::Truncated, 8});
}

// A CMD_RESPONSE with `depth` nested sections named "s" and a key in the innermost.
Bytes nested(std::size_t depth) {
  Bytes b = octets({1});
  for (std::size_t i = 0; i < depth; ++i)
    b.insert(b.end(), {std::byte{1}, std::byte{1}, std::byte{'s'}});
  const Bytes key = octets({3, 1, 'k', 0, 1, 'v'});
  b.insert(b.end(), key.begin(), key.end());
  b.insert(b.end(), depth, std::byte{2});
  return b;
}

TEST_CASE("sections nest up to kMaxDepth") {
  const auto p = decode_packet(nested(kMaxDepth));
  REQUIRE(p);
  const Section* s = &p->message;
  for (std::size_t i = 0; i < kMaxDepth; ++i) {
    s = s->section("s");
    REQUIRE(s != nullptr);
  }
  CHECK(s->value("k") == "v");
  CHECK(error_of(nested(kMaxDepth + 1)) == ParseError{ParseErrc::TooMany, 1 + 3 * kMaxDepth});
}

TEST_CASE("the first error counts") {
  // LIST_ITEM outside a list, then an unknown element type.
  CHECK(error_of(response({5, 0, 0, 9})) == ParseError{ParseErrc::BadValue, 1});
}

}  // namespace
}  // namespace ikesteer::vici
