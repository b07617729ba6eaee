// Fuzzes the redirect responder with arbitrary datagrams on both ports, with cookies off and
// always on, and checks what comes out: a reply must fit kMaxReplySize, carry the marker when
// the request came on 4500, and parse as an IKEv2 response with one Notify; a COOKIE it hands
// out must be accepted when echoed.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

#include "redirect/ike_constants.hpp"
#include "redirect/ike_message.hpp"
#include "redirect/responder.hpp"

namespace {

using namespace ikesteer;
using namespace ikesteer::redirect;

class FixedSelector : public GatewaySelector {
 public:
  std::optional<GatewayChoice> select(const IpAddress& client,
                                      const std::optional<IpAddress>& avoid,
                                      TimePoint) noexcept override {
    // Exercise every identity type, and "nothing eligible", from the inputs.
    const auto b = client.bytes()[0] ^ (avoid ? avoid->bytes()[0] : std::byte{0});
    switch (std::to_integer<unsigned>(b) & 3u) {
      case 0:
        return GatewayChoice{GatewayIdentity::address(*IpAddress::parse("192.0.2.11"))};
      case 1:
        return GatewayChoice{GatewayIdentity::address(*IpAddress::parse("2001:db8::b"))};
      case 2:
        return GatewayChoice{*GatewayIdentity::fqdn("vpn-m2.example.net")};
      default:
        return std::nullopt;
    }
  }
};

struct Harness {
  explicit Harness(const ResponderOptions& options)
      : jar(CookieJar::Secret{}, std::chrono::seconds(120)),
        limiter(PrefixRateLimiterOptions{.rate = 0}),
        responder(options, selector, jar, limiter, budget) {}
  FixedSelector selector;
  CookieJar jar;
  PrefixRateLimiter limiter;
  TokenBucket budget{1, 1};  // a token a second: over budget is fuzzed too
  Responder responder;
};

ResponderOptions plain() {
  ResponderOptions o;
  o.cookies_enabled = false;
  o.reply_invalid_syntax = true;
  o.unsupported_client = UnsupportedClientPolicy::TemporaryFailure;
  o.invalid_spi_reply = true;
  o.over_budget = OverBudgetPolicy::Drop;
  return o;
}

ResponderOptions with_cookies() {
  ResponderOptions o;
  o.cookie_threshold = 0;
  o.over_budget = OverBudgetPolicy::Cookie;
  return o;
}

void check(bool condition) {
  if (!condition) __builtin_trap();
}

Verdict run(Responder& responder, std::span<const std::byte> payload, bool nat_port,
            const IpAddress& source, std::span<std::byte> out) {
  const TimePoint now = TimePoint{} + std::chrono::hours(100);
  const Verdict v = responder.handle(Datagram{payload, source, nat_port}, now, out);
  if (!v.reply) {
    check(v.drop < DropReason::Count && v.bytes.empty());
    return v;
  }
  check(v.kind < ReplyKind::Count);
  check(v.bytes.size() <= kMaxReplySize && v.bytes.data() == out.data());
  std::span<const std::byte> message = v.bytes;
  if (nat_port) {
    check(message.size() >= 4 && message[0] == std::byte{0} && message[3] == std::byte{0});
    message = message.subspan(4);
  }
  const auto reply = parse_ike_message(message);
  check(reply.has_value());
  check(reply->header.is_response() && reply->payload_count == 1);
  check(reply->payloads()[0].type == static_cast<std::uint8_t>(PayloadType::Notify));
  return v;
}

// Echoes a COOKIE reply the way a client does (RFC 7296 §2.6: N(COOKIE) first, the request
// otherwise unchanged); the cookie just issued must be accepted.
void echo_cookie(Responder& responder, std::span<const std::byte> request,
                 std::span<const std::byte> cookie_reply, const IpAddress& source) {
  constexpr std::size_t kNotifyAt = kIkeHeaderSize;
  const auto notify = cookie_reply.subspan(kNotifyAt);
  std::array<std::byte, 2048 + kMaxReplySize> echoed{};
  if (request.size() + notify.size() > echoed.size()) return;
  std::copy(request.begin(), request.begin() + kNotifyAt, echoed.begin());
  std::copy(notify.begin(), notify.end(), echoed.begin() + kNotifyAt);
  std::copy(request.begin() + kNotifyAt, request.end(), echoed.begin() + kNotifyAt + notify.size());
  const std::size_t size = request.size() + notify.size();
  echoed[kNotifyAt] = request[16];  // the cookie's Next Payload: the old first payload
  echoed[16] = static_cast<std::byte>(PayloadType::Notify);
  for (std::size_t i = 0; i < 4; ++i) echoed[24 + i] = static_cast<std::byte>(size >> (24 - 8 * i));
  std::array<std::byte, kMaxReplySize> out{};
  const Verdict v = run(responder, std::span(echoed).first(size), false, source, out);
  check(!v.reply || v.kind != ReplyKind::Cookie);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness plain_harness(plain());
  static Harness cookie_harness(with_cookies());
  static const IpAddress v4 = *IpAddress::parse("203.0.113.5");
  static const IpAddress v6 = *IpAddress::parse("2001:db8:1::5");

  const auto payload = std::as_bytes(std::span(data, size));
  const IpAddress& source = size % 2 == 0 ? v4 : v6;
  std::array<std::byte, kMaxReplySize> out{};
  for (bool nat_port : {false, true}) {
    run(plain_harness.responder, payload, nat_port, source, out);
    const Verdict v = run(cookie_harness.responder, payload, nat_port, source, out);
    if (!nat_port && v.reply && v.kind == ReplyKind::Cookie) {
      echo_cookie(cookie_harness.responder, payload, v.bytes, source);
    }
  }
  // The same bytes behind a marker, so 4500 framing sees IKE as well as ESP.
  if (size <= 2048) {
    std::array<std::byte, 2052> framed{};
    std::copy(payload.begin(), payload.end(), framed.begin() + 4);
    run(plain_harness.responder, std::span(framed).first(size + 4), true, source, out);
  }
  return 0;
}
