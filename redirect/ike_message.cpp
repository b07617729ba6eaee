#include "redirect/ike_message.hpp"

#include "redirect/gateway_selector.hpp"

namespace ikesteer::redirect {
namespace {

// RFC 7296 §3.3.5: a transform's attributes fill the rest of the transform.
void walk_attributes(ByteReader& r) noexcept {
  while (r.ok() && !r.empty()) {
    const std::uint16_t type = r.u16();
    const std::uint16_t length_or_value = r.u16();
    if ((type & kAttributeFormatTv) == 0) r.skip(length_or_value);
  }
}

// RFC 7296 §3.3.2: Last Substruc | RESERVED | Transform Length | Type | RESERVED | ID | Attrs.
void walk_transform(ByteReader& r, bool& last) noexcept {
  const std::uint8_t marker = r.u8();
  r.skip(1);
  const std::uint16_t length = r.u16();
  if (!r.ok()) return;
  if ((marker != kLastSubstructure && marker != kMoreTransforms) || length < 8) {
    r.fail(ParseErrc::BadValue);
    return;
  }
  ByteReader t = r.sub(length - 4u);
  t.skip(4);  // Transform Type, RESERVED, Transform ID
  walk_attributes(t);
  if (!t.expect_end()) r.fail(t.error().code);
  last = marker == kLastSubstructure;
}

// RFC 7296 §3.3.1: Last Substruc | RESERVED | Proposal Length | Num | Protocol | SPI Size |
// #Transforms | SPI | Transforms.
void walk_proposal(ByteReader& r, bool& last) noexcept {
  const std::uint8_t marker = r.u8();
  r.skip(1);
  const std::uint16_t length = r.u16();
  if (!r.ok()) return;
  if ((marker != kLastSubstructure && marker != kMoreProposals) || length < 8) {
    r.fail(ParseErrc::BadValue);
    return;
  }
  ByteReader p = r.sub(length - 4u);
  p.skip(2);  // Proposal Num, Protocol ID
  const std::uint8_t spi_size = p.u8();
  const std::uint8_t transforms = p.u8();
  p.skip(spi_size);
  bool last_transform = transforms == 0;
  for (std::uint8_t i = 0; i < transforms && p.ok(); ++i) {
    if (last_transform) p.fail(ParseErrc::BadValue);  // marker said last, count says more
    walk_transform(p, last_transform);
  }
  if (p.ok() && !last_transform) p.fail(ParseErrc::BadValue);
  if (!p.expect_end()) r.fail(p.error().code);
  last = marker == kLastSubstructure;
}

void walk_security_association(ByteReader r, ByteReader& outer) noexcept {
  bool last = false;
  while (r.ok() && !last) walk_proposal(r, last);  // at least one proposal
  if (!r.expect_end()) outer.fail(r.error().code);
}

// RFC 7296 §3.4: Diffie-Hellman Group Num | RESERVED | Key Exchange Data.
void walk_key_exchange(ByteReader r, ByteReader& outer) noexcept {
  r.skip(4);
  if (!r.ok()) outer.fail(r.error().code);
}

NotifyView read_notify(ByteReader r, ByteReader& outer) noexcept {
  NotifyView n;
  n.protocol_id = r.u8();
  n.spi_size = r.u8();
  n.type = r.u16();
  n.spi = r.bytes(n.spi_size);
  n.data = r.rest();
  if (!r.ok()) outer.fail(r.error().code);
  return n;
}

}  // namespace

std::size_t IkeMessage::count(PayloadType type) const noexcept {
  std::size_t n = 0;
  for (const auto& p : payloads()) n += p.type == static_cast<std::uint8_t>(type) ? 1 : 0;
  return n;
}

const PayloadView* IkeMessage::find(PayloadType type) const noexcept {
  for (const auto& p : payloads())
    if (p.type == static_cast<std::uint8_t>(type)) return &p;
  return nullptr;
}

const NotifyView* IkeMessage::find_notify(NotifyType type) const noexcept {
  for (const auto& p : payloads())
    if (p.type == static_cast<std::uint8_t>(PayloadType::Notify) &&
        p.notify.type == static_cast<std::uint16_t>(type))
      return &p.notify;
  return nullptr;
}

Result<IkeHeader, ParseError> parse_ike_header(std::span<const std::byte> message) noexcept {
  ByteReader r(message);
  IkeHeader h;
  h.spi_i = r.u64();
  h.spi_r = r.u64();
  h.next_payload = r.u8();
  h.version = r.u8();
  h.exchange = r.u8();
  h.flags = r.u8();
  h.message_id = r.u32();
  h.length = r.u32();
  if (!r.ok()) return fail(r.error());
  return h;
}

Result<void, ParseError> parse_ike_message(std::span<const std::byte> message,
                                           IkeMessage& m) noexcept {
  auto header = parse_ike_header(message);
  if (!header) return fail(header.error());
  m.header = *header;
  m.payload_count = 0;
  m.unsupported_critical.reset();
  ByteReader r(message);
  r.skip(kIkeHeaderSize);
  // RFC 7296 §3.1: SPIi MUST NOT be zero; Length is the whole message.
  if (m.header.spi_i == 0) return fail(ParseError{ParseErrc::BadValue, 0});
  if (m.header.major_version() != kIkeMajorVersion)
    return fail(ParseError{ParseErrc::BadValue, 17});
  if (m.header.length != message.size()) return fail(ParseError{ParseErrc::BadLength, 24});

  std::uint8_t next = m.header.next_payload;
  while (next != static_cast<std::uint8_t>(PayloadType::None) && r.ok()) {
    if (m.payload_count == kMaxPayloads) {
      r.fail(ParseErrc::TooMany);
      break;
    }
    PayloadView& p = m.slots[m.payload_count++];
    p.type = next;
    // RFC 7296 §3.2: generic payload header; the length includes it.
    next = r.u8();
    p.critical = (r.u8() & kCriticalBit) != 0;
    const std::uint16_t length = r.u16();
    if (!r.ok()) break;
    if (length < kPayloadHeaderSize) {
      r.fail(ParseErrc::BadLength);
      break;
    }
    const std::size_t body_at = r.offset();
    ByteReader body = r.sub(length - kPayloadHeaderSize);
    p.body = message.subspan(body_at, body.remaining());
    switch (static_cast<PayloadType>(p.type)) {
      case PayloadType::SecurityAssociation:
        walk_security_association(body, r);
        break;
      case PayloadType::KeyExchange:
        walk_key_exchange(body, r);
        break;
      case PayloadType::Nonce:  // RFC 7296 §3.9 with §2.10 bounds
        if (p.body.size() < kMinNonceSize || p.body.size() > kMaxNonceSize)
          r.fail(ParseErrc::BadLength);
        break;
      case PayloadType::Notify:
        p.notify = read_notify(body, r);
        break;
      default:
        // RFC 7296 §2.5: unknown payloads are skipped unless critical.
        if (p.critical && !is_known_payload(p.type) && !m.unsupported_critical) {
          m.unsupported_critical = p.type;
        }
        break;
    }
  }
  return r.expect_end();
}

std::optional<IpAddress> redirected_from_address(const NotifyView& notify) noexcept {
  ByteReader r(notify.data);
  const auto type = static_cast<GatewayIdType>(r.u8());
  const std::uint8_t length = r.u8();
  const auto value = r.bytes(length);
  if (!r.expect_end()) return std::nullopt;
  if (type == GatewayIdType::Ipv4 && value.size() == 4)
    return IpAddress::v4(std::span<const std::byte, 4>(value.data(), 4));
  if (type == GatewayIdType::Ipv6 && value.size() == 16)
    return IpAddress::v6(std::span<const std::byte, 16>(value.data(), 16));
  return std::nullopt;
}

}  // namespace ikesteer::redirect
