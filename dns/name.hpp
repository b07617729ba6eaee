// Domain names in wire form (RFC 1035 §3.1): a sequence of length-prefixed labels ending with
// the empty root label. Names read from packets may use compression pointers (RFC 1035
// §4.1.4); they are expanded into a WireName, a fixed-size value, so that parsing never
// allocates. Comparison is ASCII case-insensitive (RFC 4343 §3).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/byte_reader.hpp"
#include "common/result.hpp"

namespace ikesteer::dns {

inline constexpr std::size_t kMaxNameSize = 255;  // octets incl. the root label, RFC 1035 §2.3.4
inline constexpr std::size_t kMaxLabelSize = 63;  // RFC 1035 §2.3.4

struct WireName {
  std::array<std::byte, kMaxNameSize> data{};
  std::size_t size = 1;  // the root name: one zero octet
  std::size_t labels = 0;

  std::span<const std::byte> wire() const noexcept { return {data.data(), size}; }
  // The name from its `skip`-th label on (skip <= labels), e.g. the parent for skip 1.
  std::span<const std::byte> suffix(std::size_t skip) const noexcept;
};

// Reads a possibly compressed name at the reader's position; `message` is the whole DNS message
// the reader was created over (offsets are the reader's offset()). The reader moves past the
// name as it appears in place (up to and including the first pointer). Errors (sticky in the
// reader): Truncated; BadValue for a pointer that does not point strictly before the start of
// the label run it ends (this rules out loops and forward pointers) and for the label types
// 0b01/0b10 (RFC 6891 §5); BadLength for a name over 255 octets.
void read_name(ByteReader& r, std::span<const std::byte> message, WireName& out) noexcept;

// ASCII lower case of every label octet (RFC 4343 §3: only A-Z fold).
void to_lower(WireName& name) noexcept;
// ASCII case folding of one octet (RFC 4343 §3); inline: it runs for every octet of every
// name compared.
constexpr std::byte to_lower(std::byte b) noexcept {
  return (b >= std::byte{'A'} && b <= std::byte{'Z'}) ? (b | std::byte{0x20}) : b;
}

// Case-insensitive equality of two uncompressed wire names.
bool names_equal(std::span<const std::byte> a, std::span<const std::byte> b) noexcept;

// Presentation form to wire (configuration only). Absolute with or without the trailing dot,
// unless `origin` is given: then a name without a trailing dot is relative to it and "@" is
// the origin (RFC 1035 §5.1). No escapes; labels 1..63 octets of printable ASCII other than
// '.', '\\', '"', ';' and whitespace; at most 255 octets. The error says what is wrong.
Result<WireName, std::string> name_from_text(std::string_view text,
                                             const WireName* origin = nullptr);

// Presentation form with a trailing dot (for messages and tests).
std::string name_to_text(std::span<const std::byte> wire);

// True if `name` equals `zone` or lies below it (both uncompressed, same case rules).
bool is_subdomain(std::span<const std::byte> name, const WireName& zone) noexcept;

}  // namespace ikesteer::dns
