#include "redirect/ike_reply.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>

#include "packets.hpp"
#include "redirect/responder.hpp"

namespace ikesteer::redirect {
namespace {

using test::Bytes;
using test::hex;

IkeHeader request_header(std::string_view request = test::kInitRequest) {
  const Bytes b = hex(request);
  const auto h = parse_ike_header(b);
  REQUIRE(h);
  return *h;
}

Bytes to_bytes(std::span<const std::byte> s) {
  return Bytes(s.begin(), s.end());
}

const ReplyFraming kPort500{};
const ReplyFraming kPort4500{.non_esp_marker = true};

TEST_CASE("REDIRECT replies are byte-exact (spec 10.2, 10.3, 10.4)") {
  std::array<std::byte, kMaxReplySize> out{};
  const IkeHeader h = request_header();
  const Bytes ni = test::nonce_body();
  SUBCASE("IPv4") {
    const auto gw = GatewayIdentity::address(*IpAddress::parse("192.0.2.11"));
    CHECK(to_bytes(write_redirect_reply(out, kPort500, h, gw, ni)) == hex(test::kRedirectV4));
  }
  SUBCASE("FQDN") {
    const auto gw = GatewayIdentity::fqdn("vpn-m2.example.net");
    REQUIRE(gw);
    CHECK(to_bytes(write_redirect_reply(out, kPort500, h, *gw, ni)) == hex(test::kRedirectFqdn));
  }
  SUBCASE("IPv6") {
    const auto gw = GatewayIdentity::address(*IpAddress::parse("2001:db8::b"));
    CHECK(to_bytes(write_redirect_reply(out, kPort500, h, gw, ni)) == hex(test::kRedirectV6));
  }
}

TEST_CASE("UDP 4500 replies carry the non-ESP marker (spec 10.2: 78 octets)") {
  std::array<std::byte, kMaxReplySize> out{};
  const auto gw = GatewayIdentity::address(*IpAddress::parse("192.0.2.11"));
  const auto reply = write_redirect_reply(out, kPort4500, request_header(), gw, test::nonce_body());
  CHECK(reply.size() == 78);
  CHECK(to_bytes(reply) == test::concat({hex("00000000"), hex(test::kRedirectV4)}));
}

TEST_CASE("COOKIE reply is byte-exact (spec 10.6)") {
  std::array<std::byte, kMaxReplySize> out{};
  const Bytes cookie =
      hex("00000001 369de3962bd6d34bc7c9955b2e25d3656ff698571da5389a7b3f64eea89ebe8b");
  CHECK(to_bytes(write_cookie_reply(out, kPort500, request_header(), cookie)) ==
        hex(test::kCookieReply));
}

TEST_CASE("error replies are byte-exact (spec 10.7)") {
  std::array<std::byte, kMaxReplySize> out{};
  const IkeHeader h = request_header();
  const std::byte type[1] = {std::byte{200}};
  CHECK(to_bytes(write_notify_reply(out, kPort500, h, NotifyType::UnsupportedCriticalPayload,
                                    type)) == hex(test::kUnsupportedCriticalReply));
  CHECK(to_bytes(write_notify_reply(out, kPort500, h, NotifyType::InvalidMajorVersion)) ==
        hex(test::kInvalidMajorVersionReply));
}

TEST_CASE("TICKET_NACK reply is byte-exact (spec 10.8)") {
  std::array<std::byte, kMaxReplySize> out{};
  CHECK(to_bytes(write_ticket_nack_reply(out, kPort500, request_header(test::kResumeRequest))) ==
        hex(test::kTicketNackReply));
}

TEST_CASE("error replies copy SPIr, Message ID and exchange from the request") {
  std::array<std::byte, kMaxReplySize> out{};
  IkeHeader h = request_header();
  h.spi_r = 0x0102030405060708ULL;
  h.message_id = 7;
  h.exchange = 37;
  const auto reply =
      parse_ike_message(write_notify_reply(out, kPort500, h, NotifyType::InvalidSyntax));
  REQUIRE(reply);
  CHECK(reply->header.spi_r == h.spi_r);
  CHECK(reply->header.message_id == 7);
  CHECK(reply->header.exchange == 37);
  CHECK(reply->header.flags == kFlagResponse);
}

TEST_CASE("replies parse back to what was written (round trip)") {
  std::array<std::byte, kMaxReplySize> out{};
  const IkeHeader h = request_header();
  const Bytes ni = test::nonce_body(std::byte{0}, 256);
  Bytes name(255, std::byte{'a'});
  const auto gw = GatewayIdentity::fqdn(std::string(255, 'a'));
  REQUIRE(gw);
  // The largest reply there is: FQDN of 255 and a 256-octet nonce, on 4500.
  const auto bytes = write_redirect_reply(out, kPort4500, h, *gw, ni);
  REQUIRE(bytes.size() == kMaxReplySize);
  const auto m = parse_ike_message(bytes.subspan(4));
  REQUIRE(m);
  CHECK(m->header.spi_i == h.spi_i);
  CHECK(m->header.spi_r == 0);
  CHECK(m->header.version == 0x20);
  CHECK(m->header.flags == 0x20);
  CHECK(m->header.exchange == 34);
  REQUIRE(m->payloads().size() == 1);
  CHECK_FALSE(m->payloads()[0].critical);
  const NotifyView* n = m->find_notify(NotifyType::Redirect);
  REQUIRE(n != nullptr);
  REQUIRE(n->data.size() == 2 + 255 + 256);
  CHECK(n->data[0] == std::byte{3});
  CHECK(n->data[1] == std::byte{255});
  CHECK(std::ranges::equal(n->data.subspan(2, 255), name));
  CHECK(std::ranges::equal(n->data.subspan(257), ni));
}

TEST_CASE("a buffer too small gives an empty reply") {
  std::array<std::byte, 40> out{};
  const auto gw = GatewayIdentity::address(*IpAddress::parse("192.0.2.11"));
  CHECK(write_redirect_reply(out, kPort500, request_header(), gw, test::nonce_body()).empty());
  CHECK(write_notify_reply(std::span(out).first(35), kPort500, request_header(),
                           NotifyType::InvalidMajorVersion)
            .empty());
  CHECK(write_notify_reply(std::span(out).first(36), kPort500, request_header(),
                           NotifyType::InvalidMajorVersion)
            .size() == 36);
}

}  // namespace
}  // namespace ikesteer::redirect
