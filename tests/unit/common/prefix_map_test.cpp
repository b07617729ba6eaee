#include "common/prefix_map.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "../allocation_counter.hpp"

namespace ikesteer {
namespace {

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

IpPrefix prefix(const char* text) {
  const auto p = IpPrefix::parse(text);
  REQUIRE_MESSAGE(p.has_value(), text);
  return *p;
}

PrefixMap make(std::vector<std::pair<const char*, std::uint32_t>> list) {
  std::vector<PrefixMap::Entry> entries;
  for (const auto& [text, value] : list) entries.push_back({prefix(text), value});
  auto map = PrefixMap::build(std::move(entries));
  REQUIRE(map.has_value());
  return std::move(map).value();
}

// The value and matched prefix, as "value prefix", or "none".
std::string find(const PrefixMap& map, const char* address) {
  const auto m = map.lookup(ip(address));
  return m ? std::to_string(m->value) + " " + m->prefix.to_string() : "none";
}

std::string covering(const PrefixMap& map, const char* text) {
  const auto m = map.lookup(prefix(text));
  return m ? std::to_string(m->value) + " " + m->prefix.to_string() : "none";
}

TEST_CASE("IpPrefix parses prefixes and bare addresses") {
  CHECK(prefix("192.0.2.0/24").to_string() == "192.0.2.0/24");
  CHECK(prefix("192.0.2.7").to_string() == "192.0.2.7/32");
  CHECK(prefix("2001:db8::/32").to_string() == "2001:db8::/32");
  CHECK(prefix("2001:db8::1").to_string() == "2001:db8::1/128");
  CHECK(prefix("0.0.0.0/0").to_string() == "0.0.0.0/0");
  CHECK(prefix("::/0").to_string() == "::/0");
  CHECK(prefix("::ffff:192.0.2.0/120") == prefix("192.0.2.0/24"));  // IPv4-mapped
  CHECK(prefix("::ffff:0:0/96") == prefix("0.0.0.0/0"));
  CHECK_FALSE(prefix("::/95").address.is_v4());
}

TEST_CASE("IpPrefix refuses bad text, with a reason") {
  const auto error = [](const char* text) {
    const auto p = IpPrefix::parse(text);
    REQUIRE_FALSE(p.has_value());
    return p.error();
  };
  CHECK(error("192.0.2.1/24") == "host bits set after /24 (did you mean 192.0.2.0/24?)");
  CHECK(error("2001:db8::1/32") == "host bits set after /32 (did you mean 2001:db8::/32?)");
  CHECK(error("192.0.2.0/33") == "prefix length 33 is over 32");
  CHECK(error("2001:db8::/129") == "prefix length 129 is over 128");
  CHECK(error("192.0.2.0/") == "bad prefix length: ''");
  CHECK(error("192.0.2.0/2x") == "bad prefix length: '2x'");
  CHECK(error("192.0.2.0/+8") == "bad prefix length: '+8'");
  CHECK(error("192.0.2.0/0024") == "bad prefix length: '0024'");
  CHECK(error("192.0.2.0/24/1") == "bad prefix length: '24/1'");
  CHECK(error("192.0.2/24") == "not an IP address: '192.0.2'");
  CHECK(error("") == "not an IP address: ''");
  CHECK(error("/8") == "not an IP address: ''");
}

TEST_CASE("IpPrefix::contains, across the IPv4-mapped form") {
  CHECK(prefix("192.0.2.0/24").contains(ip("192.0.2.255")));
  CHECK(prefix("192.0.2.0/24").contains(ip("::ffff:192.0.2.1")));
  CHECK_FALSE(prefix("192.0.2.0/24").contains(ip("192.0.3.0")));
  CHECK_FALSE(prefix("::/0").contains(ip("192.0.2.1")));
  CHECK(prefix("::/0").contains(ip("2001:db8::1")));
}

TEST_CASE("the longest prefix wins; nested, adjacent and disjoint prefixes") {
  const auto map = make({{"10.0.0.0/8", 1},
                         {"10.1.0.0/16", 2},
                         {"10.1.2.0/24", 3},
                         {"10.1.3.0/24", 4},  // adjacent to 10.1.2.0/24
                         {"10.1.2.128/25", 5},
                         {"192.0.2.0/24", 6}});
  CHECK(map.size() == 6);
  CHECK(find(map, "10.9.9.9") == "1 10.0.0.0/8");
  CHECK(find(map, "10.1.9.9") == "2 10.1.0.0/16");
  CHECK(find(map, "10.1.2.0") == "3 10.1.2.0/24");
  CHECK(find(map, "10.1.2.127") == "3 10.1.2.0/24");
  CHECK(find(map, "10.1.2.128") == "5 10.1.2.128/25");
  CHECK(find(map, "10.1.2.255") == "5 10.1.2.128/25");
  CHECK(find(map, "10.1.3.0") == "4 10.1.3.0/24");
  CHECK(find(map, "10.1.4.0") == "2 10.1.0.0/16");
  CHECK(find(map, "10.255.255.255") == "1 10.0.0.0/8");
  CHECK(find(map, "11.0.0.0") == "none");
  CHECK(find(map, "9.255.255.255") == "none");
  CHECK(find(map, "192.0.2.9") == "6 192.0.2.0/24");
  CHECK(find(map, "2001:db8::1") == "none");
}

TEST_CASE("IPv4-mapped IPv6 addresses match IPv4 entries") {
  const auto map = make({{"192.0.2.0/24", 1}, {"::/0", 2}, {"0.0.0.0/0", 3}});
  CHECK(find(map, "::ffff:192.0.2.1") == "1 192.0.2.0/24");
  CHECK(find(map, "::ffff:198.51.100.1") == "3 0.0.0.0/0");
  CHECK(find(map, "2001:db8::1") == "2 ::/0");
  CHECK(find(map, "::192.0.2.1") == "2 ::/0");  // IPv4-compatible is not mapped
}

TEST_CASE("IPv6 prefixes, /0 entries and whole-space edges") {
  const auto map = make({{"::/0", 1},
                         {"2001:db8::/32", 2},
                         {"2001:db8:1::/48", 3},
                         {"2001:db8:1::1", 4},
                         {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0/124", 5},
                         {"0.0.0.0/0", 6},
                         {"255.255.255.255", 7}});
  CHECK(find(map, "::") == "1 ::/0");
  CHECK(find(map, "2001:db8:2::") == "2 2001:db8::/32");
  CHECK(find(map, "2001:db8:1::") == "3 2001:db8:1::/48");
  CHECK(find(map, "2001:db8:1::1") == "4 2001:db8:1::1/128");
  CHECK(find(map, "2001:db8:1::2") == "3 2001:db8:1::/48");
  CHECK(find(map, "2001:db9::") == "1 ::/0");
  CHECK(find(map, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") ==
        "5 ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0/124");
  CHECK(find(map, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffef") == "1 ::/0");
  CHECK(find(map, "0.0.0.0") == "6 0.0.0.0/0");
  CHECK(find(map, "255.255.255.254") == "6 0.0.0.0/0");
  CHECK(find(map, "255.255.255.255") == "7 255.255.255.255/32");
}

TEST_CASE("an empty map matches nothing") {
  const PrefixMap empty;
  CHECK(find(empty, "192.0.2.1") == "none");
  CHECK(find(empty, "2001:db8::1") == "none");
  CHECK(covering(empty, "192.0.2.0/24") == "none");
  const auto built = make({});
  CHECK(built.size() == 0);
  CHECK(find(built, "192.0.2.1") == "none");
  CHECK(find(built, "2001:db8::1") == "none");
}

TEST_CASE("covering lookup: the longest entry holding the whole prefix") {
  const auto map = make({{"10.0.0.0/8", 1},
                         {"10.1.0.0/16", 2},
                         {"10.1.2.0/24", 3},
                         {"2001:db8::/32", 4},
                         {"2001:db8:0:1::/64", 5}});
  CHECK(covering(map, "10.1.2.0/24") == "3 10.1.2.0/24");
  CHECK(covering(map, "10.1.2.0/28") == "3 10.1.2.0/24");
  CHECK(covering(map, "10.1.0.0/20") == "2 10.1.0.0/16");  // 10.1.2.0/24 is inside: not it
  CHECK(covering(map, "10.0.0.0/12") == "1 10.0.0.0/8");
  CHECK(covering(map, "10.0.0.0/7") == "none");
  CHECK(covering(map, "2001:db8::/48") == "4 2001:db8::/32");
  CHECK(covering(map, "2001:db8::/56") == "4 2001:db8::/32");
  CHECK(covering(map, "2001:db8:0:1::/64") == "5 2001:db8:0:1::/64");
  CHECK(covering(map, "::ffff:10.1.2.0/120") == "3 10.1.2.0/24");
  // Not canonical (host bits, too long): made canonical first.
  CHECK(map.lookup(IpPrefix{ip("10.1.2.99"), 40})->value == 3);
  CHECK(map.lookup(IpPrefix{ip("10.1.2.99"), 20})->value == 2);
}

TEST_CASE("duplicates are refused, naming both entries") {
  std::vector<PrefixMap::Entry> entries{
      {prefix("10.0.0.0/8"), 1},    {prefix("2001:db8::/32"), 2},
      {prefix("192.0.2.0/24"), 3},  {prefix("::ffff:192.0.2.0/120"), 4},
      {prefix("2001:db8::/32"), 5}, {IpPrefix{ip("10.9.9.9"), 8}, 6}};
  const auto map = PrefixMap::build(entries);
  REQUIRE_FALSE(map.has_value());
  CHECK(map.error().first == 2);
  CHECK(map.error().second == 3);
  entries.erase(entries.begin() + 3);
  const auto again = PrefixMap::build(entries);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().first == 1);
  CHECK(again.error().second == 3);
}

// Longest-prefix match by trying every entry.
std::optional<PrefixMap::Match> naive(const std::vector<PrefixMap::Entry>& entries,
                                      const IpAddress& a, unsigned max_length) {
  std::optional<PrefixMap::Match> best;
  for (const auto& e : entries)
    if (e.prefix.length <= max_length && e.prefix.contains(a) &&
        (!best || e.prefix.length > best->prefix.length))
      best = PrefixMap::Match{e.value, e.prefix};
  return best;
}

IpAddress random_address(std::mt19937_64& rng, bool v4) {
  std::array<std::byte, 16> b{};
  // Few distinct high bits, so that prefixes nest and neighbour often.
  for (auto& x : b) x = static_cast<std::byte>(rng() % 4 == 0 ? rng() : rng() % 3);
  return v4 ? IpAddress::v4(std::span(b).first<4>()) : IpAddress::v6(b);
}

TEST_CASE("lookups agree with a naive longest-prefix match") {
  std::mt19937_64 rng(13);
  for (int round = 0; round < 20; ++round) {
    std::vector<PrefixMap::Entry> entries;
    std::vector<IpPrefix> seen;
    for (std::uint32_t i = 0; i < 200; ++i) {
      const bool v4 = rng() % 2 == 0;
      const auto length = static_cast<unsigned>(rng() % (v4 ? 33 : 129));
      const IpPrefix p = IpPrefix::of(random_address(rng, v4), length);
      if (std::find(seen.begin(), seen.end(), p) != seen.end()) continue;
      seen.push_back(p);
      entries.push_back({p, i});
    }
    const auto map = PrefixMap::build(entries);
    REQUIRE(map.has_value());
    for (int i = 0; i < 500; ++i) {
      const bool v4 = rng() % 2 == 0;
      IpAddress a = random_address(rng, v4);
      if (i % 5 == 0) a = seen[rng() % seen.size()].address;  // a prefix's first address
      const auto expected = naive(entries, a, 128);
      const auto got = map->lookup(a);
      REQUIRE(got.has_value() == expected.has_value());
      if (got) CHECK(got->prefix == expected->prefix);
      if (got) CHECK(got->value == expected->value);
      const auto bits = static_cast<unsigned>(rng() % (v4 ? 33 : 129));
      const auto cover = map->lookup(IpPrefix::of(a, bits));
      const auto cover_expected = naive(entries, a, bits);
      REQUIRE(cover.has_value() == cover_expected.has_value());
      if (cover) CHECK(cover->prefix == cover_expected->prefix);
    }
  }
}

TEST_CASE("lookups do not allocate") {
  std::vector<PrefixMap::Entry> entries;
  for (std::uint32_t i = 0; i < 1000; ++i) {
    const std::string text =
        i % 2 == 0 ? "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24"
                   : "2001:db8:" + std::to_string(i) + "::/48";
    entries.push_back({prefix(text.c_str()), i});
  }
  const auto map = PrefixMap::build(entries);
  REQUIRE(map.has_value());
  const std::size_t before = test::allocations();
  std::uint64_t sum = 0;
  for (std::uint32_t i = 0; i < 10'000; ++i) {
    const IpAddress a = entries[i % entries.size()].prefix.address;
    if (const auto m = map->lookup(a)) sum += m->value;
    if (const auto m = map->lookup(IpPrefix::of(a, i % 129))) sum += m->value;
  }
  CHECK(test::allocations() == before);
  CHECK(sum > 0);
}

}  // namespace
}  // namespace ikesteer
