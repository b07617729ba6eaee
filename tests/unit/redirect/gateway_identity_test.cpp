#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "packets.hpp"
#include "redirect/gateway_selector.hpp"

namespace ikesteer::redirect {
namespace {

TEST_CASE("address identities (RFC 5685 9.2 types 1 and 2)") {
  const auto v4 = GatewayIdentity::address(*IpAddress::parse("192.0.2.11"));
  CHECK(v4.type() == GatewayIdType::Ipv4);
  CHECK(std::ranges::equal(v4.value(), test::hex("c000020b")));
  const auto v6 = GatewayIdentity::address(*IpAddress::parse("2001:db8::b"));
  CHECK(v6.type() == GatewayIdType::Ipv6);
  CHECK(v6.value().size() == 16);
  CHECK_FALSE(v4 == v6);
  CHECK(v4 == GatewayIdentity::address(*IpAddress::parse("192.0.2.11")));
  CHECK_FALSE(v4 == GatewayIdentity::address(*IpAddress::parse("192.0.2.12")));
}

TEST_CASE("FQDN identities (RFC 5685 9.2 type 3)") {
  const auto name = GatewayIdentity::fqdn("vpn-m2.example.net");
  REQUIRE(name);
  CHECK(name->type() == GatewayIdType::Fqdn);
  CHECK(name->value().size() == 18);
  CHECK(GatewayIdentity::fqdn(std::string(255, 'a')));
  CHECK_FALSE(GatewayIdentity::fqdn(std::string(256, 'a')));
  CHECK_FALSE(GatewayIdentity::fqdn(""));
  CHECK_FALSE(GatewayIdentity::fqdn("vpn m2"));
  CHECK_FALSE(GatewayIdentity::fqdn("vpn\x01"));
  CHECK_FALSE(GatewayIdentity::fqdn("v\xc3\xa9pn"));
  CHECK(*name == *GatewayIdentity::fqdn("vpn-m2.example.net"));
  CHECK_FALSE(*name == *GatewayIdentity::fqdn("vpn-m1.example.net"));
}

}  // namespace
}  // namespace ikesteer::redirect
