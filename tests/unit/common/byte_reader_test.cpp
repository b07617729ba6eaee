#include "common/byte_reader.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstddef>

namespace ikesteer {
namespace {

constexpr std::array<std::byte, 8> kBytes{std::byte{0x01}, std::byte{0x02}, std::byte{0x03},
                                          std::byte{0x04}, std::byte{0x05}, std::byte{0x06},
                                          std::byte{0x07}, std::byte{0x08}};

TEST_CASE("ByteReader reads big-endian integers and views") {
  ByteReader r(kBytes);
  CHECK(r.u8() == 0x01);
  CHECK(r.u16() == 0x0203);
  CHECK(r.offset() == 3);
  const auto view = r.bytes(2);
  REQUIRE(view.size() == 2);
  CHECK(view.data() == kBytes.data() + 3);  // a view, not a copy
  CHECK(r.remaining() == 3);
  r.skip(3);
  CHECK(r.empty());
  CHECK(r.expect_end());
}

TEST_CASE("ByteReader u32 and u64") {
  ByteReader r(kBytes);
  CHECK(r.u64() == 0x0102030405060708ULL);
  ByteReader r2(kBytes);
  CHECK(r2.u32() == 0x01020304u);
  CHECK(r2.u32() == 0x05060708u);
  CHECK(r2.ok());
}

TEST_CASE("ByteReader error is sticky and records the first offset") {
  ByteReader r(kBytes);
  r.skip(6);
  CHECK(r.u32() == 0);  // past the end
  CHECK_FALSE(r.ok());
  CHECK(r.error() == ParseError{ParseErrc::Truncated, 6});
  CHECK(r.u8() == 0);  // later reads return zero even though bytes remain
  CHECK(r.bytes(1).empty());
  r.fail(ParseErrc::BadValue);  // does not replace the first error
  CHECK(r.error().code == ParseErrc::Truncated);
  const auto end = r.expect_end();
  REQUIRE_FALSE(end);
  CHECK(end.error() == ParseError{ParseErrc::Truncated, 6});
}

TEST_CASE("ByteReader fail records a semantic error at the current offset") {
  ByteReader r(kBytes);
  r.skip(2);
  r.fail(ParseErrc::BadValue);
  CHECK(r.error() == ParseError{ParseErrc::BadValue, 2});
}

TEST_CASE("ByteReader sub-reader is bounded and consumes its bytes") {
  ByteReader r(kBytes);
  r.skip(1);
  ByteReader child = r.sub(3);
  CHECK(r.offset() == 4);
  CHECK(child.offset() == 1);  // offsets stay relative to the outermost input
  CHECK(child.u16() == 0x0203);
  CHECK(child.u16() == 0);  // only one byte left in the child
  CHECK(child.error() == ParseError{ParseErrc::Truncated, 3});
  CHECK(r.ok());  // the parent is unaffected
  CHECK(r.u8() == 0x05);
}

TEST_CASE("ByteReader sub-reader past the end fails both readers") {
  ByteReader r(kBytes);
  r.skip(6);
  ByteReader child = r.sub(4);
  CHECK_FALSE(r.ok());
  CHECK_FALSE(child.ok());
  CHECK(child.u8() == 0);
  CHECK(child.error() == ParseError{ParseErrc::Truncated, 6});
}

TEST_CASE("ByteReader expect_end reports trailing data") {
  ByteReader r(kBytes);
  r.skip(5);
  const auto end = r.expect_end();
  REQUIRE_FALSE(end);
  CHECK(end.error() == ParseError{ParseErrc::TrailingData, 5});
}

TEST_CASE("ByteReader over nothing") {
  ByteReader r({});
  CHECK(r.empty());
  CHECK(r.expect_end());
  CHECK(r.rest().empty());
  CHECK(r.ok());
  CHECK(r.u8() == 0);
  CHECK_FALSE(r.ok());
}

}  // namespace
}  // namespace ikesteer
