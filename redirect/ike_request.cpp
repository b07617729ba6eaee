#include "redirect/ike_request.hpp"

#include "common/byte_writer.hpp"

namespace ikesteer::redirect {
namespace {

// RFC 7296 §3.3.2 transform types and IDs of the one proposal we offer.
constexpr std::uint8_t kTransformEncr = 1, kTransformPrf = 2, kTransformDh = 4;
constexpr std::uint16_t kEncrAesGcm16 = 20, kPrfHmacSha256 = 5;
constexpr std::uint16_t kAttributeKeyLength = 0x800e;  // AF=1, type 14 (§3.3.5)

// Writes a payload: generic header, then `body`, then patches Payload Length. `next` is the
// type of the payload that follows (0 for the last).
template <class Body>
void payload(ByteWriter& w, PayloadType next, Body&& body) {
  const std::size_t start = w.size();
  w.u8(static_cast<std::uint8_t>(next));
  w.u8(0);
  w.u16(0);
  body();
  w.patch_u16(start + 2, static_cast<std::uint16_t>(w.size() - start));
}

void transform(ByteWriter& w, bool last, std::uint8_t type, std::uint16_t id,
               std::uint16_t key_length) {
  w.u8(last ? 0 : 3);
  w.u8(0);
  w.u16(key_length ? 12 : 8);
  w.u8(type);
  w.u8(0);
  w.u16(id);
  if (key_length) {
    w.u16(kAttributeKeyLength);
    w.u16(key_length);
  }
}

}  // namespace

std::span<const std::byte> write_ike_sa_init_request(std::span<std::byte> out, ReplyFraming framing,
                                                     const IkeSaInitRequest& r) noexcept {
  ByteWriter w(out);
  if (framing.non_esp_marker) w.u32(0);
  const std::size_t start = w.size();
  const bool cookie = !r.cookie.empty();
  w.u64(r.spi_i);
  w.u64(0);
  w.u8(static_cast<std::uint8_t>(cookie ? PayloadType::Notify : PayloadType::SecurityAssociation));
  w.u8(kIkeVersion);
  w.u8(static_cast<std::uint8_t>(ExchangeType::IkeSaInit));
  w.u8(kFlagInitiator);
  w.u32(0);
  w.u32(0);  // Length, patched below
  if (cookie)
    payload(w, PayloadType::SecurityAssociation, [&] {
      w.u8(0);
      w.u8(0);
      w.u16(static_cast<std::uint16_t>(NotifyType::Cookie));
      w.bytes(r.cookie);
    });
  payload(w, PayloadType::KeyExchange, [&] {
    const std::size_t proposal = w.size();
    w.u8(0);  // last proposal
    w.u8(0);
    w.u16(0);
    w.u8(1);  // proposal number
    w.u8(1);  // protocol IKE
    w.u8(0);  // SPI size
    w.u8(3);  // transforms
    transform(w, false, kTransformEncr, kEncrAesGcm16, 256);
    transform(w, false, kTransformPrf, kPrfHmacSha256, 0);
    transform(w, true, kTransformDh, r.dh_group, 0);
    w.patch_u16(proposal + 2, static_cast<std::uint16_t>(w.size() - proposal));
  });
  payload(w, PayloadType::Nonce, [&] {
    w.u16(r.key_share_group.value_or(r.dh_group));
    w.u16(0);
    w.bytes(r.key_share);
  });
  const bool notify = r.redirect_supported || r.redirected_from;
  payload(w, notify ? PayloadType::Notify : PayloadType::None, [&] { w.bytes(r.nonce); });
  if (r.redirected_from) {
    payload(w, PayloadType::None, [&] {
      w.u8(0);
      w.u8(0);
      w.u16(static_cast<std::uint16_t>(NotifyType::RedirectedFrom));
      const auto a = r.redirected_from->bytes();
      w.u8(static_cast<std::uint8_t>(r.redirected_from->is_v4() ? GatewayIdType::Ipv4
                                                                : GatewayIdType::Ipv6));
      w.u8(static_cast<std::uint8_t>(a.size()));
      w.bytes(a);
    });
  } else if (r.redirect_supported) {
    payload(w, PayloadType::None, [&] {
      w.u8(0);
      w.u8(0);
      w.u16(static_cast<std::uint16_t>(NotifyType::RedirectSupported));
    });
  }
  if (w.overflowed()) return {};
  w.patch_u32(start + 24, static_cast<std::uint32_t>(w.size() - start));
  return w.written();
}

}  // namespace ikesteer::redirect
