#include "redirect/ike_reply.hpp"

#include <array>
#include <cstdint>
#include <initializer_list>

#include "common/byte_writer.hpp"

namespace ikesteer::redirect {
namespace {

std::span<const std::byte> write_reply(std::span<std::byte> out, ReplyFraming framing,
                                       const IkeHeader& request, std::uint64_t spi_r,
                                       NotifyType type,
                                       std::initializer_list<std::span<const std::byte>> data) {
  ByteWriter w(out);
  if (framing.non_esp_marker) w.u32(0);
  const std::size_t start = w.size();
  // RFC 7296 §3.1 header; Length patched below.
  w.u64(request.spi_i);
  w.u64(spi_r);
  w.u8(static_cast<std::uint8_t>(PayloadType::Notify));
  w.u8(kIkeVersion);
  w.u8(request.exchange);
  w.u8(kFlagResponse);
  w.u32(request.message_id);
  w.u32(0);
  // RFC 7296 §3.10: single Notify, last payload, C clear; Payload Length patched below.
  const std::size_t notify_start = w.size();
  w.u8(static_cast<std::uint8_t>(PayloadType::None));
  w.u8(0);
  w.u16(0);
  w.u8(0);  // Protocol ID
  w.u8(0);  // SPI Size
  w.u16(static_cast<std::uint16_t>(type));
  for (const auto& piece : data) w.bytes(piece);
  const std::size_t notify_length = w.size() - notify_start;
  if (w.overflowed() || notify_length > UINT16_MAX) return {};
  w.patch_u16(notify_start + 2, static_cast<std::uint16_t>(notify_length));
  w.patch_u32(start + 24, static_cast<std::uint32_t>(w.size() - start));
  return w.written();
}

}  // namespace

std::span<const std::byte> write_notify_reply(std::span<std::byte> out, ReplyFraming framing,
                                              const IkeHeader& request, NotifyType type,
                                              std::span<const std::byte> data) noexcept {
  return write_reply(out, framing, request, request.spi_r, type, {data});
}

std::span<const std::byte> write_redirect_reply(std::span<std::byte> out, ReplyFraming framing,
                                                const IkeHeader& request,
                                                const GatewayIdentity& gateway,
                                                std::span<const std::byte> nonce) noexcept {
  const std::array<std::byte, 2> id_header{static_cast<std::byte>(gateway.type()),
                                           static_cast<std::byte>(gateway.value().size())};
  return write_reply(out, framing, request, 0, NotifyType::Redirect,
                     {id_header, gateway.value(), nonce});
}

std::span<const std::byte> write_cookie_reply(std::span<std::byte> out, ReplyFraming framing,
                                              const IkeHeader& request,
                                              std::span<const std::byte> cookie) noexcept {
  return write_reply(out, framing, request, 0, NotifyType::Cookie, {cookie});
}

std::span<const std::byte> write_ticket_nack_reply(std::span<std::byte> out, ReplyFraming framing,
                                                   const IkeHeader& request) noexcept {
  return write_reply(out, framing, request, 0, NotifyType::TicketNack, {});
}

}  // namespace ikesteer::redirect
