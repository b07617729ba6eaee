// Fuzzes the redirect responder with arbitrary datagrams on both ports, with cookies off and
// always on, and checks what comes out: a reply must fit kMaxReplySize, carry the marker when
// the request came on 4500, and parse as an IKEv2 response with one Notify.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

#include "redirect/ike_message.hpp"
#include "redirect/responder.hpp"

namespace {

using namespace ikesteer;
using namespace ikesteer::redirect;

class FixedSelector : public GatewaySelector {
 public:
  std::optional<GatewayIdentity> select(const IpAddress& client,
                                        const std::optional<IpAddress>& avoid,
                                        TimePoint) noexcept override {
    // Exercise every identity type, and "nothing eligible", from the inputs.
    const auto b = client.bytes()[0] ^ (avoid ? avoid->bytes()[0] : std::byte{0});
    switch (std::to_integer<unsigned>(b) & 3u) {
      case 0:
        return GatewayIdentity::address(*IpAddress::parse("192.0.2.11"));
      case 1:
        return GatewayIdentity::address(*IpAddress::parse("2001:db8::b"));
      case 2:
        return GatewayIdentity::fqdn("vpn-m2.example.net");
      default:
        return std::nullopt;
    }
  }
};

struct Harness {
  explicit Harness(const ResponderOptions& options)
      : jar(CookieJar::Secret{}, std::chrono::seconds(120)),
        limiter(PrefixRateLimiterOptions{.rate = 0}),
        responder(options, selector, jar, limiter) {}
  FixedSelector selector;
  CookieJar jar;
  PrefixRateLimiter limiter;
  Responder responder;
};

ResponderOptions plain() {
  ResponderOptions o;
  o.cookies_enabled = false;
  o.reply_invalid_syntax = true;
  o.unsupported_client = UnsupportedClientPolicy::TemporaryFailure;
  return o;
}

ResponderOptions with_cookies() {
  ResponderOptions o;
  o.cookie_threshold = 0;
  return o;
}

void check(bool condition) {
  if (!condition) __builtin_trap();
}

void run(Responder& responder, std::span<const std::byte> payload, bool nat_port,
         const IpAddress& source) {
  std::array<std::byte, kMaxReplySize> out{};
  const TimePoint now = TimePoint{} + std::chrono::hours(100);
  const Verdict v = responder.handle(Datagram{payload, source, nat_port}, now, out);
  if (!v.reply) {
    check(v.drop < DropReason::Count && v.bytes.empty());
    return;
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
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness plain_harness(plain());
  static Harness cookie_harness(with_cookies());
  static const IpAddress v4 = *IpAddress::parse("203.0.113.5");
  static const IpAddress v6 = *IpAddress::parse("2001:db8:1::5");

  const auto payload = std::as_bytes(std::span(data, size));
  const IpAddress& source = size % 2 == 0 ? v4 : v6;
  for (bool nat_port : {false, true}) {
    run(plain_harness.responder, payload, nat_port, source);
    run(cookie_harness.responder, payload, nat_port, source);
  }
  // The same bytes behind a marker, so 4500 framing sees IKE as well as ESP.
  if (size <= 2048) {
    std::array<std::byte, 2052> framed{};
    std::copy(payload.begin(), payload.end(), framed.begin() + 4);
    run(plain_harness.responder, std::span(framed).first(size + 4), true, source);
  }
  return 0;
}
