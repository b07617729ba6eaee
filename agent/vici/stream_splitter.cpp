#include "agent/vici/stream_splitter.hpp"

#include <cstdint>

#include "agent/vici/packet.hpp"

namespace ikesteer::vici {

void StreamSplitter::feed(std::span<const std::byte> bytes) {
  if (error_) return;
  // Drop the packets already returned before appending, so the buffer stays small.
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
  start_ = 0;
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

Result<StreamSplitter::Next, ParseError> StreamSplitter::next() noexcept {
  if (error_) return fail(*error_);
  const std::span<const std::byte> unread = std::span(buffer_).subspan(start_);
  ByteReader r(unread, consumed_);
  const std::uint32_t length = r.u32();
  if (!r.ok()) return Next{};
  if (length > kMaxPacketSize) {
    error_ = ParseError{ParseErrc::BadLength, consumed_};
    return fail(*error_);
  }
  const auto packet = r.bytes(length);
  if (!r.ok()) return Next{};
  start_ += kLengthPrefixSize + length;
  consumed_ += kLengthPrefixSize + length;
  return Next{packet};
}

}  // namespace ikesteer::vici
