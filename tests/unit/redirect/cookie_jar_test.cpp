#include "redirect/cookie_jar.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "packets.hpp"
#include "redirect/ike_reply.hpp"

namespace ikesteer::redirect {
namespace {

using std::chrono::seconds;

CookieJar::Secret secret_from(std::uint8_t first) {
  CookieJar::Secret s{};
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::byte>(first + i);
  return s;
}

const IpAddress kClient = *IpAddress::parse("203.0.113.5");
const Duration kLifetime = seconds(120);
// Well inside an epoch: epoch 1000 starts at 120000 s.
const TimePoint kNow = TimePoint{} + seconds(120000) + seconds(10);

TEST_CASE("golden cookie of spec 10.6") {
  CookieJar jar(secret_from(0x80), kLifetime);
  const auto cookie = jar.compute(1, secret_from(0), test::nonce_body(), kClient, test::kSpiI);
  CHECK(std::ranges::equal(
      cookie,
      test::hex("00000001 369de3962bd6d34bc7c9955b2e25d3656ff698571da5389a7b3f64eea89ebe8b")));
}

TEST_CASE("golden COOKIE reply of spec 10.6, end to end") {
  CookieJar jar(secret_from(0x80), kLifetime);
  const test::Bytes request = test::hex(test::kInitRequest);
  const auto header = parse_ike_header(request);
  REQUIRE(header);
  const auto cookie = jar.compute(1, secret_from(0), test::nonce_body(), kClient, header->spi_i);
  std::array<std::byte, 128> out{};
  const auto reply = write_cookie_reply(out, ReplyFraming{}, *header, cookie);
  CHECK(std::ranges::equal(reply, test::hex(test::kCookieReply)));
}

TEST_CASE("make and verify") {
  CookieJar jar(secret_from(0), kLifetime);
  const auto ni = test::nonce_body();
  const auto cookie = jar.make(ni, kClient, test::kSpiI, kNow);
  CHECK(std::ranges::equal(std::span(cookie).first(4), test::hex("000003e8")));  // epoch 1000
  CHECK(jar.verify(cookie, ni, kClient, test::kSpiI, kNow));
  CHECK(jar.make(ni, kClient, test::kSpiI, kNow + seconds(100)) == cookie);  // same epoch

  SUBCASE("bound to Ni, IPi and SPIi") {
    CHECK_FALSE(jar.verify(cookie, test::nonce_body(std::byte{0x11}), kClient, test::kSpiI, kNow));
    CHECK_FALSE(jar.verify(cookie, ni, *IpAddress::parse("203.0.113.6"), test::kSpiI, kNow));
    CHECK_FALSE(jar.verify(cookie, ni, kClient, test::kSpiI + 1, kNow));
  }
  SUBCASE("tampered or resized cookies fail") {
    auto bad = cookie;
    bad[20] ^= std::byte{1};
    CHECK_FALSE(jar.verify(bad, ni, kClient, test::kSpiI, kNow));
    CHECK_FALSE(jar.verify(std::span(cookie).first(35), ni, kClient, test::kSpiI, kNow));
    CHECK_FALSE(jar.verify({}, ni, kClient, test::kSpiI, kNow));
  }
  SUBCASE("accepted in the next epoch (rotation), not in the one after (expiry)") {
    CHECK(jar.verify(cookie, ni, kClient, test::kSpiI, kNow + seconds(120)));
    CHECK(jar.make(ni, kClient, test::kSpiI, kNow + seconds(120)) != cookie);
    CHECK_FALSE(jar.verify(cookie, ni, kClient, test::kSpiI, kNow + seconds(240)));
  }
  SUBCASE("a cookie from the future is not accepted") {
    CHECK_FALSE(jar.verify(cookie, ni, kClient, test::kSpiI, kNow - seconds(120)));
  }
}

TEST_CASE("jars sharing a master secret verify each other's cookies") {
  CookieJar a(secret_from(0), kLifetime);
  CookieJar b(secret_from(0), kLifetime);
  CookieJar other(secret_from(1), kLifetime);
  const auto ni = test::nonce_body();
  const auto cookie = a.make(ni, kClient, test::kSpiI, kNow);
  CHECK(b.verify(cookie, ni, kClient, test::kSpiI, kNow));
  CHECK(b.verify(cookie, ni, kClient, test::kSpiI, kNow + seconds(120)));
  CHECK_FALSE(other.verify(cookie, ni, kClient, test::kSpiI, kNow));
}

TEST_CASE("version follows the epoch; the secret is derived, not the master") {
  CookieJar jar(secret_from(0), kLifetime);
  const auto ni = test::nonce_body();
  const auto cookie = jar.make(ni, kClient, test::kSpiI, kNow);
  CHECK(cookie != jar.compute(1000, secret_from(0), ni, kClient, test::kSpiI));
  // IPv6 initiators hash all 16 octets.
  const auto v6 = *IpAddress::parse("2001:db8::1");
  const auto c6 = jar.make(ni, v6, test::kSpiI, kNow);
  CHECK(jar.verify(c6, ni, v6, test::kSpiI, kNow));
  CHECK_FALSE(jar.verify(c6, ni, *IpAddress::parse("2001:db8::2"), test::kSpiI, kNow));
}

}  // namespace
}  // namespace ikesteer::redirect
