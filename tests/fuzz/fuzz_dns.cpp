// Fuzzes the DNS authority with arbitrary queries over UDP and TCP against a small fixed
// snapshot with every cluster policy, and checks what comes out: a reply stays within the
// transport's limit, starts at the caller's buffer, echoes the ID, carries the RCODE and TC
// the verdict reports, is a well-formed response (every record walkable, nothing after the
// last), and can be slipped.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "common/byte_reader.hpp"
#include "dns/authority.hpp"
#include "dns/name.hpp"
#include "dns/response_rate_limiter.hpp"
#include "dns/wire.hpp"
#include "dns/zone_snapshot.hpp"

namespace {

using namespace ikesteer;
using namespace ikesteer::dns;

class InputChooser : public StickyChooser {
 public:
  StickyChoice choose(std::uint32_t cluster, const IpAddress& client,
                      unsigned bits) noexcept override {
    // Valid, out-of-range and absent answers, and any matched length, from the inputs.
    const std::size_t pick = std::to_integer<std::size_t>(client.bytes()[0]) + bits + cluster;
    const unsigned matched = static_cast<unsigned>(pick % 200);
    if (pick % 5 == 4) return {std::nullopt, matched};
    return {pick % 5, matched};
  }
};

std::shared_ptr<const ZoneSnapshot> make_snapshot() {
  ZoneSpec zone;
  zone.origin = "vpn.example";
  zone.soa = SoaSpec{"ns1.vpn.example", "hostmaster.vpn.example", 1, 3600, 600, 604800, 60};
  zone.ns = {"ns1.vpn.example", "ns2.vpn.example"};
  zone.records = {"ns1 A 192.0.2.53",    "www A 192.0.2.80", "www AAAA 2001:db8::80",
                  "txt TXT \"hello\" x", "alias CNAME www",  "out CNAME www.example.org.",
                  "gone CNAME nothere",  "a.b.c A 192.0.2.1"};
  for (char c = 'a'; c < 'k'; ++c) zone.records.push_back("big TXT \"" + std::string(90, c) + "\"");
  for (int i = 0; i < 10; ++i)
    zone.records.push_back("c" + std::to_string(i) + " CNAME c" + std::to_string(i + 1));
  ZoneSpec other = zone;
  other.origin = "example.net";
  other.records = {"www A 192.0.2.99", "to-vpn CNAME gw.vpn.example."};
  const std::vector<ClusterNameSpec> clusters = {
      {"gw.vpn.example", ClusterPolicy::All, 2, 30, 5, 1, {}, {}, false},
      {"w.vpn.example", ClusterPolicy::Weighted, 2, 30, 5, 1, {}, {}, false},
      {"s.vpn.example", ClusterPolicy::Sticky, 2, 30, 5, 1, {}, {}, false},
      {"f.vpn.example", ClusterPolicy::Frontend, 2, 30, 5, 1, {}, {}, false},
      {"open.vpn.example", ClusterPolicy::Sticky, 2, 30, 5, 3, {}, {}, false},
      {"t.vpn.example", ClusterPolicy::All, 2, 30, 5, 1, {}, {}, true},
      {"tw.vpn.example", ClusterPolicy::Weighted, 1, 30, 5, 1, {"east"}, {"m1"}, true},
  };
  const std::vector<MemberView> members = {
      {"m1",
       {*IpAddress::parse("192.0.2.11"), *IpAddress::parse("2001:db8::11")},
       1,
       true,
       false,
       "west"},
      {"m2", {*IpAddress::parse("192.0.2.12")}, 2, true, true, "east"},
      {"m3", {*IpAddress::parse("2001:db8::13")}, 3, false, false, "east"},
  };
  auto built =
      build_snapshot({zone, other}, clusters, members,
                     {*IpAddress::parse("198.51.100.1"), *IpAddress::parse("2001:db8::f")});
  if (!built) __builtin_trap();
  return *built;
}

void check(bool condition) {
  if (!condition) __builtin_trap();
}

// Walks a response: header, questions, records; true if it ends exactly at the end.
bool well_formed(std::span<const std::byte> m) {
  ByteReader r(m);
  const Header h = read_header(r);
  WireName name;
  for (unsigned i = 0; i < h.qdcount; ++i) {
    read_name(r, m, name);
    r.skip(4);
  }
  const unsigned records = unsigned{h.ancount} + h.nscount + h.arcount;
  for (unsigned i = 0; i < records; ++i) {
    read_name(r, m, name);
    r.skip(8);
    r.skip(r.u16());
  }
  return r.expect_end().has_value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto snapshot = make_snapshot();
  static Authority authority;
  static InputChooser chooser;
  static std::array<std::byte, kMaxTcpSize> out;
  const auto query = std::as_bytes(std::span(data, size));
  for (bool tcp : {false, true}) {
    QueryContext context;
    context.source = *IpAddress::parse(size % 2 == 0 ? "203.0.113.5" : "2001:db8:1::5");
    context.tcp = tcp;
    context.random = size * 0x9e3779b97f4a7c15ULL;
    const Verdict v = authority.answer(query, context, *snapshot, chooser, out);
    if (!v.reply) {
      check(v.drop < DropReason::Count && v.bytes.empty());
      continue;
    }
    check(v.rcode < Rcode::Count);
    check(v.bytes.data() == out.data());
    check(v.bytes.size() <= (tcp ? kMaxTcpSize : kEdnsUdpSize));
    check(v.bytes.size() >= kHeaderSize);
    check(v.bytes[0] == query[0] && v.bytes[1] == query[1]);
    check((std::to_integer<unsigned>(v.bytes[2]) & 0x80) != 0);  // QR
    check(well_formed(v.bytes));
    const bool truncated = (std::to_integer<unsigned>(v.bytes[2]) & 0x02) != 0;
    check(truncated == v.truncated);
    check((std::to_integer<unsigned>(v.bytes[3]) & 0xfu) == (rcode_value(v.rcode) & 0xfu));
    const bool has_question = v.bytes[5] == std::byte{1};
    const auto stub = slip_response(std::span(out).first(v.bytes.size()));
    check(stub.empty() != has_question);
    if (has_question) check(well_formed(stub));
  }
  return 0;
}
