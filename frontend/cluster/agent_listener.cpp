#include "frontend/cluster/agent_listener.hpp"

#include <array>
#include <cstring>

#include "frontend/os/socket_address.hpp"
#include "frontend/os/uv_handle.hpp"
#include "health/agent_report.hpp"

namespace ikesteer::frontend {

// Closing the handle stops its callbacks, so the socket (and its buffer) may go with it.
struct AgentListener::Socket {
  using Handle = UvHandle<uv_udp_t, Socket>;
  Handle handle;
  AgentListener* owner = nullptr;
  std::array<char, health::kMaxAgentReportSize + 1> buffer{};  // +1: oversized is detectable
};

AgentListener::AgentListener(uv_loop_t* loop, AgentDatagramCallback on_datagram)
    : loop_(loop), on_datagram_(std::move(on_datagram)) {}

AgentListener::~AgentListener() = default;

Result<void, std::string> AgentListener::listen(const std::vector<Endpoint>& endpoints) {
  for (const Endpoint& e : endpoints) {
    Socket& s = *sockets_.emplace_back(std::make_unique<Socket>());
    s.owner = this;
    const SocketAddress address = SocketAddress::from(e.address, e.port);
    int rc = s.handle.init(loop_, s, uv_udp_init);
    if (rc == 0) rc = uv_udp_bind(s.handle.get(), address.get(), 0);
    if (rc != 0) return fail("agent_listen " + address.to_string() + ": " + uv_strerror(rc));
    uv_udp_recv_start(
        s.handle.get(),
        [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
          Socket& socket = Socket::Handle::context(h);
          *buf = uv_buf_init(socket.buffer.data(), static_cast<unsigned>(socket.buffer.size()));
        },
        [](uv_udp_t* h, ssize_t n, const uv_buf_t* buf, const sockaddr* from, unsigned) {
          if (n <= 0 || from == nullptr) return;
          SocketAddress peer;
          peer.length = from->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
          std::memcpy(&peer.storage, from, peer.length);
          Socket::Handle::context(h).owner->on_datagram_(
              std::as_bytes(std::span(buf->base, static_cast<std::size_t>(n))), peer.address());
        });
  }
  return {};
}

}  // namespace ikesteer::frontend
