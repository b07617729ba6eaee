#include "health/topology_file.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ikesteer::health {
namespace {

// Pools eu = 0, us = 1, asia = 2.
std::optional<std::uint16_t> pool(std::string_view name) {
  if (name == "eu") return 0;
  if (name == "us") return 1;
  if (name == "asia") return 2;
  return std::nullopt;
}

std::string describe(const TopologyFileEntries& f, const OrderInterner& o) {
  std::string s;
  for (std::size_t i = 0; i < f.entries.size(); ++i) {
    s += std::to_string(f.lines[i]) + ":" + f.entries[i].prefix.to_string() + ":";
    for (const auto p : o.orders()[f.entries[i].value]) s += " " + std::to_string(p);
    s += "\n";
  }
  return s;
}

std::string errors(std::string_view text, std::size_t max = kMaxTopologyFileErrors) {
  OrderInterner o;
  const auto f = parse_topology_file(text, pool, o, max);
  REQUIRE_FALSE(f.has_value());
  std::string s;
  for (const auto& e : f.error()) s += std::to_string(e.line) + ": " + e.message + "\n";
  return s;
}

TEST_CASE("lines are a prefix and its pools; comments and blank lines are fine") {
  OrderInterner o;
  o.intern(std::vector<std::uint16_t>{1});  // an inline order, shared with the file's
  const auto f = parse_topology_file(
      "# regions\n"
      "\n"
      "192.0.2.0/24 eu us      # first eu\n"
      "\t2001:db8::/32\tus\t\teu\n"
      "   \t \n"
      "198.51.100.7 us\r\n"
      "10.0.0.0/8 eu us\n"
      "::ffff:203.0.113.0/120 asia eu us",  // no newline at the end
      pool, o);
  REQUIRE(f.has_value());
  CHECK(describe(*f, o) ==
        "3:192.0.2.0/24: 0 1\n"
        "4:2001:db8::/32: 1 0\n"
        "6:198.51.100.7/32: 1\n"
        "7:10.0.0.0/8: 0 1\n"
        "8:203.0.113.0/24: 2 0 1\n");
  CHECK(o.size() == 4);  // {us}, {eu us}, {us eu}, {asia eu us}
  CHECK(f->entries[2].value == 0);
  CHECK(f->entries[0].value == f->entries[3].value);
}

TEST_CASE("an empty file has no entries") {
  OrderInterner o;
  const auto f = parse_topology_file("", pool, o);
  REQUIRE(f.has_value());
  CHECK(f->entries.empty());
  const auto g = parse_topology_file("# nothing\n\n", pool, o);
  REQUIRE(g.has_value());
  CHECK(g->entries.empty());
}

TEST_CASE("every error, with its line") {
  CHECK(errors("192.0.2.1/24 eu\n") ==
        "1: bad prefix 192.0.2.1/24: host bits set after /24 (did you mean 192.0.2.0/24?)\n");
  CHECK(errors("\n192.0.2.0/33 eu\n") ==
        "2: bad prefix 192.0.2.0/33: prefix length 33 is over 32\n");
  CHECK(errors("eu 192.0.2.0/24\n") == "1: bad prefix eu: not an IP address: 'eu'\n");
  CHECK(errors("192.0.2.0/24\n") == "1: 192.0.2.0/24 names no pool\n");
  CHECK(errors("192.0.2.0/24 # eu\n") == "1: 192.0.2.0/24 names no pool\n");
  CHECK(errors("192.0.2.0/24 eu eu-west\n") == "1: unknown pool 'eu-west'\n");
  CHECK(errors("192.0.2.0/24 eu us eu\n") == "1: pool 'eu' named twice\n");
  CHECK(errors("10.0.0.0/8 eu\n"
               "192.0.2.0/24 us\n"
               "10.0.0.0/8 us\n"
               "::ffff:192.0.2.0/120 eu\n"
               "10.0.0.0/8 asia\n") ==
        "3: 10.0.0.0/8 is already listed on line 1\n"
        "4: 192.0.2.0/24 is already listed on line 2\n"
        "5: 10.0.0.0/8 is already listed on line 1\n");
}

TEST_CASE("several errors in line order, duplicates among them") {
  CHECK(errors("10.0.0.0/8 eu\n"
               "10.0.0.0/8 us\n"
               "bad eu\n"
               "192.0.2.0/24 mars venus\n") ==
        "2: 10.0.0.0/8 is already listed on line 1\n"
        "3: bad prefix bad: not an IP address: 'bad'\n"
        "4: unknown pool 'mars'\n"
        "4: unknown pool 'venus'\n");
}

TEST_CASE("errors stop at the limit") {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "bad" + std::to_string(i) + " eu\n";
  const auto all = errors(text);
  CHECK(std::count(all.begin(), all.end(), '\n') == 20);
  CHECK(all.find("20: bad prefix bad19: not an IP address: 'bad19'\n") != std::string::npos);
  CHECK(errors(text, 2) ==
        "1: bad prefix bad0: not an IP address: 'bad0'\n"
        "2: bad prefix bad1: not an IP address: 'bad1'\n");
}

}  // namespace
}  // namespace ikesteer::health
