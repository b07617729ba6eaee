// Golden packets of spec §10 and a builder for variants of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

#include "redirect/ike_constants.hpp"

namespace ikesteer::redirect::test {

using Bytes = std::vector<std::byte>;

// Hex digits to bytes; whitespace is ignored.
Bytes hex(std::string_view text);
Bytes concat(std::initializer_list<std::span<const std::byte>> parts);

// Spec §10.1: IKE_SA_INIT request with SA, KE, Ni, N(REDIRECT_SUPPORTED), 152 octets.
extern const std::string_view kInitRequest;
// Spec §10.2 / §10.3 / §10.4: REDIRECT replies to 10.1.
extern const std::string_view kRedirectV4;
extern const std::string_view kRedirectFqdn;
extern const std::string_view kRedirectV6;
// Spec §10.5: request to a member after the redirect, REDIRECTED_FROM 192.0.2.1, 158 octets.
extern const std::string_view kRedirectedFromRequest;
// Spec §10.6: COOKIE reply to 10.1 from 203.0.113.5, version 1, secret 00..1f.
extern const std::string_view kCookieReply;
// Spec §10.7: error replies to 10.1.
extern const std::string_view kUnsupportedCriticalReply;  // type 200
extern const std::string_view kInvalidMajorVersionReply;
// Spec §10.8: IKE_SESSION_RESUME request and the TICKET_NACK answer.
extern const std::string_view kResumeRequest;
extern const std::string_view kTicketNackReply;

inline constexpr std::uint64_t kSpiI = 0x8a3c5e7f0b1d2e4fULL;

// Pieces of 10.1 for building variants.
Bytes sa_body();  // the SA payload body of 10.1 (one proposal, three transforms)
Bytes ke_body();  // group 31 and the 32-octet share a0..bf
Bytes nonce_body(std::byte first = std::byte{0x10}, std::size_t size = 32);  // first, first+1, ..

struct Payload {
  std::uint8_t type;
  Bytes body;
  bool critical = false;
};
Payload sa();
Payload ke();
Payload nonce(std::byte first = std::byte{0x10}, std::size_t size = 32);
Payload notify(NotifyType type, Bytes data = {});
Payload raw(std::uint8_t type, Bytes body, bool critical = false);

struct Header {
  std::uint64_t spi_i = kSpiI;
  std::uint64_t spi_r = 0;
  std::uint8_t version = kIkeVersion;
  std::uint8_t exchange = static_cast<std::uint8_t>(ExchangeType::IkeSaInit);
  std::uint8_t flags = kFlagInitiator;
  std::uint32_t message_id = 0;
};

// An IKE message with correct lengths and next-payload chaining.
Bytes build(const Header& header, const std::vector<Payload>& payloads);
// 10.1 rebuilt, with `extra` appended after its payloads and REDIRECT_SUPPORTED optional.
Bytes init_request(std::vector<Payload> extra = {}, bool redirect_supported = true);

}  // namespace ikesteer::redirect::test
