#include "frontend/probes/ike_probe.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstddef>
#include <span>
#include <string>

#include "frontend/os/socket_address.hpp"
#include "redirect/ike_probe.hpp"

namespace ikesteer::frontend {
namespace {

std::string uv_error(const char* what, int code) {
  return std::string(what) + ": " + uv_strerror(code);
}

class IkeAttempt final : public UvAttempt {
 public:
  IkeAttempt(uv_loop_t* loop, const IkeProbeOptions& o, ProbeCallback done, AttemptSlot& slot)
      : UvAttempt(loop, o.timeout, std::move(done), slot), framing_{o.port == 4500} {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&spi_), sizeof spi_) != 1 ||
        RAND_bytes(reinterpret_cast<unsigned char*>(nonce_.data()),
                   static_cast<int>(nonce_.size())) != 1) {
      finish(false, "random: no entropy");
      return;
    }
    spi_ |= 1;  // RFC 7296 §3.1: never zero
    const unsigned family = o.address.is_v4() ? AF_INET : AF_INET6;
    if (const int rc = uv_udp_init_ex(loop, &udp_, family)) {
      finish(false, uv_error("socket", rc));
      return;
    }
    own(reinterpret_cast<uv_handle_t*>(&udp_));
    // Connected: only the target's datagrams arrive, and its ICMP errors are reported.
    const SocketAddress to = SocketAddress::from(o.address, o.port);
    if (const int rc = uv_udp_connect(&udp_, to.get())) {
      finish(false, uv_error("connect", rc));
      return;
    }
    if (const int rc = uv_udp_recv_start(&udp_, on_alloc, on_recv)) {
      finish(false, uv_error("recv", rc));
      return;
    }
    std::array<std::byte, 256> request{};
    const auto bytes = redirect::write_ike_probe(request, framing_, spi_, nonce_);
    uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(const_cast<std::byte*>(bytes.data())),
                               static_cast<unsigned>(bytes.size()));
    if (const int rc = uv_udp_try_send(&udp_, &buf, 1, nullptr); rc < 0)
      finish(false, uv_error("send", rc));
  }

 private:
  static void on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf) {
    auto* self = from<IkeAttempt>(h);
    *buf = uv_buf_init(reinterpret_cast<char*>(self->reply_.data()),
                       static_cast<unsigned>(self->reply_.size()));
  }

  static void on_recv(uv_udp_t* h, ssize_t n, const uv_buf_t* buf, const sockaddr*,
                      unsigned flags) {
    auto* self = from<IkeAttempt>(h);
    if (self->finished()) return;
    if (n < 0) {
      self->finish(false, uv_error("recv", static_cast<int>(n)));
      return;
    }
    if (n == 0 || (flags & UV_UDP_PARTIAL) != 0) return;
    const auto datagram = std::as_bytes(std::span(buf->base, static_cast<std::size_t>(n)));
    // Anything else (a late answer to an earlier attempt, garbage) is ignored.
    if (const auto reply = redirect::classify_ike_probe_reply(datagram, self->framing_, self->spi_))
      self->finish(true, redirect::to_string(*reply));
  }

  redirect::ReplyFraming framing_;
  std::uint64_t spi_ = 0;
  std::array<std::byte, 32> nonce_{};
  uv_udp_t udp_{};
  std::array<std::byte, 8192> reply_{};  // SA replies with certificate requests are large
};

}  // namespace

void IkeProbe::run(ProbeCallback done) {
  new IkeAttempt(loop_, options_, std::move(done), attempt_);  // frees itself when it ends
}

}  // namespace ikesteer::frontend
