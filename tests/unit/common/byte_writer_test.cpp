#include "common/byte_writer.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstddef>

namespace ikesteer {
namespace {

TEST_CASE("ByteWriter writes big-endian fields") {
  std::array<std::byte, 16> buf{};
  ByteWriter w(buf);
  w.u8(0x01);
  w.u16(0x0203);
  w.u32(0x04050607);
  w.u64(0x08090a0b0c0d0e0fULL);
  CHECK_FALSE(w.overflowed());
  REQUIRE(w.size() == 15);
  for (std::size_t i = 0; i < 15; ++i)
    CHECK(std::to_integer<int>(buf[i]) == static_cast<int>(i + 1));
  CHECK(w.written().data() == buf.data());
  CHECK(w.written().size() == 15);
}

TEST_CASE("ByteWriter bytes and patch") {
  std::array<std::byte, 8> buf{};
  ByteWriter w(buf);
  w.u16(0);
  const std::array<std::byte, 2> data{std::byte{0xaa}, std::byte{0xbb}};
  w.bytes(data);
  w.bytes({});
  w.patch_u16(0, static_cast<std::uint16_t>(w.size()));
  CHECK(buf[0] == std::byte{0});
  CHECK(buf[1] == std::byte{4});
  CHECK(buf[2] == std::byte{0xaa});
  CHECK(w.size() == 4);
  w.patch_u32(4, 0x01020304);  // past what was written but inside the buffer
  CHECK(buf[7] == std::byte{4});
  CHECK_FALSE(w.overflowed());
}

TEST_CASE("ByteWriter overflow is sticky and writes nothing past the end") {
  std::array<std::byte, 5> buf{};
  ByteWriter w(std::span<std::byte>(buf).first(3));
  w.u16(0x0102);
  w.u16(0x0304);  // does not fit
  CHECK(w.overflowed());
  CHECK(w.size() == 2);
  w.u8(0x05);  // would fit, but the writer has already failed
  CHECK(w.size() == 2);
  CHECK(buf[2] == std::byte{0});
  w.patch_u32(0, 0xffffffff);  // out of the span
  CHECK(buf[3] == std::byte{0});
  CHECK(w.overflowed());
}

}  // namespace
}  // namespace ikesteer
