#include "packets.hpp"

#include <cctype>
#include <stdexcept>

#include "common/byte_writer.hpp"

namespace ikesteer::redirect::test {

Bytes hex(std::string_view text) {
  Bytes out;
  int high = -1;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    int v = 0;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      throw std::invalid_argument("bad hex digit");
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::byte>(high * 16 + v));
      high = -1;
    }
  }
  if (high >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

Bytes concat(std::initializer_list<std::span<const std::byte>> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const std::string_view kInitRequest = R"(
8a 3c 5e 7f 0b 1d 2e 4f 00 00 00 00 00 00 00 00
21 20 22 08 00 00 00 00 00 00 00 98 22 00 00 28
00 00 00 24 01 01 00 03 03 00 00 0c 01 00 00 14
80 0e 01 00 03 00 00 08 02 00 00 05 00 00 00 08
04 00 00 1f 28 00 00 28 00 1f 00 00 a0 a1 a2 a3
a4 a5 a6 a7 a8 a9 aa ab ac ad ae af b0 b1 b2 b3
b4 b5 b6 b7 b8 b9 ba bb bc bd be bf 29 00 00 24
10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f
20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f
00 00 00 08 00 00 40 16)";

const std::string_view kRedirectV4 = R"(
8a 3c 5e 7f 0b 1d 2e 4f 00 00 00 00 00 00 00 00
29 20 22 20 00 00 00 00 00 00 00 4a 00 00 00 2e
00 00 40 17 01 04 c0 00 02 0b 10 11 12 13 14 15
16 17 18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25
26 27 28 29 2a 2b 2c 2d 2e 2f)";

const std::string_view kRedirectFqdn = R"(
8a 3c 5e 7f 0b 1d 2e 4f 00 00 00 00 00 00 00 00
29 20 22 20 00 00 00 00 00 00 00 58 00 00 00 3c
00 00 40 17 03 12 76 70 6e 2d 6d 32 2e 65 78 61
6d 70 6c 65 2e 6e 65 74 10 11 12 13 14 15 16 17
18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25 26 27
28 29 2a 2b 2c 2d 2e 2f)";

const std::string_view kRedirectV6 = R"(
8a 3c 5e 7f 0b 1d 2e 4f 00 00 00 00 00 00 00 00
29 20 22 20 00 00 00 00 00 00 00 56 00 00 00 3a
00 00 40 17 02 10 20 01 0d b8 00 00 00 00 00 00
00 00 00 00 00 0b 10 11 12 13 14 15 16 17 18 19
1a 1b 1c 1d 1e 1f 20 21 22 23 24 25 26 27 28 29
2a 2b 2c 2d 2e 2f)";

// 10.1 with the new SPIi and Ni and REDIRECTED_FROM as the last payload.
const std::string_view kRedirectedFromRequest = R"(
51 e0 c2 a9 d4 b7 f6 03 00 00 00 00 00 00 00 00
21 20 22 08 00 00 00 00 00 00 00 9e 22 00 00 28
00 00 00 24 01 01 00 03 03 00 00 0c 01 00 00 14
80 0e 01 00 03 00 00 08 02 00 00 05 00 00 00 08
04 00 00 1f 28 00 00 28 00 1f 00 00 a0 a1 a2 a3
a4 a5 a6 a7 a8 a9 aa ab ac ad ae af b0 b1 b2 b3
b4 b5 b6 b7 b8 b9 ba bb bc bd be bf 29 00 00 24
40 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f
50 51 52 53 54 55 56 57 58 59 5a 5b 5c 5d 5e 5f
00 00 00 0e 00 00 40 18 01 04 c0 00 02 01)";

const std::string_view kCookieReply = R"(
8a 3c 5e 7f 0b 1d 2e 4f 00 00 00 00 00 00 00 00
29 20 22 20 00 00 00 00 00 00 00 48 00 00 00 2c
00 00 40 06 00 00 00 01 36 9d e3 96 2b d6 d3 4b
c7 c9 95 5b 2e 25 d3 65 6f f6 98 57 1d a5 38 9a
7b 3f 64 ee a8 9e be 8b)";

const std::string_view kUnsupportedCriticalReply =
    "8a3c5e7f0b1d2e4f 0000000000000000 29 20 22 20 00000000 00000025  00 00 00 09 00 00 00 01 c8";
const std::string_view kInvalidMajorVersionReply =
    "8a3c5e7f0b1d2e4f 0000000000000000 29 20 22 20 00000000 00000024  00 00 00 08 00 00 00 05";

const std::string_view kResumeRequest = R"(
c0 ff ee 00 12 34 56 78 00 00 00 00 00 00 00 00
28 20 26 08 00 00 00 00 00 00 00 98 29 00 00 24
80 81 82 83 84 85 86 87 88 89 8a 8b 8c 8d 8e 8f
90 91 92 93 94 95 96 97 98 99 9a 9b 9c 9d 9e 9f
00 00 00 58 00 00 40 1d 01 00 00 00 00 00 00 00
00 00 00 07 70 71 72 73 74 75 76 77 78 79 7a 7b
ee ee ee ee ee ee ee ee ee ee ee ee ee ee ee ee
ee ee ee ee ee ee ee ee ee ee ee ee ee ee ee ee
ee ee ee ee ee ee ee ee 99 99 99 99 99 99 99 99
99 99 99 99 99 99 99 99)";

const std::string_view kTicketNackReply =
    "c0ffee0012345678 0000000000000000 29 20 26 20 00000000 00000024  00 00 00 08 00 00 40 1c";

Bytes sa_body() {
  return hex(
      "00 00 00 24 01 01 00 03 03 00 00 0c 01 00 00 14 80 0e 01 00"
      "03 00 00 08 02 00 00 05 00 00 00 08 04 00 00 1f");
}

Bytes ke_body() {
  Bytes b = hex("00 1f 00 00");
  for (int i = 0xa0; i <= 0xbf; ++i) b.push_back(static_cast<std::byte>(i));
  return b;
}

Bytes nonce_body(std::byte first, std::size_t size) {
  Bytes b;
  for (std::size_t i = 0; i < size; ++i)
    b.push_back(static_cast<std::byte>(std::to_integer<std::size_t>(first) + i));
  return b;
}

Payload sa() {
  return {static_cast<std::uint8_t>(PayloadType::SecurityAssociation), sa_body()};
}
Payload ke() {
  return {static_cast<std::uint8_t>(PayloadType::KeyExchange), ke_body()};
}
Payload nonce(std::byte first, std::size_t size) {
  return {static_cast<std::uint8_t>(PayloadType::Nonce), nonce_body(first, size)};
}

Payload notify(NotifyType type, Bytes data) {
  Bytes body(4);
  ByteWriter w(body);
  w.u8(0);
  w.u8(0);
  w.u16(static_cast<std::uint16_t>(type));
  body.insert(body.end(), data.begin(), data.end());
  return {static_cast<std::uint8_t>(PayloadType::Notify), body};
}

Payload raw(std::uint8_t type, Bytes body, bool critical) {
  return {type, std::move(body), critical};
}

Bytes build(const Header& header, const std::vector<Payload>& payloads) {
  std::size_t size = 28;
  for (const auto& p : payloads) size += 4 + p.body.size();
  Bytes out(size);
  ByteWriter w(out);
  w.u64(header.spi_i);
  w.u64(header.spi_r);
  w.u8(payloads.empty() ? 0 : payloads.front().type);
  w.u8(header.version);
  w.u8(header.exchange);
  w.u8(header.flags);
  w.u32(header.message_id);
  w.u32(static_cast<std::uint32_t>(size));
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    const auto& p = payloads[i];
    w.u8(i + 1 < payloads.size() ? payloads[i + 1].type : 0);
    w.u8(p.critical ? 0x80 : 0);
    w.u16(static_cast<std::uint16_t>(4 + p.body.size()));
    w.bytes(p.body);
  }
  if (w.overflowed() || w.size() != size) throw std::logic_error("builder size");
  return out;
}

Bytes init_request(std::vector<Payload> extra, bool redirect_supported) {
  std::vector<Payload> payloads{sa(), ke(), nonce()};
  if (redirect_supported) payloads.push_back(notify(NotifyType::RedirectSupported));
  payloads.insert(payloads.end(), extra.begin(), extra.end());
  return build(Header{}, payloads);
}

}  // namespace ikesteer::redirect::test
