// Test helpers for the DNS module: a query builder, a response decoder, and a small zone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dns/authority.hpp"
#include "dns/zone_snapshot.hpp"

namespace ikesteer::dns::test {

using Bytes = std::vector<std::byte>;

Bytes bytes(std::initializer_list<unsigned> values);
Bytes wire_name(std::string_view text);  // absolute presentation form to uncompressed wire

struct QuerySpec {
  std::string name = "www.vpn.example.";
  std::uint16_t qtype = 1;
  std::uint16_t qclass = 1;
  std::uint16_t id = 0x1234;
  std::uint16_t flags = 0x0100;  // RD
  bool edns = false;
  std::uint16_t udp_size = 1232;
  std::uint8_t version = 0;
  Bytes options{};  // encoded EDNS options
};
Bytes make_query(const QuerySpec& spec);
// An ECS option (RFC 7871 §6) with `address` truncated to ceil(source/8) octets.
Bytes ecs_option(std::string_view address, std::uint8_t source, std::uint8_t scope = 0);

struct Record {
  std::string name;  // presentation form, case as in the message
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
  std::uint32_t ttl = 0;
  Bytes rdata;       // as in the message
  std::string text;  // A/AAAA address, NS/CNAME target, SOA "mname rname serial..." else ""
};

struct Response {
  std::uint16_t id = 0, flags = 0;
  std::string qname;
  std::uint16_t qtype = 0, qdcount = 0;
  std::vector<Record> answer, authority, additional;
  const Record* opt() const;
  bool aa() const { return (flags & 0x0400) != 0; }
  bool tc() const { return (flags & 0x0200) != 0; }
  unsigned rcode() const { return flags & 0xf; }
};
// Decodes a response (the test fails through doctest if it is malformed).
Response decode(std::span<const std::byte> message);

struct FixedChooser : StickyChooser {
  std::optional<std::size_t> result;
  unsigned scope_bits = 0;
  std::uint32_t last_cluster = 0;
  IpAddress last_client;
  unsigned last_bits = 0;
  unsigned calls = 0;
  StickyChoice choose(std::uint32_t cluster, const IpAddress& client,
                      unsigned bits) noexcept override {
    last_cluster = cluster;
    last_client = client;
    last_bits = bits;
    ++calls;
    return {result, scope_bits};
  }
};

// The test zone "vpn.example." (see dns_test_util.cpp) and its members m1..m3.
std::vector<ZoneSpec> test_zones();
std::vector<ClusterNameSpec> test_clusters();
std::vector<MemberView> test_members();
std::vector<IpAddress> test_frontend();
std::shared_ptr<const ZoneSnapshot> snapshot(
    const std::vector<MemberView>& members = test_members(),
    const std::vector<ClusterNameSpec>& clusters = test_clusters());

// Runs one query through an Authority with a response buffer of TCP size.
struct Harness {
  Authority authority;
  FixedChooser chooser;
  std::shared_ptr<const ZoneSnapshot> snap = snapshot();
  Bytes out = Bytes(kMaxTcpSize);
  QueryContext context{*IpAddress::parse("203.0.113.7"), false, 0};
  Verdict run(const Bytes& query);
  Response ask(const QuerySpec& spec);  // must produce a reply
};

}  // namespace ikesteer::dns::test
