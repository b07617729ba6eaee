// Splits the octets read from a VICI stream into packets (packet.hpp: a 32-bit length, then
// that many octets). It holds the octets of at most one incomplete packet between reads, if
// the caller takes every complete packet before feeding more.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "common/byte_reader.hpp"
#include "common/result.hpp"

namespace ikesteer::vici {

class StreamSplitter {
 public:
  // Appends octets read from the stream; ignored after an error.
  void feed(std::span<const std::byte> bytes);

  // The next complete packet, without its length prefix, or nullopt until more octets arrive.
  // The view is valid until the next feed(). A length above kMaxPacketSize is BadLength at its
  // offset in the stream, refused as soon as the length is there, without waiting for (or
  // keeping) what it announces. The error is sticky: a stream cannot be resynchronised, so the
  // caller closes the connection.
  using Next = std::optional<std::span<const std::byte>>;
  Result<Next, ParseError> next() noexcept;

  // Octets fed but not yet returned in a packet.
  std::size_t buffered() const noexcept { return buffer_.size() - start_; }

 private:
  std::vector<std::byte> buffer_;
  std::size_t start_ = 0;     // first octet not yet returned
  std::size_t consumed_ = 0;  // stream offset of buffer_[start_]
  std::optional<ParseError> error_;
};

}  // namespace ikesteer::vici
