// Requests and reply checks of ikesteer_loadgen.
//
// A request is the spec §10.1 message (SA, KE, Ni, N(REDIRECT_SUPPORTED)) with a fresh SPIi and
// Ni. SPIi carries the request's sequence number and Ni is derived from it, so a reply can be
// checked without storing per-request bytes:
//
//   SPIi = seq (32 bits) | tag(seq) (32 bits)      Ni = 32 octets of mix64(salt, seq)
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>

#include "common/byte_reader.hpp"
#include "common/hash.hpp"

namespace ikesteer::bench {

// RFC 7296 §3.1 header, §3.2 payload types, §3.10 Notify; RFC 5685 §4.3 REDIRECT.
inline constexpr std::size_t kHeaderSize = 28;
inline constexpr std::size_t kMarkerSize = 4;  // RFC 3948 §2.2 non-ESP marker on UDP 4500
inline constexpr std::uint8_t kVersion2 = 0x20;
inline constexpr std::uint8_t kExchangeIkeSaInit = 34;
inline constexpr std::uint8_t kFlagsResponse = 0x20;  // R set, I and V clear
inline constexpr std::uint8_t kPayloadNotify = 41;
inline constexpr std::uint16_t kNotifyRedirect = 16407;
inline constexpr std::size_t kNonceSize = 32;

// Spec §10.1, 152 octets; SPIi at 0 and the Ni data at kNonceOffset are rewritten per request.
inline constexpr std::array<std::uint8_t, 152> kRequestTemplate = {
    0x8a, 0x3c, 0x5e, 0x7f, 0x0b, 0x1d, 0x2e, 0x4f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x21, 0x20, 0x22, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x98, 0x22, 0x00, 0x00, 0x28,
    0x00, 0x00, 0x00, 0x24, 0x01, 0x01, 0x00, 0x03, 0x03, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x14,
    0x80, 0x0e, 0x01, 0x00, 0x03, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x08,
    0x04, 0x00, 0x00, 0x1f, 0x28, 0x00, 0x00, 0x28, 0x00, 0x1f, 0x00, 0x00, 0xa0, 0xa1, 0xa2, 0xa3,
    0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3,
    0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0x29, 0x00, 0x00, 0x24,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
    0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x40, 0x16};
inline constexpr std::size_t kNonceOffset = 0x70;

// ---------------------------------------------------------------------------------------------
// Request identity: sequence number <-> SPIi, Ni, client

class Identity {
 public:
  Identity(std::uint64_t salt, std::uint32_t addresses, std::uint32_t ports)
      : salt_(salt), addresses_(addresses), clients_(std::uint64_t{addresses} * ports) {}

  std::uint64_t spi(std::uint64_t seq) const { return seq << 32 | tag(seq); }
  // The sequence number a reply's SPIi names, or 0 if it is not one we could have sent.
  std::uint64_t seq_of(std::uint64_t spi) const {
    const std::uint64_t seq = spi >> 32;
    return (seq != 0 && (spi & 0xffffffffULL) == tag(seq)) ? seq : 0;
  }
  void nonce(std::uint64_t seq, std::span<std::byte, kNonceSize> out) const {
    for (std::size_t k = 0; k < kNonceSize / 8; ++k) {
      const std::uint64_t w = mix64(salt_ + seq * 4 + k + 1);
      std::memcpy(out.data() + 8 * k, &w, 8);
    }
  }
  // Client c sends from socket c / addresses and address src_base + c % addresses, so runs of
  // consecutive requests share a socket and batch into one sendmmsg.
  std::uint64_t client(std::uint64_t seq) const { return seq % clients_; }
  std::uint32_t socket_index(std::uint64_t seq) const {
    return static_cast<std::uint32_t>(client(seq) / addresses_);
  }
  std::uint32_t address_offset(std::uint64_t seq) const {
    return static_cast<std::uint32_t>(client(seq) % addresses_);
  }
  std::uint64_t clients() const { return clients_; }

 private:
  std::uint64_t tag(std::uint64_t seq) const { return mix64(seq ^ ~salt_) & 0xffffffffULL; }
  std::uint64_t salt_;
  std::uint32_t addresses_;
  std::uint64_t clients_;
};

// ---------------------------------------------------------------------------------------------
// Reply validation (spec §7.3 step 7)

#define LOADGEN_INVALID_REASONS(X)                                         \
  X(WrongSource, "reply not from the server's address/port")               \
  X(WrongClient, "reply not sent to the requesting client's address/port") \
  X(BadMarker, "UDP 4500 reply without a zero non-ESP marker")             \
  X(Short, "shorter than an IKE header")                                   \
  X(LengthMismatch, "header Length != datagram length")                    \
  X(UnknownSpi, "SPIi does not echo a request's SPIi")                     \
  X(SpirNonZero, "SPIr not 0")                                             \
  X(BadVersion, "version not 0x20")                                        \
  X(NotIkeSaInit, "exchange type not IKE_SA_INIT")                         \
  X(BadFlags, "flags not 0x20 (R set, I and V clear)")                     \
  X(MidNonZero, "Message ID not 0")                                        \
  X(BadChain, "payload chain does not end exactly at Length")              \
  X(CriticalBit, "critical bit set in a reply payload")                    \
  X(BadNotify, "REDIRECT with protocol ID or SPI size != 0")               \
  X(BadGateway, "REDIRECT gateway identity malformed")                     \
  X(NonceMismatch, "REDIRECT Nonce Data != the request's Ni")              \
  X(RedirectCount, "not exactly one REDIRECT notify")

#define LOADGEN_ENUM(name, text) name,
enum class Invalid : std::uint8_t { LOADGEN_INVALID_REASONS(LOADGEN_ENUM) Count };
#undef LOADGEN_ENUM

inline const char* describe(Invalid r) {
#define LOADGEN_TEXT(name, text) text,
  static constexpr const char* kText[] = {LOADGEN_INVALID_REASONS(LOADGEN_TEXT)};
#undef LOADGEN_TEXT
  return kText[static_cast<std::size_t>(r)];
}

struct Gateway {
  std::uint8_t type = 0;
  std::uint8_t size = 0;
  std::array<std::byte, 255> value{};
};

struct Checked {
  std::optional<Invalid> invalid;
  std::uint64_t seq = 0;  // 0 when the SPIi could not be mapped to a request
  Gateway gateway;
};

// Where the reply came from and went to, and its bytes.
struct Received {
  std::span<const std::byte> payload;
  sockaddr_in from{};
  in_addr to{};  // local address it reached (IP_PKTINFO)
  std::uint32_t socket = 0;
};

// What a correct reply must match besides its request: the server's address and port, the
// framing, and the client address range.
struct Expectation {
  sockaddr_in server{};
  bool marker = false;
  std::uint32_t src_base = 0;  // host order
};

class ReplyChecker {
 public:
  // Both must outlive the checker.
  ReplyChecker(const Expectation& e, const Identity& id) : expect_(e), id_(id) {}

  // `sent_seq`: requests with a sequence number below it have been sent.
  Checked check(const Received& r, std::uint64_t sent_seq) const {
    Checked c;
    std::span<const std::byte> msg = r.payload;
    if (expect_.marker) {
      ByteReader marker(msg);
      if (marker.u32() != 0 || !marker.ok()) return fail(c, Invalid::BadMarker);
      msg = msg.subspan(kMarkerSize);
    }
    if (msg.size() < kHeaderSize) return fail(c, Invalid::Short);
    ByteReader rd(msg);
    const std::uint64_t spii = rd.u64();
    const std::uint64_t spir = rd.u64();
    std::uint8_t next = rd.u8();
    const std::uint8_t version = rd.u8();
    const std::uint8_t exchange = rd.u8();
    const std::uint8_t flags = rd.u8();
    const std::uint32_t mid = rd.u32();
    const std::uint32_t length = rd.u32();
    c.seq = id_.seq_of(spii);
    if (c.seq >= sent_seq) c.seq = 0;
    if (length != msg.size()) return fail(c, Invalid::LengthMismatch);
    if (c.seq == 0) return fail(c, Invalid::UnknownSpi);
    if (r.from.sin_addr.s_addr != expect_.server.sin_addr.s_addr ||
        r.from.sin_port != expect_.server.sin_port)
      return fail(c, Invalid::WrongSource);
    if (r.socket != id_.socket_index(c.seq) ||
        ntohl(r.to.s_addr) != expect_.src_base + id_.address_offset(c.seq))
      return fail(c, Invalid::WrongClient);
    if (spir != 0) return fail(c, Invalid::SpirNonZero);
    if (version != kVersion2) return fail(c, Invalid::BadVersion);
    if (exchange != kExchangeIkeSaInit) return fail(c, Invalid::NotIkeSaInit);
    if (flags != kFlagsResponse) return fail(c, Invalid::BadFlags);
    if (mid != 0) return fail(c, Invalid::MidNonZero);

    // RFC 7296 §3.2: each payload length >= 4 and inside the message; the chain ends at Length.
    unsigned redirects = 0;
    while (next != 0) {
      if (rd.remaining() < 4) return fail(c, Invalid::BadChain);
      const std::uint8_t type = next;
      next = rd.u8();
      const std::uint8_t critical = rd.u8();
      const std::uint16_t size = rd.u16();
      if (size < 4 || size - 4u > rd.remaining()) return fail(c, Invalid::BadChain);
      ByteReader body = rd.sub(size - 4u);
      if (critical & 0x80) return fail(c, Invalid::CriticalBit);
      if (type != kPayloadNotify) continue;
      const std::uint8_t protocol = body.u8();
      const std::uint8_t spi_size = body.u8();
      if (body.u16() != kNotifyRedirect || !body.ok()) continue;
      ++redirects;
      if (protocol != 0 || spi_size != 0) return fail(c, Invalid::BadNotify);
      if (auto bad = check_redirect(body, c)) return fail(c, *bad);
    }
    if (!rd.empty()) return fail(c, Invalid::BadChain);
    if (redirects != 1) return fail(c, Invalid::RedirectCount);
    return c;
  }

 private:
  static Checked fail(Checked c, Invalid why) {
    c.invalid = why;
    return c;
  }

  // RFC 5685 §4.3: GW Identity Type, GW Identity Len, identity, then Nonce Data = Ni.
  std::optional<Invalid> check_redirect(ByteReader& body, Checked& c) const {
    const std::uint8_t type = body.u8();
    const std::uint8_t size = body.u8();
    const auto identity = body.bytes(size);
    const bool size_ok =
        (type == 1 && size == 4) || (type == 2 && size == 16) || (type == 3 && size >= 1);
    if (!body.ok() || !size_ok) return Invalid::BadGateway;
    std::array<std::byte, kNonceSize> ni;
    id_.nonce(c.seq, ni);
    const auto nonce = body.rest();
    if (nonce.size() != ni.size() || std::memcmp(nonce.data(), ni.data(), ni.size()) != 0)
      return Invalid::NonceMismatch;
    c.gateway.type = type;
    c.gateway.size = size;
    std::memcpy(c.gateway.value.data(), identity.data(), size);
    return std::nullopt;
  }

  const Expectation& expect_;
  const Identity& id_;
};

inline std::string gateway_text(const Gateway& g) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (g.type == 1) return inet_ntop(AF_INET, g.value.data(), buf, sizeof buf);
  if (g.type == 2) return inet_ntop(AF_INET6, g.value.data(), buf, sizeof buf);
  return std::string(reinterpret_cast<const char*>(g.value.data()), g.size);
}

}  // namespace ikesteer::bench
