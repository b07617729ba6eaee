#include "frontend/probes/tcp_probe.hpp"

#include <string>

#include "frontend/os/socket_address.hpp"

namespace ikesteer::frontend {
namespace {

class TcpAttempt final : public UvAttempt {
 public:
  TcpAttempt(uv_loop_t* loop, const TcpProbeOptions& o, ProbeCallback done, AttemptSlot& slot)
      : UvAttempt(loop, o.timeout, std::move(done), slot) {
    const unsigned family = o.address.is_v4() ? AF_INET : AF_INET6;
    if (const int rc = uv_tcp_init_ex(loop, &tcp_, family)) {
      finish(false, std::string("socket: ") + uv_strerror(rc));
      return;
    }
    own(reinterpret_cast<uv_handle_t*>(&tcp_));
    connect_.data = static_cast<UvAttempt*>(this);
    const SocketAddress to = SocketAddress::from(o.address, o.port);
    if (const int rc = uv_tcp_connect(&connect_, &tcp_, to.get(), on_connect))
      finish(false, std::string("connect: ") + uv_strerror(rc));
  }

 private:
  // Also called with UV_ECANCELED when the handle closes first (timeout, abandoned).
  static void on_connect(uv_connect_t* req, int status) {
    auto* self = from<TcpAttempt>(req);
    if (status == 0)
      self->finish(true, "connected");
    else
      self->finish(false, std::string("connect: ") + uv_strerror(status));
  }

  uv_tcp_t tcp_{};
  uv_connect_t connect_{};
};

}  // namespace

void TcpProbe::run(ProbeCallback done) {
  new TcpAttempt(loop_, options_, std::move(done), attempt_);  // frees itself when it ends
}

}  // namespace ikesteer::frontend
