// Big-endian writer into a caller-owned fixed buffer. Running out of room sets a sticky
// overflow flag instead of writing past the end; check overflowed() once at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace ikesteer {

class ByteWriter {
 public:
  explicit ByteWriter(std::span<std::byte> buffer) noexcept : buf_(buffer) {}

  void u8(std::uint8_t v) noexcept { put_be(v, 1); }
  void u16(std::uint16_t v) noexcept { put_be(v, 2); }
  void u32(std::uint32_t v) noexcept { put_be(v, 4); }
  void u64(std::uint64_t v) noexcept { put_be(v, 8); }
  void bytes(std::span<const std::byte> b) noexcept {
    if (!room(b.size())) return;
    if (!b.empty()) std::memcpy(buf_.data() + pos_, b.data(), b.size());
    pos_ += b.size();
  }

  // Overwrite an already written field, e.g. a length known only at the end.
  void patch_u16(std::size_t at, std::uint16_t v) noexcept { patch_be(at, v, 2); }
  void patch_u32(std::size_t at, std::uint32_t v) noexcept { patch_be(at, v, 4); }

  std::size_t size() const noexcept { return pos_; }
  bool overflowed() const noexcept { return overflow_; }
  std::span<const std::byte> written() const noexcept { return buf_.first(pos_); }

 private:
  bool room(std::size_t n) noexcept {
    if (overflow_ || n > buf_.size() - pos_) {
      overflow_ = true;
      return false;
    }
    return true;
  }
  void put_be(std::uint64_t v, std::size_t n) noexcept {
    if (!room(n)) return;
    patch_be(pos_, v, n);
    pos_ += n;
  }
  void patch_be(std::size_t at, std::uint64_t v, std::size_t n) noexcept {
    if (at + n > buf_.size()) {
      overflow_ = true;
      return;
    }
    for (std::size_t i = 0; i < n; ++i)
      buf_[at + i] = static_cast<std::byte>(v >> (8 * (n - 1 - i)));
  }

  std::span<std::byte> buf_;
  std::size_t pos_ = 0;
  bool overflow_ = false;
};

}  // namespace ikesteer
