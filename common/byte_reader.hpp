// Bounded big-endian reader over untrusted bytes. The first error is sticky: after it every
// read returns zero or an empty span, so a parser reads a run of fields and checks ok() once.
#pragma once

#include <endian.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "common/result.hpp"

namespace ikesteer {

enum class ParseErrc : std::uint8_t {
  Truncated,     // a read ran past the end
  TrailingData,  // bytes left where the structure should have ended
  BadLength,     // a length field that is impossible for its structure
  BadValue,      // a field whose value the protocol forbids
  TooMany,       // a count above our bound
};

struct ParseError {
  ParseErrc code;
  std::size_t offset;  // from the start of the outermost reader's bytes
  bool operator==(const ParseError&) const = default;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::byte> bytes, std::size_t base_offset = 0) noexcept
      : bytes_(bytes), base_(base_offset) {}

  std::uint8_t u8() noexcept { return take<std::uint8_t>(); }
  std::uint16_t u16() noexcept { return be16toh(take<std::uint16_t>()); }
  std::uint32_t u32() noexcept { return be32toh(take<std::uint32_t>()); }
  std::uint64_t u64() noexcept { return be64toh(take<std::uint64_t>()); }

  // A view into the input; valid as long as the input is.
  std::span<const std::byte> bytes(std::size_t n) noexcept {
    if (!need(n)) return {};
    auto out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  std::span<const std::byte> rest() noexcept { return bytes(remaining()); }
  void skip(std::size_t n) noexcept { (void)bytes(n); }

  // A child reader bounded to the next n bytes, which this reader consumes. If they are not
  // there, both readers fail.
  ByteReader sub(std::size_t n) noexcept {
    const std::size_t at = base_ + pos_;
    if (!need(n)) {
      ByteReader failed({}, at);
      failed.error_ = error_;
      return failed;
    }
    ByteReader child(bytes_.subspan(pos_, n), at);
    pos_ += n;
    return child;
  }

  // Records a semantic error at the current position (keeps an earlier one).
  void fail(ParseErrc code) noexcept {
    if (ok()) error_ = ParseError{code, base_ + pos_};
  }

  Result<void, ParseError> expect_end() noexcept {
    if (ok() && remaining() != 0) fail(ParseErrc::TrailingData);
    if (!ok()) return ikesteer::fail(error_);
    return {};
  }

  bool ok() const noexcept { return !failed_(); }
  ParseError error() const noexcept { return error_; }
  std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
  std::size_t offset() const noexcept { return base_ + pos_; }
  bool empty() const noexcept { return remaining() == 0; }

 private:
  static constexpr ParseError kNoError{ParseErrc::Truncated, SIZE_MAX};
  bool failed_() const noexcept { return error_.offset != SIZE_MAX; }

  bool need(std::size_t n) noexcept {
    if (!ok()) return false;
    if (n > remaining()) {
      error_ = ParseError{ParseErrc::Truncated, base_ + pos_};
      return false;
    }
    return true;
  }

  // memcpy, not a pointer cast: the input has no alignment.
  template <class T>
  T take() noexcept {
    if (!need(sizeof(T))) return 0;
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }

  std::span<const std::byte> bytes_;
  std::size_t base_;
  std::size_t pos_ = 0;
  ParseError error_ = kNoError;
};

}  // namespace ikesteer
