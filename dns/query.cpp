#include "dns/query.hpp"

#include <algorithm>
#include <array>

namespace ikesteer::dns {
namespace {

// Bound on additional records we walk; real queries carry one OPT (and maybe a TSIG).
constexpr std::size_t kMaxAdditional = 8;

void read_client_subnet(ByteReader& r, ClientSubnet& out) noexcept {
  out.family = r.u16();
  out.source_prefix = r.u8();
  const std::uint8_t scope = r.u8();
  if (!r.ok()) return r.fail(ParseErrc::Truncated);
  const unsigned width = out.family == kEcsFamilyV4 ? 32 : out.family == kEcsFamilyV6 ? 128 : 0;
  // RFC 7871 §7.1.1: unknown family, prefix beyond the family, or SCOPE set in a query: FORMERR.
  if (width == 0 || out.source_prefix > width || scope != 0) return r.fail(ParseErrc::BadValue);
  const std::size_t octets = (std::size_t{out.source_prefix} + 7) / 8;
  if (r.remaining() != octets) return r.fail(ParseErrc::BadLength);
  out.address_wire = r.bytes(octets);
  std::array<std::byte, 16> full{};
  std::copy(out.address_wire.begin(), out.address_wire.end(), full.begin());
  out.address = width == 32 ? IpAddress::v4(std::span(full).first<4>()) : IpAddress::v6(full);
  // RFC 7871 §6: ADDRESS bits past SOURCE PREFIX-LENGTH must be zero.
  if (out.address.masked(out.source_prefix) != out.address) return r.fail(ParseErrc::BadValue);
  out.present = true;
}

void read_opt(ByteReader& r, std::uint16_t payload_size, std::uint32_t ttl, Edns& edns) noexcept {
  edns.present = true;
  edns.udp_size = payload_size;
  edns.version = static_cast<std::uint8_t>(ttl >> 16);
  while (r.ok() && !r.empty()) {
    const std::uint16_t code = r.u16();
    ByteReader option = r.sub(r.u16());
    if (!r.ok()) return;
    if (code == kOptionClientSubnet) {
      if (edns.subnet.present) return r.fail(ParseErrc::TooMany);
      read_client_subnet(option, edns.subnet);
      if (!option.ok()) return r.fail(option.error().code);
    }
    // Other options: not understood, ignored (RFC 6891 §6.1.2).
  }
}

}  // namespace

Result<void, ParseError> parse_query_body(std::span<const std::byte> message, Query& out) noexcept {
  out.edns = Edns{};
  ByteReader r(message);
  r.skip(kHeaderSize);
  // RFC 1035 §4.1.2 allows several questions but nobody implements that: one, exactly.
  if (out.header.qdcount != 1 || out.header.ancount != 0 || out.header.nscount != 0) {
    r.fail(ParseErrc::BadValue);
    return r.expect_end();
  }
  read_name(r, message, out.qname);
  out.qtype = r.u16();
  out.qclass = r.u16();
  out.qname_lower = out.qname;
  to_lower(out.qname_lower);
  if (out.header.arcount > kMaxAdditional) r.fail(ParseErrc::TooMany);
  for (std::size_t i = 0; i < out.header.arcount && r.ok(); ++i) {
    WireName owner;
    read_name(r, message, owner);
    const std::uint16_t type = r.u16();
    const std::uint16_t klass = r.u16();
    const std::uint32_t ttl = r.u32();
    ByteReader rdata = r.sub(r.u16());
    if (!r.ok() || type != rrtype::kOpt) continue;
    // RFC 6891 §6.1.1: one OPT at most, owned by the root.
    if (out.edns.present || owner.size != 1) {
      r.fail(ParseErrc::BadValue);
      break;
    }
    read_opt(rdata, klass, ttl, out.edns);
    if (!rdata.ok()) r.fail(rdata.error().code);
  }
  return r.expect_end();
}

}  // namespace ikesteer::dns
