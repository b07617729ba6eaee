#include "health/topology.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../allocation_counter.hpp"

namespace ikesteer::health {
namespace {

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

PrefixMap::Entry entry(const char* prefix, std::uint32_t order) {
  return {*IpPrefix::parse(prefix), order};
}

std::string pools(const Topology::Route& r) {
  std::string s;
  for (const auto p : r.pools) s += (s.empty() ? "" : " ") + std::to_string(p);
  return s + (r.matched ? " via " + r.matched->to_string() : " by default");
}

// Orders: 0 = {0}, 1 = {1 0}, 2 = {2 1 0}; pools 0..2.
Topology example() {
  auto t = Topology::build({{0}, {1, 0}, {2, 1, 0}},
                           {entry("10.0.0.0/8", 1), entry("10.1.0.0/16", 2),
                            entry("2001:db8::/32", 2), entry("::/0", 1)},
                           0, 3);
  REQUIRE(t.has_value());
  return std::move(t).value();
}

TEST_CASE("OrderInterner gives each distinct order one index") {
  OrderInterner o;
  const std::vector<std::uint16_t> a{1, 2}, b{2, 1}, c{1};
  CHECK(o.intern(a) == 0);
  CHECK(o.intern(b) == 1);
  CHECK(o.intern(a) == 0);
  CHECK(o.intern(c) == 2);
  CHECK(o.intern(std::vector<std::uint16_t>{1, 2}) == 0);
  CHECK(o.size() == 3);
  CHECK(o.orders()[1] == b);
}

TEST_CASE("clients follow their longest prefix, else the default order") {
  const Topology t = example();
  CHECK(t.order_count() == 3);
  CHECK(pools(t.route(ip("10.9.9.9"))) == "1 0 via 10.0.0.0/8");
  CHECK(pools(t.route(ip("10.1.2.3"))) == "2 1 0 via 10.1.0.0/16");
  CHECK(pools(t.route(ip("192.0.2.1"))) == "0 by default");
  CHECK(pools(t.route(ip("::ffff:10.1.2.3"))) == "2 1 0 via 10.1.0.0/16");
  CHECK(pools(t.route(ip("2001:db8::1"))) == "2 1 0 via 2001:db8::/32");
  CHECK(pools(t.route(ip("2001:db9::1"))) == "1 0 via ::/0");
}

TEST_CASE("ECS routes use the longest prefix covering the whole subnet") {
  const Topology t = example();
  CHECK(pools(t.route(ip("10.1.2.0"), 24)) == "2 1 0 via 10.1.0.0/16");
  CHECK(pools(t.route(ip("10.0.0.0"), 12)) == "1 0 via 10.0.0.0/8");  // holds 10.1.0.0/16
  CHECK(pools(t.route(ip("10.0.0.0"), 7)) == "0 by default");
  CHECK(pools(t.route(ip("10.1.2.3"), 32)) == "2 1 0 via 10.1.0.0/16");
  CHECK(pools(t.route(ip("2001:db8:1:2::"), 56)) == "2 1 0 via 2001:db8::/32");
  CHECK(pools(t.route(ip("2001::"), 16)) == "1 0 via ::/0");
  CHECK(pools(t.route(ip("10.1.2.3"), 0)) == "0 by default");
}

TEST_CASE("ECS scope: how far the route holds, shorter than the subnet where nothing is nearer") {
  const Topology t = example();  // 10.0.0.0/8, 10.1.0.0/16 inside it, 2001:db8::/32, ::/0
  CHECK(t.route(ip("10.1.2.0"), 24).scope == 16);  // all of 10.1.0.0/16 goes the same way
  CHECK(t.route(ip("10.2.0.0"), 24).scope == 15);  // 10.2.0.0/15 holds no longer entry
  CHECK(t.route(ip("10.0.0.0"), 24).scope == 16);  // 10.0.0.0/15 would hold 10.1.0.0/16
  CHECK(t.route(ip("10.0.0.0"), 12).scope == 12);  // the subnet itself holds 10.1.0.0/16
  CHECK(t.route(ip("192.0.2.0"), 24).scope == 1);  // default: 128.0.0.0/1 holds no entry
  CHECK(t.route(ip("2001:db8:1:2::"), 56).scope == 32);
  CHECK(t.route(ip("2001::"), 16).scope == 16);  // ::/0 matched; 2001::/16 holds none
}

TEST_CASE("a default Topology routes every client to no pool") {
  const Topology t;
  CHECK(t.route(ip("192.0.2.1")).pools.empty());
  CHECK_FALSE(t.route(ip("192.0.2.1")).matched.has_value());
  CHECK(t.route(ip("2001:db8::"), 32).pools.empty());
}

TEST_CASE("build refuses bad orders and entries, naming them") {
  const auto error = [](std::vector<std::vector<std::uint16_t>> orders,
                        std::vector<PrefixMap::Entry> entries, std::uint32_t default_order) {
    const auto t = Topology::build(std::move(orders), std::move(entries), default_order, 3);
    REQUIRE_FALSE(t.has_value());
    return t.error();
  };
  CHECK(error({{0}}, {}, 1) == "the default order is order 1, and there are 1 orders");
  CHECK(error({}, {}, 0) == "the default order is order 0, and there are 0 orders");
  CHECK(error({{0}, {}}, {}, 0) == "order 1 names no pool");
  CHECK(error({{0, 3}}, {}, 0) == "order 0 names pool 3, and there are 3 pools");
  CHECK(error({{0, 1, 0}}, {}, 0) == "order 0 names pool 0 twice");
  CHECK(error({{0}}, {entry("10.0.0.0/8", 1)}, 0) ==
        "prefix 10.0.0.0/8 maps to order 1, and there are 1 orders");
  CHECK(error({{0}}, {entry("10.0.0.0/8", 0), entry("::ffff:10.0.0.0/104", 0)}, 0) ==
        "prefix 10.0.0.0/8 is listed twice (entries 0 and 1)");
}

TEST_CASE("route() does not allocate") {
  const Topology t = example();
  const std::size_t before = ikesteer::test::allocations();
  std::size_t total = 0;
  for (unsigned i = 0; i < 1000; ++i) {
    total += t.route(ip("10.1.2.3")).pools.size();
    total += t.route(ip("2001:db8::1"), i % 129).pools.size();
  }
  CHECK(ikesteer::test::allocations() == before);
  CHECK(total > 0);
}

}  // namespace
}  // namespace ikesteer::health
