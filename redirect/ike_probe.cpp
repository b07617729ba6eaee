#include "redirect/ike_probe.hpp"

#include <algorithm>
#include <array>

#include "redirect/ike_message.hpp"
#include "redirect/ike_request.hpp"

namespace ikesteer::redirect {
namespace {

// RFC 7296 §3.10.1: types below 16384 are errors, the rest status.
constexpr std::uint16_t kFirstStatusNotify = 16384;

}  // namespace

std::span<const std::byte> write_ike_probe(std::span<std::byte> out, ReplyFraming framing,
                                           std::uint64_t spi_i,
                                           std::span<const std::byte> nonce) noexcept {
  // The share is never used: its group is not the one proposed, so the responder rejects the
  // request before looking at it (RFC 7296 §1.2).
  static constexpr std::array<std::byte, kProbeKeyShareSize> kShare{};
  IkeSaInitRequest r;
  r.spi_i = spi_i;
  r.nonce = nonce;
  r.dh_group = kProbeProposalGroup;
  r.key_share_group = kProbeKeyShareGroup;
  r.key_share = kShare;
  r.redirect_supported = false;
  return write_ike_sa_init_request(out, framing, r);
}

Result<ProbeReply, ProbeReplyError> classify_ike_probe_reply(std::span<const std::byte> datagram,
                                                             ReplyFraming framing,
                                                             std::uint64_t spi_i) noexcept {
  std::span<const std::byte> message = datagram;
  if (framing.non_esp_marker) {
    // RFC 3948 §2.2: IKE on 4500 follows four zero octets.
    if (message.size() < kNonEspMarkerSize ||
        !std::all_of(message.begin(), message.begin() + kNonEspMarkerSize,
                     [](std::byte b) { return b == std::byte{0}; })) {
      return fail(ProbeReplyError::NotIke);
    }
    message = message.subspan(kNonEspMarkerSize);
  }
  const auto header = parse_ike_header(message);
  if (!header) return fail(ProbeReplyError::NotIke);
  if (!header->is_response()) return fail(ProbeReplyError::NotResponse);
  if (header->spi_i != spi_i) return fail(ProbeReplyError::OtherSpi);
  if (header->exchange != static_cast<std::uint8_t>(ExchangeType::IkeSaInit))
    return fail(ProbeReplyError::OtherExchange);
  if (header->message_id != 0) return fail(ProbeReplyError::OtherMessageId);
  const auto parsed = parse_ike_message(message);
  if (!parsed) return fail(ProbeReplyError::Malformed);

  const NotifyView* status = nullptr;
  for (const PayloadView& p : parsed->payloads()) {
    if (p.type != static_cast<std::uint8_t>(PayloadType::Notify)) continue;
    const std::uint16_t type = p.notify.type;
    if (type >= kFirstStatusNotify) {
      if (!status) status = &p.notify;
      continue;
    }
    ProbeReply reply{.kind = ProbeReply::Kind::OtherNotify, .notify_type = type, .group = 0};
    if (type == static_cast<std::uint16_t>(NotifyType::InvalidKePayload)) {
      reply.kind = ProbeReply::Kind::InvalidKePayload;
      // RFC 7296 §3.10.1: the data is the accepted group, 2 octets big-endian.
      if (p.notify.data.size() == 2)
        reply.group = static_cast<std::uint16_t>(std::to_integer<unsigned>(p.notify.data[0]) << 8 |
                                                 std::to_integer<unsigned>(p.notify.data[1]));
    } else if (type == static_cast<std::uint16_t>(NotifyType::NoProposalChosen)) {
      reply.kind = ProbeReply::Kind::NoProposalChosen;
    }
    return reply;
  }
  if (parsed->find(PayloadType::SecurityAssociation))
    return ProbeReply{.kind = ProbeReply::Kind::SaReply, .notify_type = 0, .group = 0};
  if (status)
    return ProbeReply{
        .kind = ProbeReply::Kind::OtherNotify, .notify_type = status->type, .group = 0};
  return fail(ProbeReplyError::NoAnswer);
}

std::string to_string(const ProbeReply& reply) {
  if (reply.kind == ProbeReply::Kind::SaReply) return "SA";
  return notify_name(reply.notify_type);
}

std::string_view to_string(ProbeReplyError error) noexcept {
  switch (error) {
    case ProbeReplyError::NotIke:
      return "not IKE";
    case ProbeReplyError::NotResponse:
      return "not a response";
    case ProbeReplyError::OtherSpi:
      return "another SPIi";
    case ProbeReplyError::OtherExchange:
      return "not IKE_SA_INIT";
    case ProbeReplyError::OtherMessageId:
      return "Message ID not 0";
    case ProbeReplyError::Malformed:
      return "malformed";
    case ProbeReplyError::NoAnswer:
      return "neither a notify nor an SA";
  }
  return "unknown";
}

std::string notify_name(std::uint16_t type) {
  switch (static_cast<NotifyType>(type)) {
    case NotifyType::UnsupportedCriticalPayload:
      return "UNSUPPORTED_CRITICAL_PAYLOAD";
    case NotifyType::InvalidIkeSpi:
      return "INVALID_IKE_SPI";
    case NotifyType::InvalidMajorVersion:
      return "INVALID_MAJOR_VERSION";
    case NotifyType::InvalidSyntax:
      return "INVALID_SYNTAX";
    case NotifyType::InvalidMessageId:
      return "INVALID_MESSAGE_ID";
    case NotifyType::InvalidSpi:
      return "INVALID_SPI";
    case NotifyType::NoProposalChosen:
      return "NO_PROPOSAL_CHOSEN";
    case NotifyType::InvalidKePayload:
      return "INVALID_KE_PAYLOAD";
    case NotifyType::AuthenticationFailed:
      return "AUTHENTICATION_FAILED";
    case NotifyType::TemporaryFailure:
      return "TEMPORARY_FAILURE";
    case NotifyType::Cookie:
      return "COOKIE";
    case NotifyType::Redirect:
      return "REDIRECT";
    case NotifyType::TicketNack:
      return "TICKET_NACK";
    default:
      return "notify " + std::to_string(type);
  }
}

}  // namespace ikesteer::redirect
