// The stateless IKE_SA_INIT front end: one datagram in, a verdict out (reply bytes or a
// counted drop). No I/O, no clock reads, no per-client state; one Responder per event loop.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/clock.hpp"
#include "common/ip_address.hpp"
#include "common/prefix_rate_limiter.hpp"
#include "common/token_bucket.hpp"
#include "redirect/cookie_jar.hpp"
#include "redirect/gateway_selector.hpp"
#include "redirect/ike_message.hpp"

namespace ikesteer::redirect {

// What a client that did not announce REDIRECT_SUPPORTED gets (RFC 5685 §3: never a REDIRECT).
enum class UnsupportedClientPolicy : std::uint8_t {
  Drop,              // silence: the client retransmits, then gives up (minutes)
  NoProposalChosen,  // N(NO_PROPOSAL_CHOSEN): the client fails at once
  TemporaryFailure,  // N(TEMPORARY_FAILURE): the client fails at once, "try again later"
};

// What a redirect-capable client gets while the budget of new IKE SAs is spent: each REDIRECT
// makes the client set up an IKE SA on a member, so each takes a token of the budget.
enum class OverBudgetPolicy : std::uint8_t {
  Off,     // redirects take no tokens (only session moves do)
  Drop,    // silence: the client retransmits on its own timer, so a storm spreads out by itself
  Cookie,  // N(COOKIE) (RFC 7296 §2.6): the client proves its address and comes straight back;
           // back with a valid cookie while still over budget it gets silence, as in Drop (a
           // fresh COOKIE would only bounce it back at once, and strongSwan counts every
           // COOKIE as a retry of its IKE_SA_INIT, giving up after a few)
};

struct ResponderOptions {
  UnsupportedClientPolicy unsupported_client = UnsupportedClientPolicy::NoProposalChosen;
  bool reply_invalid_syntax = false;   // N(INVALID_SYNTAX) for malformed requests, never under load
  std::uint32_t cookie_threshold = 0;  // IKE_SA_INIT/s (this responder) above which COOKIE is
                                       // required; 0 = always
  bool cookies_enabled = true;
  // N(INVALID_IKE_SPI) for encrypted requests of IKE SAs we do not have (we have none), instead
  // of dropping them: in adopt mode the front end holds a dead member's address and so tells
  // that member's clients their SA is gone (RFC 7296 §2.21.4).
  bool invalid_spi_reply = false;
  OverBudgetPolicy over_budget = OverBudgetPolicy::Off;
};

#define IKESTEER_REDIRECT_DROP_REASONS(X)                                                   \
  X(NotIke, "not_ike")                       /* 4500: ESP, keepalive, short marker */       \
  X(Truncated, "truncated")                  /* shorter than an IKE header */               \
  X(BadLength, "bad_length")                 /* header length != datagram length */         \
  X(Malformed, "malformed")                  /* payload chain or payload body invalid */    \
  X(IsResponse, "is_response")               /* R flag set: never answer a response */      \
  X(NotInitial, "not_initial")               /* exchange/MID/SPIr not an initial request */ \
  X(BadNonce, "bad_nonce")                   /* no Ni, or several (bad size: malformed) */  \
  X(UnsupportedClient, "unsupported_client") /* no REDIRECT_SUPPORTED, policy drop */       \
  X(NoEligibleMember, "no_eligible_member")  /* nothing to redirect to */                   \
  X(RateLimited, "rate_limited")             /* per-prefix reply budget spent */            \
  X(OverBudget, "over_budget")               /* budget of new IKE SAs spent */

#define IKESTEER_REDIRECT_REPLY_KINDS(X)                        \
  X(Redirect, "redirect")                                       \
  X(Cookie, "cookie")                                           \
  X(InvalidMajorVersion, "invalid_major_version")               \
  X(UnsupportedCriticalPayload, "unsupported_critical_payload") \
  X(InvalidSyntax, "invalid_syntax")                            \
  X(UnsupportedClient, "unsupported_client")                    \
  X(TicketNack, "ticket_nack")                                  \
  X(InvalidIkeSpi, "invalid_ike_spi")

// What an IKE_SA_INIT that would have been redirected got instead, over budget.
#define IKESTEER_REDIRECT_OVER_BUDGET_ACTIONS(X) \
  X(Drop, "drop")                                \
  X(Cookie, "cookie")

#define IKESTEER_ENUM_ENTRY(name, text) name,
enum class DropReason : std::uint8_t { IKESTEER_REDIRECT_DROP_REASONS(IKESTEER_ENUM_ENTRY) Count };
enum class ReplyKind : std::uint8_t { IKESTEER_REDIRECT_REPLY_KINDS(IKESTEER_ENUM_ENTRY) Count };
enum class OverBudgetAction : std::uint8_t {
  IKESTEER_REDIRECT_OVER_BUDGET_ACTIONS(IKESTEER_ENUM_ENTRY) Count
};
#undef IKESTEER_ENUM_ENTRY

std::string_view to_string(DropReason r) noexcept;
std::string_view to_string(ReplyKind k) noexcept;
std::string_view to_string(OverBudgetAction a) noexcept;

struct ResponderCounters {
  std::array<std::uint64_t, static_cast<std::size_t>(DropReason::Count)> drops{};
  std::array<std::uint64_t, static_cast<std::size_t>(ReplyKind::Count)> replies{};
  // Also counted as the drop OverBudget or the reply Cookie.
  std::array<std::uint64_t, static_cast<std::size_t>(OverBudgetAction::Count)> over_budget{};
  std::uint64_t received = 0;
};

struct Datagram {
  std::span<const std::byte> payload;  // the UDP payload as received
  IpAddress source;                    // client address
  bool nat_port = false;               // arrived on UDP 4500: non-ESP marker framing (RFC 3948)
};

struct Verdict {
  bool reply = false;
  DropReason drop = DropReason::Count;  // valid when !reply
  ReplyKind kind = ReplyKind::Count;    // valid when reply
  std::span<const std::byte> bytes;     // reply UDP payload, a view into the caller's buffer
  // Valid when kind == Redirect: the selector's GatewayChoice::member and ::why.
  std::uint32_t member = 0;
  std::uint64_t why = 0;  // the selector's own explanation, carried unread
};

// Largest reply: 4 marker + 28 header + notify header 8 + 2 + 255 FQDN + 256 nonce.
inline constexpr std::size_t kMaxReplySize = 4 + 28 + 8 + 2 + 255 + 256;

class Responder {
 public:
  // `selector`, `cookies`, `limiter` and `budget` must outlive the responder.
  // Cookies and the limiter are per thread (they keep caches and buckets), like the responder;
  // the budget of new IKE SAs is the whole instance's, shared by every thread.
  Responder(const ResponderOptions& options, GatewaySelector& selector, CookieJar& cookies,
            PrefixRateLimiter& limiter, TokenBucket& budget) noexcept;

  // Handles one datagram; a reply is written into `out` (at least kMaxReplySize bytes). Every
  // call increments `received` and exactly one drop or reply counter.
  Verdict handle(const Datagram& d, TimePoint now, std::span<std::byte> out) noexcept;

  const ResponderCounters& counters() const noexcept { return counters_; }
  void set_options(const ResponderOptions& options) noexcept { options_ = options; }

 private:
  Verdict drop(DropReason reason) noexcept;
  // Spends a token of the source's reply budget, then writes the reply with `write(out)`.
  template <class Write>
  Verdict send(ReplyKind kind, const Datagram& d, TimePoint now, std::span<std::byte> out,
               Write&& write) noexcept;
  void count_arrival(TimePoint now) noexcept;
  bool cookies_engaged() const noexcept;
  bool has_valid_cookie(const IkeMessage& m, const Datagram& d, std::uint64_t spi_i,
                        std::span<const std::byte> ni, TimePoint now) noexcept;
  template <class Write>
  Verdict over_budget(const Datagram& d, TimePoint now, std::span<std::byte> out, bool valid_cookie,
                      Write&& write_cookie) noexcept;

  ResponderOptions options_;
  GatewaySelector& selector_;
  CookieJar& cookies_;
  PrefixRateLimiter& limiter_;
  TokenBucket& budget_;
  ResponderCounters counters_;
  IkeMessage message_;  // the datagram being handled, parsed; reused to spare a copy per packet
  // IKE_SA_INIT arrivals in the current one-second window, for engaging cookies.
  TimePoint rate_window_start_{};
  std::uint32_t rate_window_count_ = 0;
  std::uint32_t last_window_count_ = 0;
};

}  // namespace ikesteer::redirect
