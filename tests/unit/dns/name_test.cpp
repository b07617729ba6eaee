#include "dns/name.hpp"

#include <doctest/doctest.h>

#include "dns_test_util.hpp"

namespace ikesteer::dns {
namespace {

using test::Bytes;
using test::bytes;

// Reads the name at `at` in `message`; returns the reader for checks.
ByteReader read_at(const Bytes& message, std::size_t at, WireName& out) {
  ByteReader r(message);
  r.skip(at);
  read_name(r, message, out);
  return r;
}

TEST_CASE("read_name: an uncompressed name") {
  const Bytes m = bytes({3, 'w', 'w', 'w', 3, 'v', 'p', 'n', 0, 0xaa});
  WireName n;
  auto r = read_at(m, 0, n);
  CHECK(r.ok());
  CHECK(r.offset() == 9);
  CHECK(n.labels == 2);
  CHECK(name_to_text(n.wire()) == "www.vpn.");
}

TEST_CASE("read_name: a backward pointer is followed, the reader stops after it") {
  // 0: "vpn." ; 5: "www" + pointer to 0
  const Bytes m = bytes({3, 'v', 'p', 'n', 0, 3, 'w', 'w', 'w', 0xc0, 0x00, 0xaa});
  WireName n;
  auto r = read_at(m, 5, n);
  CHECK(r.ok());
  CHECK(r.offset() == 11);
  CHECK(name_to_text(n.wire()) == "www.vpn.");
}

TEST_CASE("read_name: pointer loops and forward pointers are refused") {
  WireName n;
  SUBCASE("pointer to itself") {
    const Bytes m = bytes({0xc0, 0x00});
    auto r = read_at(m, 0, n);
    CHECK(r.error().code == ParseErrc::BadValue);
  }
  SUBCASE("two labels pointing back into their own run") {
    // 0: "a" then pointer to 0: a loop that only the run rule catches before 255 octets.
    const Bytes m = bytes({1, 'a', 0xc0, 0x00});
    auto r = read_at(m, 0, n);
    CHECK(r.error().code == ParseErrc::BadValue);
  }
  SUBCASE("two pointers pointing at each other") {
    const Bytes m = bytes({0xc0, 0x02, 0xc0, 0x00});
    auto r = read_at(m, 2, n);
    CHECK_FALSE(r.ok());
  }
  SUBCASE("forward pointer") {
    const Bytes m = bytes({0xc0, 0x02, 1, 'a', 0});
    auto r = read_at(m, 0, n);
    CHECK(r.error().code == ParseErrc::BadValue);
  }
  CHECK(n.size == 1);  // left as the root name
}

TEST_CASE("read_name: limits and malformed labels") {
  WireName n;
  SUBCASE("a 64-octet label has the reserved type bits 01") {
    Bytes m = bytes({64});
    m.resize(66);
    auto r = read_at(m, 0, n);
    CHECK(r.error().code == ParseErrc::BadValue);
  }
  SUBCASE("extended label type 0b10 (RFC 6891 §5)") {
    const Bytes m = bytes({0x80, 0});
    CHECK(read_at(m, 0, n).error().code == ParseErrc::BadValue);
  }
  SUBCASE("256 octets is too long, 255 is fine") {
    // 4 labels of 63 = 256 octets, plus root = 257.
    Bytes m;
    for (int i = 0; i < 4; ++i) {
      m.push_back(std::byte{63});
      m.insert(m.end(), 63, std::byte{'x'});
    }
    m.push_back(std::byte{0});
    CHECK(read_at(m, 0, n).error().code == ParseErrc::BadLength);
    // 3 x 63 + 61 = 253 + 1 length + root = 255.
    Bytes ok;
    for (int i = 0; i < 3; ++i) {
      ok.push_back(std::byte{63});
      ok.insert(ok.end(), 63, std::byte{'x'});
    }
    ok.push_back(std::byte{61});
    ok.insert(ok.end(), 61, std::byte{'y'});
    ok.push_back(std::byte{0});
    CHECK(ok.size() == 255);
    CHECK(read_at(ok, 0, n).ok());
    CHECK(n.size == 255);
  }
  SUBCASE("a long pointer loop ends at the length limit too") {
    // Labels reached through repeated backward jumps exceed 255 octets.
    Bytes m;
    m.push_back(std::byte{63});
    m.insert(m.end(), 63, std::byte{'x'});
    m.push_back(std::byte{0});  // 0: x63.
    for (int i = 0; i < 4; ++i) {
      const std::size_t prev = i == 0 ? 0 : m.size() - 66;
      m.push_back(std::byte{63});
      m.insert(m.end(), 63, std::byte{'y'});
      m.push_back(static_cast<std::byte>(0xc0 | (prev >> 8)));
      m.push_back(static_cast<std::byte>(prev & 0xff));
    }
    CHECK(read_at(m, m.size() - 66, n).error().code == ParseErrc::BadLength);
  }
  SUBCASE("truncated label and truncated pointer") {
    CHECK(read_at(bytes({3, 'a', 'b'}), 0, n).error().code == ParseErrc::Truncated);
    CHECK(read_at(bytes({1, 'a', 0xc0}), 0, n).error().code == ParseErrc::Truncated);
    CHECK(read_at(bytes({1, 'a'}), 0, n).error().code == ParseErrc::Truncated);
  }
}

TEST_CASE("name_from_text: absolute, relative, @ and errors") {
  auto origin = name_from_text("Vpn.Example");
  REQUIRE(origin.has_value());
  CHECK(origin->labels == 2);
  CHECK(name_to_text(origin->wire()) == "Vpn.Example.");
  auto rel = name_from_text("www", &*origin);
  REQUIRE(rel.has_value());
  CHECK(name_to_text(rel->wire()) == "www.Vpn.Example.");
  CHECK(rel->labels == 3);
  auto abs = name_from_text("www.example.org.", &*origin);
  REQUIRE(abs.has_value());
  CHECK(name_to_text(abs->wire()) == "www.example.org.");
  auto at = name_from_text("@", &*origin);
  REQUIRE(at.has_value());
  CHECK(names_equal(at->wire(), origin->wire()));
  CHECK(name_from_text(".")->size == 1);
  CHECK_FALSE(name_from_text("a..b").has_value());
  CHECK_FALSE(name_from_text("").has_value());
  CHECK_FALSE(name_from_text(std::string(64, 'a')).has_value());
  CHECK(name_from_text(std::string(63, 'a')).has_value());
  CHECK_FALSE(name_from_text("a b").has_value());
  std::string long_name;
  for (int i = 0; i < 4; ++i) long_name += std::string(63, 'a') + ".";
  CHECK_FALSE(name_from_text(long_name).has_value());
}

TEST_CASE("case-insensitive comparison and lower-casing (RFC 4343)") {
  auto a = name_from_text("WWW.Vpn.EXAMPLE");
  auto b = name_from_text("www.vpn.example");
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(names_equal(a->wire(), b->wire()));
  CHECK_FALSE(names_equal(a->wire(), name_from_text("www.vpn.exampl")->wire()));
  WireName lower = *a;
  to_lower(lower);
  CHECK(std::equal(lower.wire().begin(), lower.wire().end(), b->wire().begin(), b->wire().end()));
  // Only A-Z fold: '[' (0x5b) and '{' (0x7b) are different octets.
  CHECK_FALSE(names_equal(name_from_text("a[")->wire(), name_from_text("a{")->wire()));
  CHECK(is_subdomain(a->wire(), *name_from_text("example")));
  CHECK(is_subdomain(a->wire(), *a));
  CHECK_FALSE(is_subdomain(name_from_text("example")->wire(), *a));
  CHECK_FALSE(
      is_subdomain(name_from_text("www.xvpn.example")->wire(), *name_from_text("vpn.example")));
}

TEST_CASE("WireName::suffix") {
  auto n = name_from_text("a.b.c");
  REQUIRE(n.has_value());
  CHECK(name_to_text(n->suffix(1)) == "b.c.");
  CHECK(name_to_text(n->suffix(3)) == ".");
}

}  // namespace
}  // namespace ikesteer::dns
