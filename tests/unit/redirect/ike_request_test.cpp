#include "redirect/ike_request.hpp"

#include <doctest/doctest.h>

#include <array>

#include "packets.hpp"
#include "redirect/ike_message.hpp"

namespace ikesteer::redirect {
namespace {

using test::hex;

TEST_CASE("the request writer reproduces the spec's IKE_SA_INIT request byte for byte") {
  const auto nonce = test::nonce_body();
  const auto ke = test::ke_body();
  IkeSaInitRequest r;
  r.spi_i = test::kSpiI;
  r.nonce = nonce;
  r.key_share = std::span<const std::byte>(ke).subspan(4);  // after group and reserved
  std::array<std::byte, 512> out{};
  const auto written = write_ike_sa_init_request(out, {}, r);
  const auto golden = hex(test::kInitRequest);
  CHECK(std::vector<std::byte>(written.begin(), written.end()) == golden);

  // On 4500 the same message follows the non-ESP marker.
  const auto framed = write_ike_sa_init_request(out, {true}, r);
  REQUIRE(framed.size() == golden.size() + 4);
  CHECK(std::vector<std::byte>(framed.begin(), framed.begin() + 4) == hex("00000000"));
}

TEST_CASE("cookie first, REDIRECTED_FROM instead of REDIRECT_SUPPORTED, and nothing at all") {
  const auto nonce = test::nonce_body();
  const std::array<std::byte, 4> cookie{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
  IkeSaInitRequest r;
  r.spi_i = 42;
  r.nonce = nonce;
  r.cookie = cookie;
  r.redirected_from = IpAddress::parse("192.0.2.1");
  std::array<std::byte, 512> out{};
  auto parsed = parse_ike_message(write_ike_sa_init_request(out, {}, r));
  REQUIRE(parsed.has_value());
  // RFC 7296 §2.6: the echoed COOKIE must be the first payload.
  REQUIRE(parsed->payloads().front().type == static_cast<std::uint8_t>(PayloadType::Notify));
  CHECK(parsed->payloads().front().notify.type == static_cast<std::uint16_t>(NotifyType::Cookie));
  const NotifyView* from = parsed->find_notify(NotifyType::RedirectedFrom);
  REQUIRE(from != nullptr);
  CHECK(redirected_from_address(*from) == IpAddress::parse("192.0.2.1"));
  CHECK(parsed->find_notify(NotifyType::RedirectSupported) == nullptr);

  r.cookie = {};
  r.redirected_from.reset();
  r.redirect_supported = false;
  parsed = parse_ike_message(write_ike_sa_init_request(out, {}, r));
  REQUIRE(parsed.has_value());
  CHECK(parsed->count(PayloadType::Notify) == 0);
}

TEST_CASE("a buffer that is too small yields nothing rather than a truncated request") {
  const auto nonce = test::nonce_body();
  IkeSaInitRequest r;
  r.spi_i = 1;
  r.nonce = nonce;
  std::array<std::byte, 64> small{};
  CHECK(write_ike_sa_init_request(small, {}, r).empty());
}

}  // namespace
}  // namespace ikesteer::redirect
