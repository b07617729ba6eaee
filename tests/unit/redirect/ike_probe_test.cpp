#include "redirect/ike_probe.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "packets.hpp"
#include "redirect/ike_message.hpp"
#include "redirect/ike_request.hpp"
#include "redirect/responder.hpp"

namespace ikesteer::redirect {
namespace {

using test::Bytes;
using test::hex;

constexpr std::uint64_t kSpi = 0x0102030405060708ULL;

Bytes probe(bool marker = false) {
  const auto nonce = test::nonce_body(std::byte{0x40}, 32);
  std::array<std::byte, 512> out{};
  const auto written = write_ike_probe(out, {marker}, kSpi, nonce);
  return Bytes(written.begin(), written.end());
}

IkeHeader probe_header() {
  return *parse_ike_header(probe());
}

// A one-notify answer to the probe, as a responder writes it.
Bytes notify_reply(NotifyType type, Bytes data = {}, bool marker = false) {
  std::array<std::byte, 512> out{};
  const auto written = write_notify_reply(out, {marker}, probe_header(), type, data);
  return Bytes(written.begin(), written.end());
}

test::Header response_header() {
  test::Header h;
  h.spi_i = kSpi;
  h.spi_r = 0x99;
  h.flags = kFlagResponse;
  return h;
}

ProbeReply classify(const Bytes& datagram, bool marker = false) {
  const auto r = classify_ike_probe_reply(datagram, {marker}, kSpi);
  REQUIRE(r.has_value());
  return *r;
}

ProbeReplyError rejection(const Bytes& datagram, bool marker = false) {
  const auto r = classify_ike_probe_reply(datagram, {marker}, kSpi);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

TEST_CASE("the probe proposes group 14 and carries a 64-octet group 19 share") {
  const Bytes bytes = probe();
  CHECK(bytes.size() == 176);
  const auto m = parse_ike_message(bytes);
  REQUIRE(m.has_value());
  CHECK(m->header.spi_i == kSpi);
  CHECK(m->header.spi_r == 0);
  CHECK(m->header.exchange == static_cast<std::uint8_t>(ExchangeType::IkeSaInit));
  CHECK(m->header.flags == kFlagInitiator);
  CHECK(m->header.message_id == 0);
  REQUIRE(m->payload_count == 3);  // SA, KE, Ni: nothing a front end would redirect
  CHECK(m->count(PayloadType::Notify) == 0);
  // The SA's last transform: type 4 (D-H), ID 14.
  const auto sa = m->find(PayloadType::SecurityAssociation)->body;
  CHECK(Bytes(sa.end() - 8, sa.end()) == hex("00 00 00 08 04 00 00 0e"));
  const auto ke = m->find(PayloadType::KeyExchange)->body;
  REQUIRE(ke.size() == 4 + 64);
  CHECK(Bytes(ke.begin(), ke.begin() + 4) == hex("00 13 00 00"));
  CHECK(
      std::ranges::equal(m->find(PayloadType::Nonce)->body, test::nonce_body(std::byte{0x40}, 32)));

  const Bytes framed = probe(true);
  REQUIRE(framed.size() == 180);
  CHECK(Bytes(framed.begin(), framed.begin() + 4) == hex("00000000"));
  CHECK(Bytes(framed.begin() + 4, framed.end()) == bytes);

  std::array<std::byte, 175> small{};
  CHECK(write_ike_probe(small, {}, kSpi, test::nonce_body()).empty());
}

TEST_CASE("the request writer keeps the proposal's group in the KE payload by default") {
  const auto nonce = test::nonce_body();
  const auto ke = test::ke_body();
  IkeSaInitRequest r;
  r.spi_i = 1;
  r.nonce = nonce;
  r.key_share = std::span<const std::byte>(ke).subspan(4);
  std::array<std::byte, 512> out{};
  const auto m = parse_ike_message(write_ike_sa_init_request(out, {}, r));
  REQUIRE(m.has_value());
  CHECK(std::ranges::equal(m->find(PayloadType::KeyExchange)->body, ke));
}

TEST_CASE("refusals: INVALID_KE_PAYLOAD with the wanted group, NO_PROPOSAL_CHOSEN") {
  SUBCASE("INVALID_KE_PAYLOAD 14 (what strongSwan 5.9.8 answers)") {
    const ProbeReply r = classify(notify_reply(NotifyType::InvalidKePayload, hex("000e")));
    CHECK(r.kind == ProbeReply::Kind::InvalidKePayload);
    CHECK(r.group == 14);
    CHECK(r.notify_type == 17);
    CHECK(to_string(r) == "INVALID_KE_PAYLOAD");
  }
  SUBCASE("INVALID_KE_PAYLOAD without a proper group") {
    const ProbeReply r = classify(notify_reply(NotifyType::InvalidKePayload, hex("0e")));
    CHECK(r.kind == ProbeReply::Kind::InvalidKePayload);
    CHECK(r.group == 0);
  }
  SUBCASE("NO_PROPOSAL_CHOSEN") {
    const ProbeReply r = classify(notify_reply(NotifyType::NoProposalChosen));
    CHECK(r.kind == ProbeReply::Kind::NoProposalChosen);
    CHECK(to_string(r) == "NO_PROPOSAL_CHOSEN");
  }
  SUBCASE("on UDP 4500 behind the marker") {
    const Bytes reply = notify_reply(NotifyType::NoProposalChosen, {}, true);
    CHECK(classify(reply, true).kind == ProbeReply::Kind::NoProposalChosen);
    CHECK(rejection(Bytes(reply.begin() + 4, reply.end()), true) == ProbeReplyError::NotIke);
  }
}

TEST_CASE("other answers: another notify, a COOKIE, an SA") {
  SUBCASE("TEMPORARY_FAILURE") {
    const ProbeReply r = classify(notify_reply(NotifyType::TemporaryFailure));
    CHECK(r.kind == ProbeReply::Kind::OtherNotify);
    CHECK(r.notify_type == 43);
    CHECK(to_string(r) == "TEMPORARY_FAILURE");
  }
  SUBCASE("COOKIE (a loaded responder)") {
    const ProbeReply r = classify(notify_reply(NotifyType::Cookie, Bytes(16, std::byte{7})));
    CHECK(r.kind == ProbeReply::Kind::OtherNotify);
    CHECK(to_string(r) == "COOKIE");
  }
  SUBCASE("an SA reply with status notifies") {
    const Bytes reply =
        test::build(response_header(), {test::sa(), test::ke(), test::nonce(),
                                        test::notify(NotifyType::NatDetectionSourceIp, Bytes(20))});
    const ProbeReply r = classify(reply);
    CHECK(r.kind == ProbeReply::Kind::SaReply);
    CHECK(to_string(r) == "SA");
  }
  SUBCASE("an error notify decides even after a status notify") {
    const Bytes reply = test::build(
        response_header(),
        {test::notify(NotifyType::Cookie, Bytes(8)), test::notify(NotifyType::NoProposalChosen)});
    CHECK(classify(reply).kind == ProbeReply::Kind::NoProposalChosen);
  }
  SUBCASE("an unnamed notify") {
    const ProbeReply r =
        classify(test::build(response_header(), {test::raw(41, hex("0000 00c8"))}));
    CHECK(r.kind == ProbeReply::Kind::OtherNotify);
    CHECK(to_string(r) == "notify 200");
  }
}

TEST_CASE("only a response to exactly our request is accepted") {
  const Bytes good = notify_reply(NotifyType::NoProposalChosen);
  SUBCASE("our own request, reflected") {
    CHECK(rejection(probe()) == ProbeReplyError::NotResponse);
  }
  SUBCASE("another SPIi") {
    Bytes b = good;
    b[7] ^= std::byte{1};
    CHECK(rejection(b) == ProbeReplyError::OtherSpi);
  }
  SUBCASE("IKE_AUTH") {
    Bytes b = good;
    b[18] = std::byte{35};
    CHECK(rejection(b) == ProbeReplyError::OtherExchange);
  }
  SUBCASE("Message ID 1") {
    Bytes b = good;
    b[23] = std::byte{1};
    CHECK(rejection(b) == ProbeReplyError::OtherMessageId);
  }
  SUBCASE("length does not match") {
    Bytes b = good;
    b.push_back(std::byte{0});
    CHECK(rejection(b) == ProbeReplyError::Malformed);
  }
  SUBCASE("IKEv1") {
    Bytes b = good;
    b[17] = std::byte{0x10};
    CHECK(rejection(b) == ProbeReplyError::Malformed);
  }
  SUBCASE("shorter than a header") {
    CHECK(rejection(Bytes(good.begin(), good.begin() + 27)) == ProbeReplyError::NotIke);
  }
  SUBCASE("ESP on 4500") {
    CHECK(rejection(test::concat({hex("00000001"), good}), true) == ProbeReplyError::NotIke);
  }
  SUBCASE("neither notify nor SA") {
    const Bytes b = test::build(response_header(), {test::raw(43, hex("01020304"))});
    CHECK(rejection(b) == ProbeReplyError::NoAnswer);
  }
  CHECK(to_string(ProbeReplyError::OtherSpi) == "another SPIi");
}

class NoSelector : public GatewaySelector {
 public:
  std::optional<GatewayChoice> select(const IpAddress&, const std::optional<IpAddress>&,
                                      TimePoint) noexcept override {
    return std::nullopt;
  }
};

TEST_CASE("an ikesteer front end refuses the probe, never redirects it") {
  NoSelector selector;
  CookieJar jar(CookieJar::Secret{}, std::chrono::seconds(120));
  PrefixRateLimiter limiter(PrefixRateLimiterOptions{.rate = 0});
  ResponderOptions options;
  options.cookies_enabled = false;
  TokenBucket budget(1, 1);
  Responder responder(options, selector, jar, limiter, budget);
  std::array<std::byte, kMaxReplySize> out{};
  const Bytes request = probe();
  const Verdict v =
      responder.handle(Datagram{request, *IpAddress::parse("192.0.2.7"), false}, TimePoint{}, out);
  REQUIRE(v.reply);
  CHECK(classify(Bytes(v.bytes.begin(), v.bytes.end())).kind == ProbeReply::Kind::NoProposalChosen);
}

}  // namespace
}  // namespace ikesteer::redirect
