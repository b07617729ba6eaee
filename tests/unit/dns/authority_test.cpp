#include "dns/authority.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

#include "dns_test_util.hpp"

namespace ikesteer::dns {
namespace {

using test::Bytes;
using test::Harness;
using test::QuerySpec;
using test::Response;

constexpr std::uint16_t kA = 1, kNs = 2, kCname = 5, kSoa = 6, kMx = 15, kTxt = 16, kAaaa = 28,
                        kAny = 255;

std::uint64_t responses(const Authority& a, Rcode r) {
  return a.counters().responses[static_cast<std::size_t>(r)];
}

std::vector<std::string> texts(const std::vector<test::Record>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.text);
  return out;
}

void set16(Bytes& m, std::size_t at, std::uint16_t v) {
  m[at] = static_cast<std::byte>(v >> 8);
  m[at + 1] = static_cast<std::byte>(v);
}

TEST_CASE("authority: positive answer is authoritative, ID/RD/opcode echoed") {
  Harness h;
  const Response r = h.ask({.name = "www.vpn.example.", .qtype = kA, .id = 0x4242});
  CHECK(r.id == 0x4242);
  CHECK((r.flags & 0x8000) != 0);  // QR
  CHECK(r.aa());
  CHECK((r.flags & 0x0100) != 0);  // RD copied
  CHECK((r.flags & 0x0080) == 0);  // RA never set: not a resolver
  CHECK(r.rcode() == 0);
  REQUIRE(r.answer.size() == 1);
  CHECK(r.answer[0].text == "192.0.2.80");
  CHECK(r.answer[0].ttl == 600);
  CHECK(r.authority.empty());
  CHECK(responses(h.authority, Rcode::NoError) == 1);
  CHECK(h.authority.counters().received == 1);
}

TEST_CASE("authority: NXDOMAIN carries the SOA with the negative TTL (RFC 2308 §3)") {
  Harness h;
  const Response r = h.ask({.name = "nope.vpn.example."});
  CHECK(r.rcode() == 3);
  CHECK(r.aa());
  CHECK(r.answer.empty());
  REQUIRE(r.authority.size() == 1);
  CHECK(r.authority[0].type == kSoa);
  CHECK(r.authority[0].name == "vpn.example.");
  CHECK(r.authority[0].ttl == 60);  // min(SOA MINIMUM 60, SOA TTL 300)
  CHECK(r.authority[0].text == "ns1.vpn.example. hostmaster.vpn.example. 2026 3600 600 604800 60");
  CHECK(responses(h.authority, Rcode::NXDomain) == 1);

  // The SOA TTL bounds it when MINIMUM is larger.
  auto zones = test::test_zones();
  zones[0].soa.minimum = 3600;
  h.snap = *build_snapshot(zones, {}, {}, {});
  CHECK(h.ask({.name = "nope.vpn.example."}).authority[0].ttl == 300);
}

TEST_CASE("authority: NODATA is NOERROR with the SOA, also for empty non-terminals") {
  Harness h;
  for (const auto& spec : {QuerySpec{.name = "www.vpn.example.", .qtype = kMx},
                           QuerySpec{.name = "b.c.vpn.example.", .qtype = kA},
                           QuerySpec{.name = "m2.vpn.example.", .qtype = kAaaa}}) {
    const Response r = h.ask(spec);
    CHECK(r.rcode() == 0);
    CHECK(r.aa());
    CHECK(r.answer.empty());
    REQUIRE(r.authority.size() == 1);
    CHECK(r.authority[0].type == kSoa);
    CHECK(r.authority[0].ttl == 60);
  }
  CHECK(h.authority.counters().nodata == 3);
}

TEST_CASE("authority: REFUSED outside our zones and for other classes") {
  Harness h;
  for (const auto& spec :
       {QuerySpec{.name = "www.example.org."}, QuerySpec{.name = "example."},
        QuerySpec{.name = "."}, QuerySpec{.name = "version.bind.", .qtype = kTxt, .qclass = 3}}) {
    const Response r = h.ask(spec);
    CHECK(r.rcode() == 5);
    CHECK_FALSE(r.aa());
    CHECK(r.answer.empty());
    CHECK(r.authority.empty());
    CHECK(r.qdcount == 1);
  }
  CHECK(responses(h.authority, Rcode::Refused) == 4);
}

TEST_CASE("authority: FORMERR for malformed queries and QDCOUNT != 1") {
  Harness h;
  Bytes m = test::make_query({});
  SUBCASE("QDCOUNT 0") {
    set16(m, 4, 0);
  }
  SUBCASE("QDCOUNT 2") {
    set16(m, 4, 2);
  }
  SUBCASE("truncated question") {
    m.resize(14);
  }
  SUBCASE("trailing garbage") {
    m.push_back(std::byte{1});
  }
  SUBCASE("compression loop in the question") {
    m.resize(12);
    m.push_back(std::byte{0xc0});
    m.push_back(std::byte{12});
    m.insert(m.end(), 4, std::byte{0});
  }
  SUBCASE("OPT as the query type") {
    set16(m, m.size() - 4, 41);
  }
  const Verdict v = h.run(m);
  REQUIRE(v.reply);
  CHECK(v.rcode == Rcode::FormErr);
  const Response r = test::decode(v.bytes);
  CHECK(r.rcode() == 1);
  CHECK(r.id == 0x1234);
  CHECK(r.answer.empty());
  CHECK(responses(h.authority, Rcode::FormErr) == 1);
}

TEST_CASE("authority: NOTIMP for opcodes other than QUERY") {
  Harness h;
  for (unsigned opcode : {1u, 2u, 4u, 5u}) {
    const Verdict v = h.run(test::make_query({.flags = static_cast<std::uint16_t>(opcode << 11)}));
    REQUIRE(v.reply);
    const Response r = test::decode(v.bytes);
    CHECK(r.rcode() == 4);
    CHECK(((r.flags >> 11) & 0xf) == opcode);
    CHECK(r.qdcount == 0);
  }
  CHECK(responses(h.authority, Rcode::NotImp) == 4);
}

TEST_CASE("authority: short datagrams and responses are dropped and counted") {
  Harness h;
  CHECK_FALSE(h.run(Bytes(11)).reply);
  Bytes response = test::make_query({.flags = 0x8000});
  const Verdict v = h.run(response);
  CHECK_FALSE(v.reply);
  CHECK(v.drop == DropReason::IsResponse);
  CHECK(h.authority.counters().drops[static_cast<std::size_t>(DropReason::TooShort)] == 1);
  CHECK(h.authority.counters().drops[static_cast<std::size_t>(DropReason::IsResponse)] == 1);
  CHECK(h.authority.counters().received == 2);
  CHECK(to_string(DropReason::IsResponse) == "is_response");
  CHECK(to_string(Rcode::BadVers) == "badvers");
  CHECK(rcode_value(Rcode::BadVers) == 16);
}

TEST_CASE("authority: ANY is answered with one RRset (RFC 8482)") {
  Harness h;
  Response r = h.ask({.name = "www.vpn.example.", .qtype = kAny});
  REQUIRE(r.answer.size() == 1);
  CHECK(r.answer[0].type == kA);
  r = h.ask({.name = "vpn.example.", .qtype = kAny});
  REQUIRE(r.answer.size() == 2);  // the NS RRset only, not SOA as well
  CHECK(r.answer[0].type == kNs);
  CHECK(r.answer[1].type == kNs);
  r = h.ask({.name = "gw.vpn.example.", .qtype = kAny});
  CHECK(r.answer.size() == 3);
  CHECK(std::all_of(r.answer.begin(), r.answer.end(), [](auto& x) { return x.type == kA; }));
  CHECK(h.authority.counters().any_minimal == 3);
}

TEST_CASE("authority: the query name's case is preserved in the answer") {
  Harness h;
  const Response r = h.ask({.name = "WwW.VpN.ExAmPlE."});
  CHECK(r.qname == "WwW.VpN.ExAmPlE.");
  REQUIRE(r.answer.size() == 1);
  CHECK(r.answer[0].name == "WwW.VpN.ExAmPlE.");
  const Response nx = h.ask({.name = "NoPe.VPN.example."});
  REQUIRE(nx.authority.size() == 1);
  CHECK(nx.authority[0].name == "VPN.example.");  // compressed against the question
}

TEST_CASE("authority: CNAME chains inside the zone are followed, boundedly") {
  Harness h;
  Response r = h.ask({.name = "alias2.vpn.example.", .qtype = kA});
  CHECK(r.rcode() == 0);
  REQUIRE(r.answer.size() == 3);
  CHECK(r.answer[0].type == kCname);
  CHECK(r.answer[0].name == "alias2.vpn.example.");
  CHECK(r.answer[0].text == "alias.vpn.example.");
  CHECK(r.answer[1].name == "alias.vpn.example.");
  CHECK(r.answer[1].text == "www.vpn.example.");
  CHECK(r.answer[2].name == "www.vpn.example.");
  CHECK(r.answer[2].text == "192.0.2.80");

  // Leaving our zones: the CNAME alone, NOERROR.
  r = h.ask({.name = "outside.vpn.example."});
  CHECK(r.rcode() == 0);
  REQUIRE(r.answer.size() == 1);
  CHECK(r.authority.empty());

  // Ending at a missing name of ours: NXDOMAIN (RFC 6604 §3) with the CNAME and the SOA.
  r = h.ask({.name = "dangling.vpn.example."});
  CHECK(r.rcode() == 3);
  CHECK(r.answer.size() == 1);
  CHECK(r.authority.size() == 1);

  // Asking for the CNAME itself does not follow it.
  r = h.ask({.name = "alias2.vpn.example.", .qtype = kCname});
  CHECK(r.answer.size() == 1);

  // c0 -> c1 -> ... -> c10: only kMaxCnameChain CNAMEs, the resolver continues.
  r = h.ask({.name = "c0.vpn.example."});
  CHECK(r.rcode() == 0);
  CHECK(r.answer.size() == kMaxCnameChain);
  CHECK(std::all_of(r.answer.begin(), r.answer.end(), [](auto& x) { return x.type == kCname; }));
  // From c3 the chain is short enough to reach the address.
  r = h.ask({.name = "c3.vpn.example."});
  REQUIRE(r.answer.size() == 8);
  CHECK(r.answer.back().text == "192.0.2.10");
}

TEST_CASE("authority: EDNS payload size, OPT echo and unknown options (RFC 6891)") {
  Harness h;
  // No OPT in the query: none in the response, and the 512 limit.
  Response r = h.ask({.name = "big.vpn.example.", .qtype = kTxt});
  CHECK(r.opt() == nullptr);
  CHECK(r.tc());
  // Our 1232 octets are enough for the ~1000-octet RRset.
  r = h.ask({.name = "big.vpn.example.", .qtype = kTxt, .edns = true, .udp_size = 4096});
  REQUIRE(r.opt() != nullptr);
  CHECK(r.opt()->klass == 1232);
  CHECK(r.opt()->name == ".");
  CHECK_FALSE(r.tc());
  CHECK(r.answer.size() == 10);
  // A client size below 512 means 512 (RFC 6891 §6.2.5): TC, not an empty reply.
  const Verdict v = h.run(
      test::make_query({.name = "big.vpn.example.", .qtype = kTxt, .edns = true, .udp_size = 100}));
  CHECK(v.truncated);
  CHECK(v.bytes.size() <= 512);
  r = test::decode(v.bytes);
  CHECK(r.tc());
  CHECK(r.opt() != nullptr);
  // Unknown options are ignored and not echoed.
  r = h.ask({.edns = true, .options = test::bytes({0xfd, 0xe9, 0, 2, 7, 7})});
  CHECK(r.rcode() == 0);
  CHECK(r.answer.size() == 1);
  REQUIRE(r.opt() != nullptr);
  CHECK(r.opt()->rdata.empty());
}

TEST_CASE("authority: BADVERS for EDNS version > 0 (RFC 6891 §6.1.3)") {
  Harness h;
  const Verdict v = h.run(test::make_query({.edns = true, .version = 1}));
  REQUIRE(v.reply);
  CHECK(v.rcode == Rcode::BadVers);
  const Response r = test::decode(v.bytes);
  CHECK(r.rcode() == 0);  // the low 4 bits of 16
  CHECK(r.answer.empty());
  REQUIRE(r.opt() != nullptr);
  CHECK(((r.opt()->ttl >> 24) & 0xff) == 1);  // the upper 8 bits
  CHECK(((r.opt()->ttl >> 16) & 0xff) == 0);  // our version
  CHECK(responses(h.authority, Rcode::BadVers) == 1);
}

TEST_CASE("authority: TC over UDP when the answer does not fit, full answer over TCP") {
  Harness h;
  const QuerySpec big{.name = "big.vpn.example.", .qtype = kTxt};
  Verdict v = h.run(test::make_query(big));
  CHECK(v.truncated);
  Response r = test::decode(v.bytes);
  CHECK(r.tc());
  CHECK(r.answer.empty());
  CHECK(r.qdcount == 1);
  CHECK(h.authority.counters().truncated == 1);
  h.context.tcp = true;
  v = h.run(test::make_query(big));
  CHECK_FALSE(v.truncated);
  CHECK(v.bytes.size() > 512);
  CHECK(test::decode(v.bytes).answer.size() == 10);
  CHECK(h.authority.counters().truncated == 1);
}

TEST_CASE("authority: policy all answers every eligible member, rotated") {
  Harness h;
  h.context.random = 0;
  const auto first = texts(h.ask({.name = "gw.vpn.example."}).answer);
  CHECK(first == std::vector<std::string>{"192.0.2.11", "192.0.2.12", "192.0.2.13"});
  h.context.random = 1;
  const auto second = texts(h.ask({.name = "gw.vpn.example."}).answer);
  CHECK(second == std::vector<std::string>{"192.0.2.12", "192.0.2.13", "192.0.2.11"});
  // Only members with an IPv6 address for AAAA; ineligible ones left out.
  auto members = test::test_members();
  members[2].eligible = false;
  h.snap = test::snapshot(members);
  CHECK(texts(h.ask({.name = "gw.vpn.example.", .qtype = kAaaa}).answer) ==
        std::vector<std::string>{"2001:db8::11"});
  CHECK(h.ask({.name = "gw.vpn.example."}).answer.size() == 2);
}

TEST_CASE("authority: policy weighted draws `count` distinct members by weight") {
  Harness h;
  std::map<std::string, int> seen;
  for (std::uint64_t i = 0; i < 2000; ++i) {
    h.context.random = i * 0x5851f42d4c957f2dULL;
    const auto a = texts(h.ask({.name = "w.vpn.example."}).answer);
    REQUIRE(a.size() == 2);
    CHECK(a[0] != a[1]);
    ++seen[a[0]];
  }
  // First draw: m3 has weight 3 of 5 (about 1200 of 2000), m1 and m2 1 of 5 (about 400).
  CHECK(seen["192.0.2.13"] > 1000);
  CHECK(seen["192.0.2.11"] > 250);
  CHECK(seen["192.0.2.11"] < 550);
  CHECK(seen["192.0.2.12"] > 250);
}

TEST_CASE("authority: policy sticky asks the chooser with the resolver address") {
  Harness h;
  h.chooser.result = 1;
  Response r = h.ask({.name = "s.vpn.example."});
  CHECK(texts(r.answer) == std::vector<std::string>{"192.0.2.12"});
  CHECK(h.chooser.last_client == h.context.source);
  CHECK(h.chooser.last_bits == 32);
  // m2 has no IPv6 address: the fallback picks a candidate that has one.
  r = h.ask({.name = "s.vpn.example.", .qtype = kAaaa});
  REQUIRE(r.answer.size() == 1);
  CHECK((r.answer[0].text == "2001:db8::11" || r.answer[0].text == "2001:db8::13"));
  // No choice, or nonsense, also falls back to a candidate.
  h.chooser.result = std::nullopt;
  CHECK(h.ask({.name = "s.vpn.example."}).answer.size() == 1);
  h.chooser.result = 99;
  CHECK(h.ask({.name = "s.vpn.example."}).answer.size() == 1);
}

TEST_CASE("authority: policy sticky uses the ECS prefix and echoes its scope (RFC 7871)") {
  Harness h;
  h.chooser.result = 2;
  SUBCASE("/24 from the client: scope 24") {
    const Response r = h.ask(
        {.name = "s.vpn.example.", .edns = true, .options = test::ecs_option("198.51.100.0", 24)});
    CHECK(texts(r.answer) == std::vector<std::string>{"192.0.2.13"});
    CHECK(h.chooser.last_client == *IpAddress::parse("198.51.100.0"));
    CHECK(h.chooser.last_bits == 24);
    REQUIRE(r.opt() != nullptr);
    CHECK(r.opt()->rdata == test::bytes({0, 8, 0, 7, 0, 1, 24, 24, 198, 51, 100}));
  }
  SUBCASE("/32 is used as /24 at most; FAMILY, SOURCE and ADDRESS echoed as sent") {
    const Response r = h.ask(
        {.name = "s.vpn.example.", .edns = true, .options = test::ecs_option("198.51.100.77", 32)});
    CHECK(h.chooser.last_client == *IpAddress::parse("198.51.100.0"));
    CHECK(h.chooser.last_bits == 24);
    REQUIRE(r.opt() != nullptr);
    CHECK(r.opt()->rdata == test::bytes({0, 8, 0, 8, 0, 1, 32, 24, 198, 51, 100, 77}));
  }
  SUBCASE("IPv6 /64 is used as /56") {
    const Response r = h.ask({.name = "s.vpn.example.",
                              .edns = true,
                              .options = test::ecs_option("2001:db8:1:2::", 64)});
    CHECK(h.chooser.last_client == *IpAddress::parse("2001:db8:1::"));
    CHECK(h.chooser.last_bits == 56);
    REQUIRE(r.opt() != nullptr);
    CHECK(r.opt()->rdata[7] == std::byte{56});
  }
  SUBCASE("SOURCE 0: the resolver's address, scope 0") {
    const Response r =
        h.ask({.name = "s.vpn.example.", .edns = true, .options = test::ecs_option("0.0.0.0", 0)});
    CHECK(h.chooser.last_client == h.context.source);
    REQUIRE(r.opt() != nullptr);
    CHECK(r.opt()->rdata == test::bytes({0, 8, 0, 4, 0, 1, 0, 0}));
  }
  SUBCASE("non-sticky answers do not depend on the subnet: scope 0") {
    const Response r = h.ask(
        {.name = "gw.vpn.example.", .edns = true, .options = test::ecs_option("198.51.100.0", 24)});
    CHECK(h.chooser.calls == 0);
    REQUIRE(r.opt() != nullptr);
    CHECK(r.opt()->rdata[7] == std::byte{0});
  }
  SUBCASE("a malformed ECS option is FORMERR") {
    const Verdict v = h.run(test::make_query(
        {.name = "s.vpn.example.", .edns = true, .options = test::ecs_option("198.51.101.0", 23)}));
    CHECK(v.rcode == Rcode::FormErr);
  }
}

TEST_CASE("authority: policy frontend answers the front end's addresses") {
  Harness h;
  CHECK(texts(h.ask({.name = "f.vpn.example."}).answer) ==
        std::vector<std::string>{"198.51.100.1"});
  CHECK(texts(h.ask({.name = "f.vpn.example.", .qtype = kAaaa}).answer) ==
        std::vector<std::string>{"2001:db8:f::1"});
  const auto r = h.ask({.name = "f.vpn.example.", .qtype = kA});
  CHECK(r.answer[0].ttl == 30);
}

TEST_CASE("authority: member names answer that member's addresses") {
  Harness h;
  auto members = test::test_members();
  members[0].eligible = false;  // eligibility does not matter for the member's own name
  h.snap = test::snapshot(members);
  Response r = h.ask({.name = "M1.vpn.example."});
  CHECK(texts(r.answer) == std::vector<std::string>{"192.0.2.11"});
  CHECK(r.answer[0].ttl == 300);
  r = h.ask({.name = "m1.vpn.example.", .qtype = kAaaa});
  CHECK(texts(r.answer) == std::vector<std::string>{"2001:db8::11"});
  // member_names = false: no such names.
  auto zones = test::test_zones();
  zones[0].member_names = false;
  h.snap = *build_snapshot(zones, {}, members, {});
  CHECK(h.ask({.name = "m1.vpn.example."}).rcode() == 3);
}

TEST_CASE("authority: cluster TTL is shorter while a member is transitioning") {
  Harness h;
  CHECK(h.ask({.name = "gw.vpn.example."}).answer[0].ttl == 30);
  auto members = test::test_members();
  members[1].transitioning = true;
  h.snap = test::snapshot(members);
  const Response r = h.ask({.name = "gw.vpn.example."});
  REQUIRE(r.answer.size() == 3);
  CHECK(std::all_of(r.answer.begin(), r.answer.end(), [](auto& x) { return x.ttl == 5; }));
  CHECK(h.ask({.name = "www.vpn.example."}).answer[0].ttl == 600);  // static: unchanged
}

TEST_CASE("authority: fail-open answers all members when too few are eligible, counted") {
  Harness h;
  auto clusters = test::test_clusters();
  clusters[0].fail_open_min = 2;
  auto members = test::test_members();
  members[0].eligible = false;
  members[1].eligible = false;
  h.snap = test::snapshot(members, clusters);
  CHECK(h.ask({.name = "gw.vpn.example."}).answer.size() == 3);
  CHECK(h.authority.counters().fail_open == 1);
  // IPv6: m3 is eligible, m1 is not; 1 < 2 so both.
  CHECK(h.ask({.name = "gw.vpn.example.", .qtype = kAaaa}).answer.size() == 2);
  CHECK(h.authority.counters().fail_open == 2);
  // Enough eligible: only those, no count.
  members[1].eligible = true;
  h.snap = test::snapshot(members, clusters);
  CHECK(h.ask({.name = "gw.vpn.example."}).answer.size() == 2);
  CHECK(h.authority.counters().fail_open == 2);
  // fail_open_min 0 with nobody eligible: NODATA.
  clusters[0].fail_open_min = 0;
  for (auto& m : members) m.eligible = false;
  h.snap = test::snapshot(members, clusters);
  const Response r = h.ask({.name = "gw.vpn.example."});
  CHECK(r.answer.empty());
  CHECK(r.authority.size() == 1);
}

}  // namespace
}  // namespace ikesteer::dns
