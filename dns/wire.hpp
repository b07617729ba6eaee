// DNS wire constants and the fixed header.
//
// RFC 1035 §4.1.1 header:
//                                  1  1  1  1  1  1
//    0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
//  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//  |                      ID                       |
//  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//  |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
//  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//  |            QDCOUNT / ANCOUNT / NSCOUNT / ARCOUNT |
//  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
// (AD and CD: RFC 4035 §3.2.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/byte_reader.hpp"

namespace ikesteer::dns {

inline constexpr std::size_t kHeaderSize = 12;

namespace flag {
inline constexpr std::uint16_t kQr = 0x8000;
inline constexpr std::uint16_t kAa = 0x0400;
inline constexpr std::uint16_t kTc = 0x0200;
inline constexpr std::uint16_t kRd = 0x0100;
inline constexpr std::uint16_t kCd = 0x0010;
inline constexpr std::uint16_t kRcodeMask = 0x000f;
}  // namespace flag

inline constexpr std::uint8_t kOpcodeQuery = 0;

// RR types (RFC 1035 §3.2.2, RFC 3596 §2.1, RFC 6891 §6.1.1) and meta types
// (RFC 1035 §3.2.3, RFC 1995, RFC 2845/8945, RFC 2930).
namespace rrtype {
inline constexpr std::uint16_t kA = 1;
inline constexpr std::uint16_t kNs = 2;
inline constexpr std::uint16_t kCname = 5;
inline constexpr std::uint16_t kSoa = 6;
inline constexpr std::uint16_t kTxt = 16;
inline constexpr std::uint16_t kAaaa = 28;
inline constexpr std::uint16_t kOpt = 41;
inline constexpr std::uint16_t kTkey = 249;
inline constexpr std::uint16_t kTsig = 250;
inline constexpr std::uint16_t kIxfr = 251;
inline constexpr std::uint16_t kAxfr = 252;
inline constexpr std::uint16_t kMailb = 253;
inline constexpr std::uint16_t kMaila = 254;
inline constexpr std::uint16_t kAny = 255;
}  // namespace rrtype

inline constexpr std::uint16_t kClassIn = 1;

struct Header {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  std::uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;

  bool is_response() const noexcept { return (flags & flag::kQr) != 0; }
  std::uint8_t opcode() const noexcept { return static_cast<std::uint8_t>((flags >> 11) & 0xf); }
};

// Reads the 12 header octets (the reader fails if they are not there).
inline Header read_header(ByteReader& r) noexcept {
  Header h;
  h.id = r.u16();
  h.flags = r.u16();
  h.qdcount = r.u16();
  h.ancount = r.u16();
  h.nscount = r.u16();
  h.arcount = r.u16();
  return h;
}

}  // namespace ikesteer::dns
