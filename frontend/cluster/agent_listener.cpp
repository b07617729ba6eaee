#include "frontend/cluster/agent_listener.hpp"

#include <array>
#include <cstring>

#include "frontend/os/socket_address.hpp"
#include "health/agent_report.hpp"

namespace ikesteer::frontend {

struct AgentListener::Socket {
  uv_udp_t handle{};
  AgentListener* owner = nullptr;
  std::array<char, health::kMaxAgentReportSize + 1> buffer{};  // +1: oversized is detectable
};

AgentListener::AgentListener(uv_loop_t* loop, AgentDatagramCallback on_datagram)
    : loop_(loop), on_datagram_(std::move(on_datagram)) {}

AgentListener::~AgentListener() {
  for (Socket* s : sockets_) {
    s->owner = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&s->handle),
             [](uv_handle_t* h) { delete static_cast<Socket*>(h->data); });
  }
}

Result<void, std::string> AgentListener::listen(const std::vector<Endpoint>& endpoints) {
  for (const Endpoint& e : endpoints) {
    auto* s = new Socket;
    s->owner = this;
    s->handle.data = s;
    uv_udp_init(loop_, &s->handle);
    sockets_.push_back(s);
    const SocketAddress address = SocketAddress::from(e.address, e.port);
    if (int rc = uv_udp_bind(&s->handle, address.get(), 0); rc != 0)
      return fail("agent_listen " + address.to_string() + ": " + uv_strerror(rc));
    uv_udp_recv_start(
        &s->handle,
        [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
          auto* socket = static_cast<Socket*>(h->data);
          *buf = uv_buf_init(socket->buffer.data(), static_cast<unsigned>(socket->buffer.size()));
        },
        [](uv_udp_t* h, ssize_t n, const uv_buf_t* buf, const sockaddr* from, unsigned) {
          auto* socket = static_cast<Socket*>(h->data);
          if (n <= 0 || from == nullptr || socket->owner == nullptr) return;
          SocketAddress peer;
          peer.length = from->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
          std::memcpy(&peer.storage, from, peer.length);
          socket->owner->on_datagram_(
              std::as_bytes(std::span(buf->base, static_cast<std::size_t>(n))), peer.address());
        });
  }
  return {};
}

}  // namespace ikesteer::frontend
