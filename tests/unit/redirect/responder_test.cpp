#include "redirect/responder.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <numeric>

#include "packets.hpp"
#include "redirect/ike_message.hpp"

namespace ikesteer::redirect {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::Bytes;
using test::hex;

class FakeSelector : public GatewaySelector {
 public:
  std::optional<GatewayIdentity> answer = GatewayIdentity::address(*IpAddress::parse("192.0.2.11"));
  int calls = 0;
  IpAddress last_client;
  std::optional<IpAddress> last_avoid;

  std::optional<GatewayChoice> select(const IpAddress& client,
                                      const std::optional<IpAddress>& avoid,
                                      TimePoint) noexcept override {
    ++calls;
    last_client = client;
    last_avoid = avoid;
    if (!answer) return std::nullopt;
    return GatewayChoice{*answer, kMember, kWhy};
  }
  static constexpr std::uint32_t kMember = 7;
  static constexpr std::uint64_t kWhy = 0x0102030405060708;  // all 64 bits carried
};

CookieJar::Secret master_secret() {
  CookieJar::Secret s{};
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::byte>(0x40 + i);
  return s;
}

PrefixRateLimiterOptions unlimited() {
  PrefixRateLimiterOptions o;
  o.rate = 0;
  o.buckets = 64;
  return o;
}

ResponderOptions no_cookies() {
  ResponderOptions o;
  o.cookies_enabled = false;
  return o;
}

const IpAddress kClient = *IpAddress::parse("203.0.113.5");
const TimePoint kNow = TimePoint{} + seconds(120000) + seconds(10);

// One responder with its collaborators, as one event loop thread would hold them.
struct Fixture {
  explicit Fixture(ResponderOptions options = no_cookies(),
                   PrefixRateLimiterOptions limits = unlimited())
      : jar(master_secret(), seconds(120)),
        limiter(limits),
        responder(options, selector, jar, limiter, budget) {}

  Verdict handle(const Bytes& datagram, bool nat_port = false, TimePoint now = kNow,
                 IpAddress source = kClient) {
    return responder.handle(Datagram{datagram, source, nat_port}, now, out);
  }
  std::uint64_t drops(DropReason r) const {
    return responder.counters().drops[static_cast<std::size_t>(r)];
  }
  std::uint64_t replies(ReplyKind k) const {
    return responder.counters().replies[static_cast<std::size_t>(k)];
  }
  // Every datagram is counted once, as exactly one drop or reply.
  void check_counters_balance() const {
    const auto& c = responder.counters();
    const auto total = std::accumulate(c.drops.begin(), c.drops.end(), std::uint64_t{0}) +
                       std::accumulate(c.replies.begin(), c.replies.end(), std::uint64_t{0});
    CHECK(total == c.received);
  }

  FakeSelector selector;
  CookieJar jar;
  PrefixRateLimiter limiter;
  TokenBucket budget{1, 2};  // two redirects at kNow, then one a second
  Responder responder;
  std::array<std::byte, kMaxReplySize> out{};
};

Bytes to_bytes(std::span<const std::byte> s) {
  return Bytes(s.begin(), s.end());
}

void check_drop(Fixture& f, const Verdict& v, DropReason reason) {
  CHECK_FALSE(v.reply);
  CHECK(v.drop == reason);
  CHECK(v.bytes.empty());
  CHECK(f.drops(reason) == 1);
  f.check_counters_balance();
}

void check_reply(Fixture& f, const Verdict& v, ReplyKind kind) {
  REQUIRE(v.reply);
  CHECK(v.kind == kind);
  CHECK(f.replies(kind) == 1);
  f.check_counters_balance();
}

// The Notify of a (port 500) reply.
NotifyView reply_notify(const Verdict& v) {
  const auto m = parse_ike_message(v.bytes);
  REQUIRE(m);
  REQUIRE(m->payloads().size() == 1);
  return m->payloads()[0].notify;
}

Bytes with_marker(const Bytes& b) {
  return test::concat({hex("00000000"), b});
}

// --- replies -------------------------------------------------------------------------------

TEST_CASE("REDIRECT to IPv4, FQDN and IPv6 (spec 10.2, 10.3, 10.4)") {
  Fixture f;
  SUBCASE("IPv4") {
    const Verdict v = f.handle(hex(test::kInitRequest));
    check_reply(f, v, ReplyKind::Redirect);
    CHECK(to_bytes(v.bytes) == hex(test::kRedirectV4));
    CHECK(v.bytes.data() == f.out.data());  // written into the caller's buffer
    // The verdict names the selector's choice, so the caller needs no side channel.
    CHECK(v.member == FakeSelector::kMember);
    CHECK(v.why == FakeSelector::kWhy);
  }
  SUBCASE("FQDN") {
    f.selector.answer = GatewayIdentity::fqdn("vpn-m2.example.net");
    const Verdict v = f.handle(hex(test::kInitRequest));
    check_reply(f, v, ReplyKind::Redirect);
    CHECK(to_bytes(v.bytes) == hex(test::kRedirectFqdn));
  }
  SUBCASE("IPv6") {
    f.selector.answer = GatewayIdentity::address(*IpAddress::parse("2001:db8::b"));
    const Verdict v = f.handle(hex(test::kInitRequest));
    check_reply(f, v, ReplyKind::Redirect);
    CHECK(to_bytes(v.bytes) == hex(test::kRedirectV6));
  }
  CHECK(f.selector.calls == 1);
  CHECK(f.selector.last_client == kClient);
  CHECK_FALSE(f.selector.last_avoid);
}

TEST_CASE("REDIRECT echoes Ni exactly, whatever its length") {
  Fixture f;
  const Bytes request =
      test::build(test::Header{}, {test::notify(NotifyType::RedirectSupported), test::sa(),
                                   test::ke(), test::nonce(std::byte{0x33}, 256)});
  const Verdict v = f.handle(request);
  check_reply(f, v, ReplyKind::Redirect);
  const NotifyView n = reply_notify(v);
  CHECK(std::ranges::equal(n.data.subspan(6), test::nonce_body(std::byte{0x33}, 256)));
}

TEST_CASE("REDIRECTED_FROM implies support and names the address to avoid (spec 10.5)") {
  Fixture f;
  const Verdict v = f.handle(hex(test::kRedirectedFromRequest));
  check_reply(f, v, ReplyKind::Redirect);
  CHECK(f.selector.last_avoid == IpAddress::parse("192.0.2.1"));
  CHECK(f.selector.last_client == kClient);
}

TEST_CASE("REDIRECTED_FROM with an FQDN does not count as redirect support") {
  Fixture f;
  const Bytes request =
      test::init_request({test::notify(NotifyType::RedirectedFrom, hex("03 03 616263"))}, false);
  check_reply(f, f.handle(request), ReplyKind::UnsupportedClient);
  CHECK(f.selector.calls == 0);
}

TEST_CASE("COOKIE reply when cookies are always required (threshold 0)") {
  ResponderOptions o;
  o.cookie_threshold = 0;
  Fixture f(o);
  const Verdict v = f.handle(hex(test::kInitRequest));
  check_reply(f, v, ReplyKind::Cookie);
  CHECK(v.bytes.size() == 72);
  const NotifyView n = reply_notify(v);
  CHECK(n.type == static_cast<std::uint16_t>(NotifyType::Cookie));
  CHECK(std::ranges::equal(n.data, f.jar.make(test::nonce_body(), kClient, test::kSpiI, kNow)));
  CHECK(f.selector.calls == 0);
}

TEST_CASE("INVALID_MAJOR_VERSION before any parsing (spec 10.7)") {
  Fixture f;
  Bytes request = hex(test::kInitRequest);
  request[17] = std::byte{0x30};
  SUBCASE("well-formed body") {}
  SUBCASE("a body we cannot parse, wrong length") {
    request.resize(40);
  }
  const Verdict v = f.handle(request);
  check_reply(f, v, ReplyKind::InvalidMajorVersion);
  CHECK(to_bytes(v.bytes) == hex(test::kInvalidMajorVersionReply));
}

TEST_CASE("UNSUPPORTED_CRITICAL_PAYLOAD carries the type (spec 10.7)") {
  Fixture f;
  const Verdict v = f.handle(test::init_request({test::raw(200, hex("0102"), true)}));
  check_reply(f, v, ReplyKind::UnsupportedCriticalPayload);
  CHECK(to_bytes(v.bytes) == hex(test::kUnsupportedCriticalReply));
  CHECK(f.selector.calls == 0);
}

TEST_CASE("INVALID_SYNTAX only when enabled and not under load") {
  ResponderOptions o = no_cookies();
  o.reply_invalid_syntax = true;
  Bytes malformed = hex(test::kInitRequest);
  malformed[0x6f] = std::byte{0x23};  // Nonce length 35: cuts into the next payload header
  SUBCASE("enabled") {
    Fixture f(o);
    const Verdict v = f.handle(malformed);
    check_reply(f, v, ReplyKind::InvalidSyntax);
    CHECK(v.bytes.size() == 36);
    CHECK(reply_notify(v).type == static_cast<std::uint16_t>(NotifyType::InvalidSyntax));
  }
  SUBCASE("cookies engaged: load, so drop") {
    o.cookies_enabled = true;
    o.cookie_threshold = 0;
    Fixture f(o);
    check_drop(f, f.handle(malformed), DropReason::Malformed);
  }
}

TEST_CASE("IKE_SESSION_RESUME is answered with TICKET_NACK, never redirected (spec 10.8)") {
  Fixture f;
  SUBCASE("port 500") {
    const Verdict v = f.handle(hex(test::kResumeRequest));
    check_reply(f, v, ReplyKind::TicketNack);
    CHECK(to_bytes(v.bytes) == hex(test::kTicketNackReply));
  }
  SUBCASE("port 4500") {
    const Verdict v = f.handle(with_marker(hex(test::kResumeRequest)), true);
    check_reply(f, v, ReplyKind::TicketNack);
    CHECK(to_bytes(v.bytes) == with_marker(hex(test::kTicketNackReply)));
  }
  SUBCASE("even when cookies are required") {
    ResponderOptions o;
    o.cookie_threshold = 0;
    Fixture g(o);
    check_reply(g, g.handle(hex(test::kResumeRequest)), ReplyKind::TicketNack);
  }
  CHECK(f.selector.calls == 0);
}

TEST_CASE("clients without redirect support (RFC 5685 3): policy, never REDIRECT") {
  ResponderOptions o = no_cookies();
  const Bytes request = test::init_request({}, false);
  SUBCASE("NO_PROPOSAL_CHOSEN") {
    o.unsupported_client = UnsupportedClientPolicy::NoProposalChosen;
    Fixture f(o);
    const Verdict v = f.handle(request);
    check_reply(f, v, ReplyKind::UnsupportedClient);
    CHECK(reply_notify(v).type == static_cast<std::uint16_t>(NotifyType::NoProposalChosen));
    CHECK(f.selector.calls == 0);
  }
  SUBCASE("TEMPORARY_FAILURE") {
    o.unsupported_client = UnsupportedClientPolicy::TemporaryFailure;
    Fixture f(o);
    const Verdict v = f.handle(request);
    check_reply(f, v, ReplyKind::UnsupportedClient);
    CHECK(reply_notify(v).type == static_cast<std::uint16_t>(NotifyType::TemporaryFailure));
  }
  SUBCASE("drop") {
    o.unsupported_client = UnsupportedClientPolicy::Drop;
    Fixture f(o);
    check_drop(f, f.handle(request), DropReason::UnsupportedClient);
  }
}

// --- drops ---------------------------------------------------------------------------------

TEST_CASE("drop: NotIke on UDP 4500") {
  Fixture f;
  SUBCASE("ESP (non-zero SPI)") {
    check_drop(f, f.handle(test::concat({hex("00000001"), hex(test::kInitRequest)}), true),
               DropReason::NotIke);
  }
  SUBCASE("NAT keepalive") {
    check_drop(f, f.handle(hex("ff"), true), DropReason::NotIke);
  }
  SUBCASE("shorter than the marker") {
    check_drop(f, f.handle(hex("000000"), true), DropReason::NotIke);
  }
  SUBCASE("IKE without the marker") {
    check_drop(f, f.handle(hex(test::kInitRequest), true), DropReason::NotIke);
  }
}

TEST_CASE("drop: Truncated") {
  Fixture f;
  SUBCASE("port 500") {
    check_drop(f, f.handle(Bytes(27, std::byte{1})), DropReason::Truncated);
  }
  SUBCASE("marker only on 4500") {
    check_drop(f, f.handle(hex("00000000"), true), DropReason::Truncated);
  }
  SUBCASE("keepalive on 500 is just short") {
    check_drop(f, f.handle(hex("ff")), DropReason::Truncated);
  }
  SUBCASE("empty") {
    check_drop(f, f.handle({}), DropReason::Truncated);
  }
}

TEST_CASE("drop: BadLength") {
  Fixture f;
  Bytes request = hex(test::kInitRequest);
  request.push_back(std::byte{0});
  check_drop(f, f.handle(request), DropReason::BadLength);
}

TEST_CASE("drop: Malformed") {
  Fixture f;
  SUBCASE("payload chain") {
    Bytes request = hex(test::kInitRequest);
    request[0x6f] = std::byte{0x23};
    check_drop(f, f.handle(request), DropReason::Malformed);
  }
  SUBCASE("zero SPIi") {
    Bytes request = hex(test::kInitRequest);
    std::fill(request.begin(), request.begin() + 8, std::byte{0});
    check_drop(f, f.handle(request), DropReason::Malformed);
  }
  SUBCASE("IKEv1 on port 500") {
    Bytes request = hex(test::kInitRequest);
    request[17] = std::byte{0x10};
    check_drop(f, f.handle(request), DropReason::Malformed);
  }
  SUBCASE("no KE (RFC 7296 1.2)") {
    const Bytes request = test::build(
        test::Header{}, {test::sa(), test::nonce(), test::notify(NotifyType::RedirectSupported)});
    check_drop(f, f.handle(request), DropReason::Malformed);
  }
  SUBCASE("two SAs") {
    check_drop(f, f.handle(test::init_request({test::sa()})), DropReason::Malformed);
  }
  SUBCASE("SK in IKE_SA_INIT") {
    check_drop(f, f.handle(test::init_request({test::raw(46, Bytes(20))})), DropReason::Malformed);
  }
  SUBCASE("SA in IKE_SESSION_RESUME (RFC 5723 4.3.1)") {
    test::Header h;
    h.exchange = 38;
    check_drop(f, f.handle(test::build(h, {test::nonce(), test::sa()})), DropReason::Malformed);
  }
  CHECK(f.selector.calls == 0);
}

TEST_CASE("drop: IsResponse (never answer a response)") {
  Fixture f;
  Bytes request = hex(test::kRedirectV4);  // a REDIRECT sent back at us
  check_drop(f, f.handle(request), DropReason::IsResponse);
}

TEST_CASE("drop: IsResponse wins over a bad major version") {
  Fixture f;
  Bytes request = hex(test::kInitRequest);
  request[17] = std::byte{0x30};
  request[19] = std::byte{0x20};
  check_drop(f, f.handle(request), DropReason::IsResponse);
}

TEST_CASE("drop: NotInitial") {
  Fixture f;
  Bytes request = hex(test::kInitRequest);
  SUBCASE("IKE_AUTH") {
    request[18] = std::byte{35};
  }
  SUBCASE("INFORMATIONAL") {
    request[18] = std::byte{37};
  }
  SUBCASE("Message ID 1") {
    request[23] = std::byte{1};
  }
  SUBCASE("SPIr set") {
    request[15] = std::byte{1};
  }
  check_drop(f, f.handle(request), DropReason::NotInitial);
}

TEST_CASE("drop: BadNonce") {
  Fixture f;
  SUBCASE("no Ni") {
    const Bytes request = test::build(
        test::Header{}, {test::sa(), test::ke(), test::notify(NotifyType::RedirectSupported)});
    check_drop(f, f.handle(request), DropReason::BadNonce);
  }
  SUBCASE("two Ni") {
    check_drop(f, f.handle(test::init_request({test::nonce()})), DropReason::BadNonce);
  }
  SUBCASE("resume without Ni") {
    test::Header h;
    h.exchange = 38;
    check_drop(f, f.handle(test::build(h, {test::notify(NotifyType::TicketOpaque, Bytes(8))})),
               DropReason::BadNonce);
  }
}

TEST_CASE("drop: NoEligibleMember") {
  Fixture f;
  f.selector.answer = std::nullopt;
  check_drop(f, f.handle(hex(test::kInitRequest)), DropReason::NoEligibleMember);
  CHECK(f.selector.calls == 1);
}

TEST_CASE("drop: RateLimited applies to every reply kind") {
  PrefixRateLimiterOptions limits;
  limits.rate = 1;
  limits.burst = 2;
  limits.buckets = 64;
  Fixture f(no_cookies(), limits);
  const Bytes request = hex(test::kInitRequest);
  CHECK(f.handle(request).reply);
  CHECK(f.handle(request).reply);
  check_drop(f, f.handle(request), DropReason::RateLimited);
  Bytes bad_version = request;
  bad_version[17] = std::byte{0x30};
  CHECK(f.handle(bad_version).drop == DropReason::RateLimited);
  CHECK(f.handle(hex(test::kResumeRequest)).drop == DropReason::RateLimited);
  // Another prefix has its own budget; the same one gets a token back after a second.
  CHECK(f.handle(request, false, kNow, *IpAddress::parse("198.51.100.1")).reply);
  CHECK(f.handle(request, false, kNow + seconds(1)).reply);
  CHECK(f.drops(DropReason::RateLimited) == 3);
  f.check_counters_balance();
}

// --- INVALID_IKE_SPI (adopt mode) ---------------------------------------------------------

ResponderOptions invalid_spi() {
  ResponderOptions o = no_cookies();
  o.invalid_spi_reply = true;
  return o;
}

// A request of an established IKE SA: SPIr set, Message ID 1, an SK payload first.
Bytes sa_request(std::uint8_t exchange = 35, std::size_t sk_size = 48, std::uint8_t sk_type = 46) {
  test::Header h;
  h.spi_r = 0x1122334455667788ULL;
  h.exchange = exchange;
  h.message_id = 1;
  return test::build(h, {test::raw(sk_type, Bytes(sk_size, std::byte{0xe5}))});
}

TEST_CASE("INVALID_IKE_SPI answers requests of IKE SAs we do not have (RFC 7296 2.21.4)") {
  Fixture f(invalid_spi());
  SUBCASE("IKE_AUTH: same SPIs, Message ID and exchange, R set, no data") {
    const Verdict v = f.handle(sa_request());
    check_reply(f, v, ReplyKind::InvalidIkeSpi);
    CHECK(to_bytes(v.bytes) == hex("8a3c5e7f0b1d2e4f 1122334455667788 29 20 23 20 00000001 00000024"
                                   "00 00 00 08 00 00 00 04"));
  }
  SUBCASE("INFORMATIONAL (DPD) on 4500: marker in, marker out") {
    const Verdict v = f.handle(with_marker(sa_request(37)), true);
    check_reply(f, v, ReplyKind::InvalidIkeSpi);
    CHECK(to_bytes(v.bytes) ==
          with_marker(hex("8a3c5e7f0b1d2e4f 1122334455667788 29 20 25 20 00000001 00000024"
                          "00 00 00 08 00 00 00 04")));
  }
  SUBCASE("CREATE_CHILD_SA") {
    check_reply(f, f.handle(sa_request(36)), ReplyKind::InvalidIkeSpi);
  }
  SUBCASE("a fragment (SKF, RFC 7383)") {
    check_reply(f, f.handle(sa_request(35, 48, 53)), ReplyKind::InvalidIkeSpi);
  }
  SUBCASE("never larger than the request: a 36-octet request gets 36 octets") {
    check_reply(f, f.handle(sa_request(35, 4)), ReplyKind::InvalidIkeSpi);
  }
  CHECK(f.selector.calls == 0);
}

TEST_CASE("INVALID_IKE_SPI is never sent for what it must not answer") {
  Fixture f(invalid_spi());
  SUBCASE("a response (RFC 7296 2.21.4: MUST NOT respond)") {
    Bytes b = sa_request();
    b[19] = std::byte{kFlagResponse};
    check_drop(f, f.handle(b), DropReason::IsResponse);
  }
  SUBCASE("our own INVALID_IKE_SPI sent back") {
    Fixture g(invalid_spi());
    const Bytes reply = to_bytes(g.handle(sa_request()).bytes);
    check_drop(f, f.handle(reply), DropReason::IsResponse);
  }
  SUBCASE("a request to start an IKE SA, even with SPIr or Message ID set") {
    Bytes b = hex(test::kInitRequest);
    b[15] = std::byte{1};
    check_drop(f, f.handle(b), DropReason::NotInitial);
  }
  SUBCASE("IKE_SESSION_RESUME with Message ID 1") {
    Bytes b = hex(test::kResumeRequest);
    b[23] = std::byte{1};
    check_drop(f, f.handle(b), DropReason::NotInitial);
  }
  SUBCASE("not encrypted: no IKE SA sends that") {
    test::Header h;
    h.spi_r = 7;
    h.exchange = 37;
    h.message_id = 2;
    check_drop(f, f.handle(test::build(h, {test::notify(NotifyType::InitialContact)})),
               DropReason::NotInitial);
  }
  SUBCASE("shorter than the answer would be") {
    check_drop(f, f.handle(sa_request(35, 3)), DropReason::NotInitial);
  }
  SUBCASE("disabled (the default)") {
    Fixture g;
    check_drop(g, g.handle(sa_request()), DropReason::NotInitial);
  }
}

TEST_CASE("INVALID_IKE_SPI spends the per-prefix reply budget") {
  PrefixRateLimiterOptions limits;
  limits.rate = 1;
  limits.burst = 1;
  limits.buckets = 64;
  Fixture f(invalid_spi(), limits);
  CHECK(f.handle(sa_request()).kind == ReplyKind::InvalidIkeSpi);
  check_drop(f, f.handle(sa_request()), DropReason::RateLimited);
  CHECK(f.handle(hex(test::kInitRequest)).drop == DropReason::RateLimited);
}

// --- framing, determinism, cookies ---------------------------------------------------------

TEST_CASE("UDP 4500: marker in, marker out") {
  Fixture f;
  const Verdict v = f.handle(with_marker(hex(test::kInitRequest)), true);
  check_reply(f, v, ReplyKind::Redirect);
  CHECK(v.bytes.size() == 78);
  CHECK(to_bytes(v.bytes) == with_marker(hex(test::kRedirectV4)));
}

TEST_CASE("UDP 4500: error replies carry the marker too") {
  Fixture f;
  Bytes request = with_marker(hex(test::kInitRequest));
  request[4 + 17] = std::byte{0x30};
  const Verdict v = f.handle(request, true);
  check_reply(f, v, ReplyKind::InvalidMajorVersion);
  CHECK(to_bytes(v.bytes) == with_marker(hex(test::kInvalidMajorVersionReply)));
}

TEST_CASE("retransmissions get identical bytes") {
  ResponderOptions o;
  o.cookie_threshold = 0;
  SUBCASE("REDIRECT") {
    o.cookies_enabled = false;
  }
  SUBCASE("COOKIE") {}
  Fixture f(o);
  const Bytes request = hex(test::kInitRequest);
  const Bytes first = to_bytes(f.handle(request).bytes);
  const Bytes second = to_bytes(f.handle(request, false, kNow + milliseconds(500)).bytes);
  CHECK_FALSE(first.empty());
  CHECK(first == second);
}

struct CookieFixture : Fixture {
  explicit CookieFixture(std::uint32_t threshold = 0) : Fixture(options(threshold)) {}
  static ResponderOptions options(std::uint32_t threshold) {
    ResponderOptions o;
    o.cookie_threshold = threshold;
    return o;
  }
  // The request of 10.1 with N(COOKIE) first, echoing a COOKIE reply.
  static Bytes with_cookie(std::span<const std::byte> cookie, bool first = true) {
    std::vector<test::Payload> payloads{test::sa(), test::ke(), test::nonce(),
                                        test::notify(NotifyType::RedirectSupported)};
    const auto n = test::notify(NotifyType::Cookie, Bytes(cookie.begin(), cookie.end()));
    payloads.insert(first ? payloads.begin() : payloads.end(), n);
    return test::build(test::Header{}, payloads);
  }
  Bytes cookie_from(const Verdict& v) {
    const NotifyView n = reply_notify(v);
    REQUIRE(n.type == static_cast<std::uint16_t>(NotifyType::Cookie));
    return Bytes(n.data.begin(), n.data.end());
  }
};

TEST_CASE("cookie round trip: required, echoed first, verified, redirected") {
  CookieFixture f;
  const Verdict challenge = f.handle(hex(test::kInitRequest));
  REQUIRE(challenge.kind == ReplyKind::Cookie);
  const Bytes cookie = f.cookie_from(challenge);
  const Verdict v = f.handle(CookieFixture::with_cookie(cookie), false, kNow + seconds(1));
  REQUIRE(v.reply);
  CHECK(v.kind == ReplyKind::Redirect);
  // Nonce Data still equals Ni.
  CHECK(std::ranges::equal(reply_notify(v).data.subspan(6), test::nonce_body()));
  f.check_counters_balance();
}

TEST_CASE("cookie not first, wrong, or from another client counts as absent") {
  CookieFixture f;
  const Bytes cookie = f.cookie_from(f.handle(hex(test::kInitRequest)));
  SUBCASE("not the first payload") {
    CHECK(f.handle(CookieFixture::with_cookie(cookie, false)).kind == ReplyKind::Cookie);
  }
  SUBCASE("altered") {
    Bytes bad = cookie;
    bad.back() ^= std::byte{0xff};
    const Verdict v = f.handle(CookieFixture::with_cookie(bad));
    REQUIRE(v.kind == ReplyKind::Cookie);
    CHECK(f.cookie_from(v) == cookie);  // a fresh (the same) cookie for this request
  }
  SUBCASE("another source address") {
    CHECK(
        f.handle(CookieFixture::with_cookie(cookie), false, kNow, *IpAddress::parse("203.0.113.6"))
            .kind == ReplyKind::Cookie);
  }
  SUBCASE("too long for a cookie") {
    CHECK(f.handle(CookieFixture::with_cookie(Bytes(65, std::byte{1}))).kind == ReplyKind::Cookie);
  }
  CHECK(f.selector.calls == 0);
}

TEST_CASE("cookie survives one secret rotation and expires after two") {
  CookieFixture f;
  const Bytes cookie = f.cookie_from(f.handle(hex(test::kInitRequest)));
  const Bytes echoed = CookieFixture::with_cookie(cookie);
  CHECK(f.handle(echoed, false, kNow + seconds(120)).kind == ReplyKind::Redirect);  // rotated
  const Verdict expired = f.handle(echoed, false, kNow + seconds(240));
  REQUIRE(expired.kind == ReplyKind::Cookie);
  CHECK(f.cookie_from(expired) != cookie);
}

TEST_CASE("a cookie made by another thread's jar verifies here") {
  CookieFixture f;
  CookieJar other(master_secret(), seconds(120));
  const auto cookie = other.make(test::nonce_body(), kClient, test::kSpiI, kNow);
  CHECK(f.handle(CookieFixture::with_cookie(cookie)).kind == ReplyKind::Redirect);
}

TEST_CASE("cookies engage at the IKE_SA_INIT rate threshold") {
  CookieFixture f(3);
  const Bytes request = hex(test::kInitRequest);
  CHECK(f.handle(request, false, kNow).kind == ReplyKind::Redirect);
  CHECK(f.handle(request, false, kNow + milliseconds(10)).kind == ReplyKind::Redirect);
  CHECK(f.handle(request, false, kNow + milliseconds(20)).kind == ReplyKind::Cookie);  // 3rd/s
  // Still engaged in the next second (the previous window counted 3) ...
  CHECK(f.handle(request, false, kNow + milliseconds(1100)).kind == ReplyKind::Cookie);
  // ... and released once a quiet second has passed.
  CHECK(f.handle(request, false, kNow + seconds(5)).kind == ReplyKind::Redirect);
  // Resume requests do not count towards the rate.
  for (int i = 0; i < 5; ++i)
    CHECK(f.handle(hex(test::kResumeRequest), false, kNow + seconds(5)).reply);
  CHECK(f.handle(request, false, kNow + seconds(5)).kind == ReplyKind::Redirect);
}

TEST_CASE("cookies disabled ignore the threshold and a stray COOKIE payload") {
  Fixture f(no_cookies());
  CHECK(f.handle(CookieFixture::with_cookie(Bytes(36, std::byte{7}))).kind == ReplyKind::Redirect);
}

TEST_CASE("options can be swapped at run time") {
  Fixture f;
  ResponderOptions o;
  o.cookie_threshold = 0;
  f.responder.set_options(o);
  CHECK(f.handle(hex(test::kInitRequest)).kind == ReplyKind::Cookie);
}

// --- the budget of new IKE SAs --------------------------------------------------------------

ResponderOptions over_budget(OverBudgetPolicy policy, bool cookies = false) {
  ResponderOptions o = no_cookies();
  o.over_budget = policy;
  o.cookies_enabled = cookies;
  o.cookie_threshold = 0;
  return o;
}

std::uint64_t over_budget_count(const Fixture& f, OverBudgetAction a) {
  return f.responder.counters().over_budget[static_cast<std::size_t>(a)];
}

TEST_CASE("over budget, drop: a redirect takes a token; without one the request is dropped") {
  Fixture f(over_budget(OverBudgetPolicy::Drop));
  const Bytes request = hex(test::kInitRequest);
  CHECK(f.handle(request).kind == ReplyKind::Redirect);  // the burst of two
  CHECK(f.handle(request).kind == ReplyKind::Redirect);
  const Verdict v = f.handle(request);
  CHECK_FALSE(v.reply);
  CHECK(v.drop == DropReason::OverBudget);
  CHECK(over_budget_count(f, OverBudgetAction::Drop) == 1);
  CHECK(f.selector.calls == 2);  // not counted into any member's load
  // A retransmission a second later finds the next token.
  CHECK(f.handle(request, false, kNow + seconds(1)).kind == ReplyKind::Redirect);
  f.check_counters_balance();
}

TEST_CASE("over budget, drop: what is not redirected takes no token") {
  Fixture f(over_budget(OverBudgetPolicy::Drop));
  for (int i = 0; i < 5; ++i)
    CHECK(f.handle(hex(test::kResumeRequest)).kind == ReplyKind::TicketNack);
  CHECK(f.handle(hex(test::kInitRequest)).kind == ReplyKind::Redirect);
  CHECK(f.budget.take(kNow));  // the second token of the burst is still there
}

TEST_CASE("over budget, cookie: a COOKIE first; back with it and still over budget: silence") {
  CookieFixture plain;  // only to read the cookie out of a reply
  Fixture f(over_budget(OverBudgetPolicy::Cookie));
  const Bytes request = hex(test::kInitRequest);
  CHECK(f.budget.take(kNow));
  CHECK(f.budget.take(kNow));
  const Verdict challenge = f.handle(request);
  REQUIRE(challenge.kind == ReplyKind::Cookie);
  CHECK(over_budget_count(f, OverBudgetAction::Cookie) == 1);
  const Bytes echoed = CookieFixture::with_cookie(plain.cookie_from(challenge));
  // RFC 7296 §2.6 has the client retry at once: still no token, so it waits for its own
  // retransmission timer rather than bouncing between COOKIEs.
  const Verdict silent = f.handle(echoed, false, kNow + milliseconds(1));
  CHECK_FALSE(silent.reply);
  CHECK(silent.drop == DropReason::OverBudget);
  CHECK(over_budget_count(f, OverBudgetAction::Drop) == 1);
  // Its retransmission after a second finds a token and is redirected.
  CHECK(f.handle(echoed, false, kNow + seconds(1)).kind == ReplyKind::Redirect);
  f.check_counters_balance();
}

TEST_CASE("over budget, cookie: under load the cookie already asked for counts") {
  Fixture f(over_budget(OverBudgetPolicy::Cookie, true));
  CHECK(f.budget.take(kNow));
  CHECK(f.budget.take(kNow));
  const Verdict challenge = f.handle(hex(test::kInitRequest));
  REQUIRE(challenge.kind == ReplyKind::Cookie);
  CHECK(over_budget_count(f, OverBudgetAction::Cookie) == 0);  // asked for by load, not budget
  CookieFixture plain;
  const Verdict v = f.handle(CookieFixture::with_cookie(plain.cookie_from(challenge)));
  CHECK(v.drop == DropReason::OverBudget);
  CHECK(over_budget_count(f, OverBudgetAction::Drop) == 1);
}

TEST_CASE("over budget, off: redirects take no token") {
  Fixture f(over_budget(OverBudgetPolicy::Off));
  for (int i = 0; i < 10; ++i) CHECK(f.handle(hex(test::kInitRequest)).kind == ReplyKind::Redirect);
  CHECK(f.budget.take(kNow));
}

TEST_CASE("counter names for the metrics export") {
  CHECK(to_string(DropReason::NotIke) == "not_ike");
  CHECK(to_string(DropReason::RateLimited) == "rate_limited");
  CHECK(to_string(DropReason::OverBudget) == "over_budget");
  CHECK(to_string(OverBudgetAction::Drop) == "drop");
  CHECK(to_string(OverBudgetAction::Cookie) == "cookie");
  CHECK(to_string(ReplyKind::Redirect) == "redirect");
  CHECK(to_string(ReplyKind::TicketNack) == "ticket_nack");
  CHECK(to_string(ReplyKind::InvalidIkeSpi) == "invalid_ike_spi");
  CHECK(to_string(DropReason::Count) == "unknown");
  for (std::size_t i = 0; i < static_cast<std::size_t>(DropReason::Count); ++i)
    CHECK_FALSE(to_string(static_cast<DropReason>(i)).empty());
}

}  // namespace
}  // namespace ikesteer::redirect
