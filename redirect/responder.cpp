#include "redirect/responder.hpp"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <iterator>
#include <optional>

#include "redirect/ike_constants.hpp"
#include "redirect/ike_message.hpp"
#include "redirect/ike_reply.hpp"

namespace ikesteer::redirect {
namespace {

#define IKESTEER_NAME_ENTRY(name, text) text,
constexpr std::string_view kDropNames[] = {IKESTEER_REDIRECT_DROP_REASONS(IKESTEER_NAME_ENTRY)};
constexpr std::string_view kReplyNames[] = {IKESTEER_REDIRECT_REPLY_KINDS(IKESTEER_NAME_ENTRY)};
constexpr std::string_view kOverBudgetNames[] = {
    IKESTEER_REDIRECT_OVER_BUDGET_ACTIONS(IKESTEER_NAME_ENTRY)};
#undef IKESTEER_NAME_ENTRY

// Which payloads an initial request may carry, as min/max counts (RFC 7296 §1.2 for
// IKE_SA_INIT, RFC 5723 §4.3.1 for IKE_SESSION_RESUME). Types not listed are unrestricted.
struct PayloadRule {
  PayloadType type;
  std::size_t min;
  std::size_t max;
};
constexpr PayloadRule kSaInitRules[] = {
    {PayloadType::SecurityAssociation, 1, 1},
    {PayloadType::KeyExchange, 1, 1},
    {PayloadType::Nonce, 1, 1},
    {PayloadType::Encrypted, 0, 0},
};
constexpr PayloadRule kResumeRules[] = {
    {PayloadType::SecurityAssociation, 0, 0},
    {PayloadType::KeyExchange, 0, 0},
    {PayloadType::Nonce, 1, 1},
    {PayloadType::Encrypted, 0, 0},
};

// The first rule the message breaks, if any.
std::optional<PayloadType> broken_rule(const IkeMessage& m, std::span<const PayloadRule> rules) {
  for (const auto& rule : rules) {
    const std::size_t n = m.count(rule.type);
    if (n < rule.min || n > rule.max) return rule.type;
  }
  return std::nullopt;
}

// RFC 3948 §2.2: on UDP 4500, IKE follows four zero octets; anything else is ESP (or a
// keepalive, RFC 3948 §2.3, which is shorter than the marker).
bool has_non_esp_marker(std::span<const std::byte> payload) noexcept {
  return payload.size() >= kNonEspMarkerSize &&
         std::all_of(payload.begin(), payload.begin() + kNonEspMarkerSize,
                     [](std::byte b) { return b == std::byte{0}; });
}

// An IKE header followed by a Notify payload without SPI or data.
constexpr std::size_t kInvalidIkeSpiReplySize = kIkeHeaderSize + kPayloadHeaderSize + 4;

// The first payload is SK or SKF (RFC 7296 §3.14, RFC 7383 §2.5).
bool is_encrypted(const IkeHeader& h) noexcept {
  return h.next_payload == static_cast<std::uint8_t>(PayloadType::Encrypted) ||
         h.next_payload == static_cast<std::uint8_t>(PayloadType::EncryptedFragment);
}

}  // namespace

std::string_view to_string(DropReason r) noexcept {
  const auto i = static_cast<std::size_t>(r);
  return i < std::size(kDropNames) ? kDropNames[i] : "unknown";
}

std::string_view to_string(ReplyKind k) noexcept {
  const auto i = static_cast<std::size_t>(k);
  return i < std::size(kReplyNames) ? kReplyNames[i] : "unknown";
}

std::string_view to_string(OverBudgetAction a) noexcept {
  const auto i = static_cast<std::size_t>(a);
  return i < std::size(kOverBudgetNames) ? kOverBudgetNames[i] : "unknown";
}

Responder::Responder(const ResponderOptions& options, GatewaySelector& selector, CookieJar& cookies,
                     PrefixRateLimiter& limiter, TokenBucket& budget) noexcept
    : options_(options),
      selector_(selector),
      cookies_(cookies),
      limiter_(limiter),
      budget_(budget) {}

Verdict Responder::drop(DropReason reason) noexcept {
  ++counters_.drops[static_cast<std::size_t>(reason)];
  return Verdict{.reply = false, .drop = reason, .kind = ReplyKind::Count, .bytes = {}};
}

template <class Write>
Verdict Responder::send(ReplyKind kind, const Datagram& d, TimePoint now, std::span<std::byte> out,
                        Write&& write) noexcept {
  // Spec §1: every unprotected reply is rate-limited per source prefix.
  if (!limiter_.allow(d.source, now)) return drop(DropReason::RateLimited);
  const std::span<const std::byte> bytes = write(out);
  assert(!bytes.empty() && "reply buffer smaller than kMaxReplySize");
  ++counters_.replies[static_cast<std::size_t>(kind)];
  return Verdict{.reply = true, .drop = DropReason::Count, .kind = kind, .bytes = bytes};
}

// Counts IKE_SA_INIT arrivals in one-second windows; the rate is the larger of the current and
// the previous window, so a burst keeps cookies engaged for at least a second after it.
void Responder::count_arrival(TimePoint now) noexcept {
  using std::chrono::seconds;
  const auto elapsed = now - rate_window_start_;
  if (elapsed >= seconds(1) || elapsed < Duration::zero()) {
    last_window_count_ =
        elapsed < seconds(2) && elapsed >= Duration::zero() ? rate_window_count_ : 0;
    rate_window_start_ = now;
    rate_window_count_ = 0;
  }
  if (rate_window_count_ != UINT32_MAX) ++rate_window_count_;
}

bool Responder::cookies_engaged() const noexcept {
  if (!options_.cookies_enabled) return false;
  return options_.cookie_threshold == 0 ||
         std::max(rate_window_count_, last_window_count_) >= options_.cookie_threshold;
}

// RFC 7296 §2.6: the cookie must be the first payload; one that does not verify counts as
// absent.
bool Responder::has_valid_cookie(const IkeMessage& m, const Datagram& d, std::uint64_t spi_i,
                                 std::span<const std::byte> ni, TimePoint now) noexcept {
  const auto payloads = m.payloads();
  return !payloads.empty() && payloads[0].type == static_cast<std::uint8_t>(PayloadType::Notify) &&
         payloads[0].notify.type == static_cast<std::uint16_t>(NotifyType::Cookie) &&
         cookies_.verify(payloads[0].notify.data, ni, d.source, spi_i, now);
}

// A client the budget has no token for: see OverBudgetPolicy.
template <class Write>
Verdict Responder::over_budget(const Datagram& d, TimePoint now, std::span<std::byte> out,
                               bool valid_cookie, Write&& write_cookie) noexcept {
  if (options_.over_budget == OverBudgetPolicy::Cookie && !valid_cookie) {
    Verdict v = send(ReplyKind::Cookie, d, now, out, write_cookie);
    if (v.reply) ++counters_.over_budget[static_cast<std::size_t>(OverBudgetAction::Cookie)];
    return v;
  }
  ++counters_.over_budget[static_cast<std::size_t>(OverBudgetAction::Drop)];
  return drop(DropReason::OverBudget);
}

Verdict Responder::handle(const Datagram& d, TimePoint now, std::span<std::byte> out) noexcept {
  assert(out.size() >= kMaxReplySize);
  ++counters_.received;

  std::span<const std::byte> message = d.payload;
  if (d.nat_port) {
    if (!has_non_esp_marker(message)) return drop(DropReason::NotIke);
    message = message.subspan(kNonEspMarkerSize);
  }
  const ReplyFraming framing{.non_esp_marker = d.nat_port};

  // Cheap checks on the fixed header first (RFC 7296 §3.1).
  const auto parsed_header = parse_ike_header(message);
  if (!parsed_header) return drop(DropReason::Truncated);
  const IkeHeader& h = *parsed_header;
  // Spec §1: never answer a response (two front ends could bounce replies forever).
  if (h.is_response()) return drop(DropReason::IsResponse);
  // RFC 7296 §3.1: SPIi is never zero; a reply would have nothing to name.
  if (h.spi_i == 0) return drop(DropReason::Malformed);
  // RFC 7296 §2.5: a higher major version is answered before its body is looked at.
  if (h.major_version() > kIkeMajorVersion) {
    return send(ReplyKind::InvalidMajorVersion, d, now, out, [&](std::span<std::byte> o) {
      return write_notify_reply(o, framing, h, NotifyType::InvalidMajorVersion);
    });
  }
  if (h.length != message.size()) return drop(DropReason::BadLength);
  const bool resume = h.exchange == static_cast<std::uint8_t>(ExchangeType::IkeSessionResume);
  const bool sa_init = h.exchange == static_cast<std::uint8_t>(ExchangeType::IkeSaInit);
  // Spec §7.3 step 1: only initial requests; anything else belongs to an SA on a member.
  if ((!sa_init && !resume) || h.message_id != 0 || h.spi_r != 0) {
    if (options_.invalid_spi_reply && !sa_init && !resume && is_encrypted(h) &&
        message.size() >= kInvalidIkeSpiReplySize) {
      // RFC 7296 §2.21.4, §1.5: unprotected, to the sender, same SPIs, Message ID and Exchange
      // Type, R set, no data. Only for encrypted requests (all requests after IKE_SA_INIT are,
      // §1.5) no shorter than the answer, so it never amplifies.
      return send(ReplyKind::InvalidIkeSpi, d, now, out, [&](std::span<std::byte> o) {
        return write_notify_reply(o, framing, h, NotifyType::InvalidIkeSpi);
      });
    }
    return drop(DropReason::NotInitial);
  }
  if (sa_init) count_arrival(now);
  const bool engaged = cookies_engaged();

  // Syntax, then which payloads the exchange may carry.
  IkeMessage& m = message_;
  const bool parsed = parse_ike_message(message, m).has_value();
  std::optional<PayloadType> broken;
  if (parsed) {
    // RFC 7296 §2.5: an unknown critical payload rejects the request.
    if (const auto type = m.unsupported_critical) {
      const std::byte data[1] = {static_cast<std::byte>(*type)};
      return send(ReplyKind::UnsupportedCriticalPayload, d, now, out, [&](std::span<std::byte> o) {
        return write_notify_reply(o, framing, h, NotifyType::UnsupportedCriticalPayload, data);
      });
    }
    broken = broken_rule(m, resume ? std::span(kResumeRules) : std::span(kSaInitRules));
    if (broken == PayloadType::Nonce) return drop(DropReason::BadNonce);
  }
  if (!parsed || broken) {
    // Spec §5: INVALID_SYNTAX is optional and never sent under load.
    if (!options_.reply_invalid_syntax || engaged) return drop(DropReason::Malformed);
    return send(ReplyKind::InvalidSyntax, d, now, out, [&](std::span<std::byte> o) {
      return write_notify_reply(o, framing, h, NotifyType::InvalidSyntax);
    });
  }
  // Spec §7.2: resume requests are not redirected; TICKET_NACK makes the client fall back to
  // IKE_SA_INIT at once (RFC 5723 §4.3.2). No cookie round trip first: the NACK is smaller than
  // the request and creates no state.
  if (resume) {
    return send(ReplyKind::TicketNack, d, now, out,
                [&](std::span<std::byte> o) { return write_ticket_nack_reply(o, framing, h); });
  }

  const std::span<const std::byte> ni = m.find(PayloadType::Nonce)->body;
  const auto write_cookie = [&](std::span<std::byte> o) {
    const auto cookie = cookies_.make(ni, d.source, h.spi_i, now);
    return write_cookie_reply(o, framing, h, cookie);
  };
  // Under load a request without a valid cookie gets a fresh one (RFC 7296 §2.6).
  const bool cookie_checked = engaged && has_valid_cookie(m, d, h.spi_i, ni, now);
  if (engaged && !cookie_checked) return send(ReplyKind::Cookie, d, now, out, write_cookie);

  // RFC 5685 §3 / spec §7.2: REDIRECTED_FROM (IP identity only) implies redirect support.
  const NotifyView* from = m.find_notify(NotifyType::RedirectedFrom);
  const std::optional<IpAddress> avoid = from ? redirected_from_address(*from) : std::nullopt;
  if (!avoid && !m.find_notify(NotifyType::RedirectSupported)) {
    // RFC 5685 §3: a client that did not announce support never gets a REDIRECT.
    if (options_.unsupported_client == UnsupportedClientPolicy::Drop) {
      return drop(DropReason::UnsupportedClient);
    }
    const NotifyType error =
        options_.unsupported_client == UnsupportedClientPolicy::NoProposalChosen
            ? NotifyType::NoProposalChosen
            : NotifyType::TemporaryFailure;
    return send(ReplyKind::UnsupportedClient, d, now, out,
                [&](std::span<std::byte> o) { return write_notify_reply(o, framing, h, error); });
  }

  // The token before the choice: the selector counts its choices into the members' load.
  if (options_.over_budget != OverBudgetPolicy::Off && !budget_.take(now)) {
    const bool valid_cookie = cookie_checked || (options_.over_budget == OverBudgetPolicy::Cookie &&
                                                 has_valid_cookie(m, d, h.spi_i, ni, now));
    return over_budget(d, now, out, valid_cookie, write_cookie);
  }
  const std::optional<GatewayChoice> choice = selector_.select(d.source, avoid, now);
  if (!choice) return drop(DropReason::NoEligibleMember);
  // Spec §7.3 step 7 / RFC 5685 §9.2: REDIRECT with Nonce Data = the exact Ni body.
  Verdict v = send(ReplyKind::Redirect, d, now, out, [&](std::span<std::byte> o) {
    return write_redirect_reply(o, framing, h, choice->gateway, ni);
  });
  v.member = choice->member;
  v.why = choice->why;
  return v;
}

}  // namespace ikesteer::redirect
