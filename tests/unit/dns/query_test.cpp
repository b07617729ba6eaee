#include "dns/query.hpp"

#include <doctest/doctest.h>

#include "dns_test_util.hpp"

namespace ikesteer::dns {
namespace {

using test::Bytes;
using test::bytes;
using test::make_query;
using test::QuerySpec;

Result<void, ParseError> parse(const Bytes& m, Query& q) {
  ByteReader r(m);
  q.header = read_header(r);
  return parse_query_body(m, q);
}

void set16(Bytes& m, std::size_t at, std::uint16_t v) {
  m[at] = static_cast<std::byte>(v >> 8);
  m[at + 1] = static_cast<std::byte>(v);
}

TEST_CASE("query: question without EDNS") {
  Query q;
  REQUIRE(parse(make_query({.name = "WWW.vpn.example.", .qtype = 28}), q).has_value());
  CHECK(name_to_text(q.qname.wire()) == "WWW.vpn.example.");
  CHECK(name_to_text(q.qname_lower.wire()) == "www.vpn.example.");
  CHECK(q.qtype == 28);
  CHECK(q.qclass == 1);
  CHECK_FALSE(q.edns.present);
}

TEST_CASE("query: EDNS and ECS") {
  Query q;
  QuerySpec spec{.edns = true, .udp_size = 4096, .options = test::ecs_option("198.51.100.0", 24)};
  REQUIRE(parse(make_query(spec), q).has_value());
  CHECK(q.edns.present);
  CHECK(q.edns.udp_size == 4096);
  CHECK(q.edns.version == 0);
  CHECK(q.edns.subnet.present);
  CHECK(q.edns.subnet.source_prefix == 24);
  CHECK(q.edns.subnet.address == *IpAddress::parse("198.51.100.0"));
  CHECK(q.edns.subnet.address_wire.size() == 3);

  // Reusing the Query: a later query without EDNS must not inherit it.
  REQUIRE(parse(make_query({}), q).has_value());
  CHECK_FALSE(q.edns.present);
  CHECK_FALSE(q.edns.subnet.present);
}

TEST_CASE("query: unknown EDNS options are skipped") {
  Query q;
  QuerySpec spec{.edns = true, .options = bytes({0xfd, 0xe9, 0, 3, 1, 2, 3})};
  spec.options.insert(spec.options.end(),
                      {std::byte{0}, std::byte{10}, std::byte{0}, std::byte{0}});
  REQUIRE(parse(make_query(spec), q).has_value());
  CHECK(q.edns.present);
  CHECK_FALSE(q.edns.subnet.present);
}

TEST_CASE("query: malformed ECS options (RFC 7871 §6, §7.1.1)") {
  Query q;
  QuerySpec spec{.edns = true};
  SUBCASE("scope set in a query") {
    spec.options = test::ecs_option("198.51.100.0", 24, 8);
  }
  SUBCASE("bits past the source prefix") {
    spec.options = test::ecs_option("198.51.101.0", 23);
  }
  SUBCASE("unknown family") {
    spec.options = test::ecs_option("198.51.100.0", 24);
    spec.options[5] = std::byte{3};
  }
  SUBCASE("too many address octets") {
    spec.options = bytes({0, 8, 0, 8, 0, 1, 24, 0, 198, 51, 100, 0});
  }
  SUBCASE("source prefix beyond the family") {
    spec.options = bytes({0, 8, 0, 9, 0, 1, 33, 0, 1, 2, 3, 4, 0});
  }
  SUBCASE("option length past the OPT RDATA") {
    spec.options = bytes({0, 8, 0, 20, 0, 1});
  }
  SUBCASE("two ECS options") {
    spec.options = test::ecs_option("198.51.100.0", 24);
    const Bytes again = spec.options;
    spec.options.insert(spec.options.end(), again.begin(), again.end());
  }
  CHECK_FALSE(parse(make_query(spec), q).has_value());
}

TEST_CASE("query: structural errors") {
  Query q;
  Bytes m = make_query({});
  SUBCASE("QDCOUNT 0") {
    set16(m, 4, 0);
  }
  SUBCASE("QDCOUNT 2") {
    set16(m, 4, 2);
  }
  SUBCASE("ANCOUNT 1") {
    set16(m, 6, 1);
  }
  SUBCASE("trailing bytes") {
    m.push_back(std::byte{0});
  }
  SUBCASE("truncated question") {
    m.resize(m.size() - 1);
  }
  SUBCASE("ARCOUNT without records") {
    set16(m, 10, 1);
  }
  SUBCASE("two OPT records (RFC 6891 §6.1.1)") {
    Bytes two = make_query({.edns = true});
    const Bytes opt(two.end() - 11, two.end());
    two.insert(two.end(), opt.begin(), opt.end());
    set16(two, 10, 2);
    m = two;
  }
  SUBCASE("OPT with a non-root owner") {
    m = make_query({.edns = true});
    m[m.size() - 11] = std::byte{0xc0};  // owner: pointer to the question name
    m.insert(m.end() - 10, std::byte{12});
  }
  CHECK_FALSE(parse(m, q).has_value());
}

TEST_CASE("query: a non-OPT additional record is parsed and ignored") {
  Query q;
  Bytes m = make_query({});
  set16(m, 10, 1);
  // Owner: pointer to the question name; type TXT, class IN, TTL 0, RDATA "\1x".
  const Bytes rr = bytes({0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 0, 0, 2, 1, 'x'});
  m.insert(m.end(), rr.begin(), rr.end());
  CHECK(parse(m, q).has_value());
  CHECK_FALSE(q.edns.present);
}

}  // namespace
}  // namespace ikesteer::dns
