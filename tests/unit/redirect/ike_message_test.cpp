#include "redirect/ike_message.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "packets.hpp"

namespace ikesteer::redirect {
namespace {

using test::Bytes;
using test::hex;

std::uint8_t u8(PayloadType t) {
  return static_cast<std::uint8_t>(t);
}

ParseErrc error_of(const Bytes& b) {
  const auto m = parse_ike_message(b);
  REQUIRE_FALSE(m);
  return m.error().code;
}

TEST_CASE("parses the IKE_SA_INIT request of spec 10.1") {
  const Bytes b = hex(test::kInitRequest);
  REQUIRE(b.size() == 152);
  const auto m = parse_ike_message(b);
  REQUIRE(m);
  CHECK(m->header.spi_i == test::kSpiI);
  CHECK(m->header.spi_r == 0);
  CHECK(m->header.next_payload == 33);
  CHECK(m->header.version == 0x20);
  CHECK(m->header.major_version() == 2);
  CHECK(m->header.exchange == 34);
  CHECK(m->header.flags == 0x08);
  CHECK_FALSE(m->header.is_response());
  CHECK(m->header.message_id == 0);
  CHECK(m->header.length == 152);
  REQUIRE(m->payloads().size() == 4);
  CHECK(m->payloads()[0].type == u8(PayloadType::SecurityAssociation));
  CHECK(m->payloads()[0].body.size() == 36);
  CHECK(m->payloads()[1].type == u8(PayloadType::KeyExchange));
  CHECK(m->payloads()[1].body.size() == 36);
  CHECK(m->payloads()[2].type == u8(PayloadType::Nonce));
  CHECK(m->payloads()[3].type == u8(PayloadType::Notify));
  CHECK_FALSE(m->unsupported_critical);

  const PayloadView* ni = m->find(PayloadType::Nonce);
  REQUIRE(ni != nullptr);
  CHECK(ni->body.data() == b.data() + 0x70);  // a view into the datagram
  CHECK(std::ranges::equal(ni->body, test::nonce_body()));

  const NotifyView* rs = m->find_notify(NotifyType::RedirectSupported);
  REQUIRE(rs != nullptr);
  CHECK(rs->protocol_id == 0);
  CHECK(rs->spi_size == 0);
  CHECK(rs->spi.empty());
  CHECK(rs->data.empty());
  CHECK(m->find_notify(NotifyType::RedirectedFrom) == nullptr);
  CHECK(m->count(PayloadType::Nonce) == 1);
  CHECK(m->count(PayloadType::Encrypted) == 0);
}

TEST_CASE("the builder reproduces spec 10.1") {
  CHECK(test::init_request() == hex(test::kInitRequest));
}

TEST_CASE("parses REDIRECTED_FROM of spec 10.5") {
  const Bytes b = hex(test::kRedirectedFromRequest);
  REQUIRE(b.size() == 158);
  const auto m = parse_ike_message(b);
  REQUIRE(m);
  CHECK(m->header.spi_i == 0x51e0c2a9d4b7f603ULL);
  const NotifyView* from = m->find_notify(NotifyType::RedirectedFrom);
  REQUIRE(from != nullptr);
  const auto address = redirected_from_address(*from);
  REQUIRE(address);
  CHECK(*address == *IpAddress::parse("192.0.2.1"));
  CHECK(m->find_notify(NotifyType::RedirectSupported) == nullptr);
}

TEST_CASE("parses the IKE_SESSION_RESUME request of spec 10.8") {
  const Bytes b = hex(test::kResumeRequest);
  REQUIRE(b.size() == 152);
  const auto m = parse_ike_message(b);
  REQUIRE(m);
  CHECK(m->header.exchange == 38);
  REQUIRE(m->payloads().size() == 2);
  const NotifyView* ticket = m->find_notify(NotifyType::TicketOpaque);
  REQUIRE(ticket != nullptr);
  CHECK(ticket->data.size() == 80);
  CHECK(ticket->data[0] == std::byte{1});
}

TEST_CASE("redirected_from_address accepts IPv4 and IPv6 only") {
  NotifyView n;
  const Bytes v6 = hex("02 10 20010db8000000000000000000000001");
  n.data = v6;
  CHECK(redirected_from_address(n) == IpAddress::parse("2001:db8::1"));
  const Bytes fqdn = hex("03 03 616263");
  n.data = fqdn;
  CHECK_FALSE(redirected_from_address(n));
  const Bytes wrong_length = hex("01 10 20010db8000000000000000000000001");
  n.data = wrong_length;
  CHECK_FALSE(redirected_from_address(n));
  const Bytes trailing = hex("01 04 c0000201 00");
  n.data = trailing;
  CHECK_FALSE(redirected_from_address(n));
  const Bytes truncated = hex("01 04 c00002");
  n.data = truncated;
  CHECK_FALSE(redirected_from_address(n));
  n.data = {};
  CHECK_FALSE(redirected_from_address(n));
}

TEST_CASE("header rules (RFC 7296 3.1)") {
  Bytes b = hex(test::kInitRequest);
  SUBCASE("shorter than a header") {
    b.resize(27);
    CHECK(error_of(b) == ParseErrc::Truncated);
  }
  SUBCASE("Length larger than the datagram") {
    b.push_back(std::byte{0});
    CHECK(error_of(b) == ParseErrc::BadLength);
  }
  SUBCASE("Length smaller than the datagram") {
    b[27] = std::byte{0x97};
    CHECK(error_of(b) == ParseErrc::BadLength);
  }
  SUBCASE("zero SPIi") {
    std::fill(b.begin(), b.begin() + 8, std::byte{0});
    CHECK(error_of(b) == ParseErrc::BadValue);
  }
  SUBCASE("IKEv1") {
    b[17] = std::byte{0x10};
    CHECK(error_of(b) == ParseErrc::BadValue);
  }
  SUBCASE("minor version is ignored") {
    b[17] = std::byte{0x21};
    CHECK(parse_ike_message(b));
  }
}

TEST_CASE("payload chain rules (RFC 7296 3.2)") {
  test::Header h;
  SUBCASE("no payloads at all is well formed") {
    CHECK(parse_ike_message(test::build(h, {})));
  }
  SUBCASE("payload length below 4") {
    Bytes b = test::build(h, {test::notify(NotifyType::RedirectSupported)});
    b[30] = std::byte{0};
    b[31] = std::byte{3};
    CHECK(error_of(b) == ParseErrc::BadLength);
  }
  SUBCASE("payload longer than the message") {
    Bytes b = test::build(h, {test::notify(NotifyType::RedirectSupported)});
    b[31] = std::byte{9};
    CHECK(error_of(b) == ParseErrc::Truncated);
  }
  SUBCASE("chain ends before the message") {
    Bytes b = test::build(h, {test::notify(NotifyType::RedirectSupported)});
    b.push_back(std::byte{0});
    b[27] = std::byte{37};
    CHECK(error_of(b) == ParseErrc::TrailingData);
  }
  SUBCASE("next payload announced but no bytes left") {
    Bytes b = test::build(h, {test::notify(NotifyType::RedirectSupported)});
    b[28] = std::byte{41};
    CHECK(error_of(b) == ParseErrc::Truncated);
  }
  SUBCASE("too many payloads") {
    std::vector<test::Payload> many(kMaxPayloads + 1, test::raw(200, {}));
    CHECK(error_of(test::build(h, many)) == ParseErrc::TooMany);
    many.pop_back();
    CHECK(parse_ike_message(test::build(h, many)));
  }
  SUBCASE("unknown non-critical payload is skipped") {
    const auto m = parse_ike_message(test::init_request({test::raw(200, hex("010203"))}));
    REQUIRE(m);
    CHECK_FALSE(m->unsupported_critical);
    CHECK(m->payloads().back().type == 200);
  }
  SUBCASE("unknown critical payload is remembered (first one)") {
    const auto m =
        parse_ike_message(test::init_request({test::raw(200, {}, true), test::raw(201, {}, true)}));
    REQUIRE(m);
    CHECK(m->unsupported_critical == std::uint8_t{200});
  }
  SUBCASE("C bit on a known payload is ignored") {
    auto n = test::notify(NotifyType::InitialContact);
    n.critical = true;
    const auto m = parse_ike_message(test::init_request({n}));
    REQUIRE(m);
    CHECK_FALSE(m->unsupported_critical);
  }
}

TEST_CASE("Nonce Data is 16..256 octets (RFC 7296 2.10)") {
  const test::Header h;
  CHECK(parse_ike_message(test::build(h, {test::nonce(std::byte{0}, 16)})));
  CHECK(parse_ike_message(test::build(h, {test::nonce(std::byte{0}, 256)})));
  CHECK(error_of(test::build(h, {test::nonce(std::byte{0}, 15)})) == ParseErrc::BadLength);
  CHECK(error_of(test::build(h, {test::nonce(std::byte{0}, 257)})) == ParseErrc::BadLength);
}

TEST_CASE("Notify body (RFC 7296 3.10)") {
  const test::Header h;
  SUBCASE("SPI and data") {
    const auto b = test::build(h, {test::raw(41, hex("01 04 4023 aabbccdd 0102"))});
    const auto m = parse_ike_message(b);
    REQUIRE(m);
    const NotifyView& n = m->payloads()[0].notify;
    CHECK(n.protocol_id == 1);
    CHECK(n.spi_size == 4);
    CHECK(n.type == 0x4023);
    CHECK(n.spi.size() == 4);
    CHECK(n.data.size() == 2);
  }
  SUBCASE("shorter than its fixed part") {
    CHECK(error_of(test::build(h, {test::raw(41, hex("00 00 40"))})) == ParseErrc::Truncated);
  }
  SUBCASE("SPI larger than the body") {
    CHECK(error_of(test::build(h, {test::raw(41, hex("01 08 4023 aabbccdd"))})) ==
          ParseErrc::Truncated);
  }
}

TEST_CASE("SA structure (RFC 7296 3.3)") {
  const test::Header h;
  auto with_sa = [&](const Bytes& body) { return test::build(h, {test::raw(33, body)}); };
  CHECK(parse_ike_message(with_sa(test::sa_body())));
  SUBCASE("empty SA") {
    CHECK_FALSE(parse_ike_message(with_sa({})));
  }
  SUBCASE("two proposals") {
    Bytes two = test::sa_body();
    two[0] = std::byte{2};
    const Bytes second = test::sa_body();
    two.insert(two.end(), second.begin(), second.end());
    CHECK(parse_ike_message(with_sa(two)));
  }
  SUBCASE("proposal says more but none follows") {
    Bytes b = test::sa_body();
    b[0] = std::byte{2};
    CHECK(error_of(with_sa(b)) == ParseErrc::Truncated);
  }
  SUBCASE("bytes after the last proposal") {
    Bytes b = test::sa_body();
    b.push_back(std::byte{0});
    CHECK(error_of(with_sa(b)) == ParseErrc::TrailingData);
  }
  SUBCASE("bad proposal marker") {
    Bytes b = test::sa_body();
    b[0] = std::byte{3};
    CHECK(error_of(with_sa(b)) == ParseErrc::BadValue);
  }
  SUBCASE("proposal length too small") {
    Bytes b = test::sa_body();
    b[3] = std::byte{7};
    CHECK(error_of(with_sa(b)) == ParseErrc::BadValue);
  }
  SUBCASE("transform count larger than the transforms") {
    Bytes b = test::sa_body();
    b[7] = std::byte{4};
    CHECK(error_of(with_sa(b)) == ParseErrc::BadValue);
  }
  SUBCASE("transform count smaller than the transforms") {
    Bytes b = test::sa_body();
    b[7] = std::byte{2};
    CHECK(error_of(with_sa(b)) == ParseErrc::BadValue);
  }
  SUBCASE("transform length too small") {
    Bytes b = test::sa_body();
    b[11] = std::byte{4};
    CHECK(error_of(with_sa(b)) == ParseErrc::BadValue);
  }
  SUBCASE("bad transform marker") {
    Bytes b = test::sa_body();
    b[8] = std::byte{2};
    CHECK(error_of(with_sa(b)) == ParseErrc::BadValue);
  }
  SUBCASE("TV attribute truncated") {
    Bytes b = test::sa_body();
    b[11] = std::byte{0x0a};  // transform 1 length 10: cuts the Key Length attribute
    b[3] = std::byte{0x22};   // proposal length shrinks with it
    b.erase(b.begin() + 18, b.begin() + 20);
    CHECK(error_of(with_sa(b)) == ParseErrc::Truncated);
  }
  SUBCASE("TLV attribute longer than its transform") {
    Bytes b = test::sa_body();
    b[16] = std::byte{0x00};  // AF=0: 0x000e is now a length of 0x0100
    CHECK(error_of(with_sa(b)) == ParseErrc::Truncated);
  }
  SUBCASE("SPI larger than the proposal") {
    Bytes b = test::sa_body();
    b[6] = std::byte{64};
    CHECK_FALSE(parse_ike_message(with_sa(b)));
  }
}

TEST_CASE("KE needs group and reserved (RFC 7296 3.4)") {
  const test::Header h;
  CHECK(parse_ike_message(test::build(h, {test::raw(34, hex("001f 0000"))})));
  CHECK(error_of(test::build(h, {test::raw(34, hex("001f 00"))})) == ParseErrc::Truncated);
}

}  // namespace
}  // namespace ikesteer::redirect
