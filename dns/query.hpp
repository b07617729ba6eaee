// A DNS query parsed into a view: header, the one question, and the EDNS OPT pseudo-RR with
// its Client Subnet option. Parsing is in three steps, as the answer depends on where it fails:
// header (drop or NOTIMP), then syntax (FORMERR), then EDNS version (BADVERS).
//
// RFC 1035 §4.1.2 question:  QNAME | QTYPE (16) | QCLASS (16)
// RFC 6891 §6.1.2 OPT RR:    NAME = root | TYPE = 41 | CLASS = UDP payload size |
//                            TTL = EXTENDED-RCODE (8) VERSION (8) DO (1) Z (15) | RDLEN | RDATA
// RFC 6891 §6.1.2 option:    OPTION-CODE (16) | OPTION-LENGTH (16) | OPTION-DATA
// RFC 7871 §6 ECS option:    FAMILY (16) | SOURCE PREFIX-LENGTH (8) | SCOPE PREFIX-LENGTH (8) |
//                            ADDRESS (ceil(SOURCE PREFIX-LENGTH / 8) octets)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/byte_reader.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "dns/name.hpp"
#include "dns/wire.hpp"

namespace ikesteer::dns {

inline constexpr std::uint16_t kOptionClientSubnet = 8;  // RFC 7871 §6
inline constexpr std::uint16_t kEcsFamilyV4 = 1;         // IANA address family numbers
inline constexpr std::uint16_t kEcsFamilyV6 = 2;

struct ClientSubnet {
  bool present = false;
  std::uint16_t family = 0;
  std::uint8_t source_prefix = 0;
  IpAddress address;                        // ADDRESS padded to the full width (bits past source 0)
  std::span<const std::byte> address_wire;  // ADDRESS as sent, echoed in the response
};

struct Edns {
  bool present = false;
  std::uint16_t udp_size = 0;  // as sent (callers apply the 512 floor)
  std::uint8_t version = 0;
  ClientSubnet subnet;
};

struct Query {
  Header header;
  WireName qname;        // as sent (case preserved), expanded
  WireName qname_lower;  // the lookup key
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  Edns edns;
};

// Parses everything after the header (already in `out.header`; `message` is the whole query):
// exactly one question, no answer/authority records, additional records well formed, at most
// one OPT RR with the root owner (RFC 6891 §6.1.1), a well-formed ECS option (RFC 7871 §6:
// known FAMILY, SOURCE PREFIX-LENGTH within it, SCOPE PREFIX-LENGTH 0, exactly the ADDRESS
// octets needed, no bits set past the prefix), and nothing after the last record. Unknown EDNS
// options are skipped (RFC 6891 §6.1.2). `out` is reused across queries; it is valid only on
// success. Any error here is a FORMERR.
Result<void, ParseError> parse_query_body(std::span<const std::byte> message, Query& out) noexcept;

}  // namespace ikesteer::dns
