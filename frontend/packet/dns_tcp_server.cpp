#include "frontend/packet/dns_tcp_server.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/log.hpp"
#include "frontend/os/socket_address.hpp"

namespace ikesteer::frontend {
namespace {

// A client may send queries faster than we answer them, but not unboundedly: past this many
// unanswered or unsent bytes the connection is closed.
constexpr std::size_t kMaxBufferedBytes = 2 * (2 + 65535);
constexpr std::size_t kMaxPendingWrites = 64;

// IP_FREEBIND (IPV6_FREEBIND) on the handle's socket, before it is bound: the address need not
// be on this host yet (a VIP that keepalived adds later; see bind_ike in daemon.cpp).
int set_freebind(uv_handle_t* handle, const IpAddress& a) {
  uv_os_fd_t fd = -1;
  if (const int rc = uv_fileno(handle, &fd); rc != 0) return rc;
  const int one = 1;
  if (::setsockopt(fd, a.is_v4() ? IPPROTO_IP : IPPROTO_IPV6,
                   a.is_v4() ? IP_FREEBIND : IPV6_FREEBIND, &one, sizeof one) != 0)
    return uv_translate_sys_error(errno);
  return 0;
}

}  // namespace

// Freed once its socket has closed: writes still pending call back (cancelled) while it closes.
struct DnsTcpServer::Connection {
  using Socket = UvHandle<uv_tcp_t, Connection>;
  using Timer = UvHandle<uv_timer_t, Connection>;
  Socket socket;
  Timer idle;
  DnsTcpServer* server = nullptr;
  IpAddress peer;
  std::vector<std::byte> in;  // received bytes not yet answered
  std::size_t pending_writes = 0;
  std::size_t pending_bytes = 0;
  bool closing = false;
};

namespace {

struct Write {
  uv_write_t request{};
  std::vector<std::byte> bytes;  // length prefix + message
  DnsTcpServer::Connection* connection = nullptr;
};

}  // namespace

DnsTcpServer::DnsTcpServer(uv_loop_t* loop, SharedState& shared) : loop_(loop), answerer_(shared) {}

DnsTcpServer::~DnsTcpServer() = default;

Result<void, std::string> DnsTcpServer::listen(const std::vector<IpAddress>& addresses,
                                               std::uint16_t port) {
  for (const IpAddress& a : addresses) {
    const SocketAddress sa = SocketAddress::from(a, port);
    Listener& l = listeners_.emplace_back();
    // uv_tcp_init_ex makes the socket now (uv_tcp_init only at bind), so it can be set up first.
    int rc = l.init(loop_, *this, uv_tcp_init_ex,
                    static_cast<unsigned>(a.is_v4() ? AF_INET : AF_INET6));
    if (rc == 0) rc = set_freebind(l.get<uv_handle_t>(), a);
    if (rc == 0) rc = uv_tcp_bind(l.get(), sa.get(), a.is_v4() ? 0 : UV_TCP_IPV6ONLY);
    if (rc == 0)
      rc = uv_listen(l.get<uv_stream_t>(), 128, [](uv_stream_t* s, int status) {
        if (status == 0) Listener::context(s).on_connection(s);
      });
    if (rc != 0) return fail(sa.to_string() + ": tcp listen: " + uv_strerror(rc));
  }
  return {};
}

void DnsTcpServer::close() {
  if (closed_) return;
  closed_ = true;
  listeners_.clear();
  for (Connection* c : std::vector<Connection*>(connections_)) close_connection(*c);
}

DnsCounters DnsTcpServer::counters() const {
  return {answerer_.counters(), {}};
}

void DnsTcpServer::on_connection(uv_stream_t* listener) {
  auto* c = new Connection;
  c->server = this;
  c->socket.init(loop_, *c, uv_tcp_init);
  c->idle.init(loop_, *c, uv_timer_init);
  connections_.push_back(c);
  if (uv_accept(listener, c->socket.get<uv_stream_t>()) != 0 ||
      connections_.size() > answerer_.config().dns.tcp_max_connections) {
    close_connection(*c);  // over the cap: the client sees the connection close at once
    return;
  }
  SocketAddress peer;
  int length = sizeof peer.storage;
  uv_tcp_getpeername(c->socket.get(), peer.get(), &length);
  c->peer = peer.address();
  const auto idle_ms = std::uint64_t{answerer_.config().dns.tcp_idle_timeout} * 1000;
  uv_timer_start(
      c->idle.get(),
      [](uv_timer_t* t) {
        Connection& conn = Connection::Timer::context(t);
        conn.server->close_connection(conn);
      },
      idle_ms, 0);
  uv_read_start(
      c->socket.get<uv_stream_t>(),
      [](uv_handle_t*, std::size_t suggested, uv_buf_t* buf) {
        buf->base = new char[suggested];
        buf->len = suggested;
      },
      [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
        Connection& conn = Connection::Socket::context(s);
        conn.server->on_read(conn, n, buf);
        delete[] buf->base;
      });
}

void DnsTcpServer::on_read(Connection& c, ssize_t n, const uv_buf_t* buf) {
  if (n < 0) {  // EOF or error
    close_connection(c);
    return;
  }
  if (n == 0 || c.closing) return;
  const auto* bytes = reinterpret_cast<const std::byte*>(buf->base);
  c.in.insert(c.in.end(), bytes, bytes + n);
  if (c.in.size() + c.pending_bytes > kMaxBufferedBytes) {
    close_connection(c);
    return;
  }
  uv_timer_again(c.idle.get());
  answer_frames(c);
}

void DnsTcpServer::answer_frames(Connection& c) {
  std::size_t at = 0;
  while (c.in.size() - at >= 2 && !c.closing) {
    const std::size_t length =
        std::to_integer<std::size_t>(c.in[at]) << 8 | std::to_integer<std::size_t>(c.in[at + 1]);
    if (c.in.size() - at < 2 + length) break;
    const std::span<const std::byte> query(c.in.data() + at + 2, length);
    at += 2 + length;
    auto* w = new Write;
    w->connection = &c;
    w->bytes.resize(2 + dns::kMaxTcpSize);
    const auto v = answerer_.answer(query, c.peer, true, std::span(w->bytes).subspan(2));
    if (!v) {
      delete w;
      continue;
    }
    w->bytes[0] = static_cast<std::byte>(v->bytes.size() >> 8);
    w->bytes[1] = static_cast<std::byte>(v->bytes.size());
    w->bytes.resize(2 + v->bytes.size());
    if (c.pending_writes >= kMaxPendingWrites) {
      delete w;
      close_connection(c);
      break;
    }
    ++c.pending_writes;
    c.pending_bytes += w->bytes.size();
    const uv_buf_t out = uv_buf_init(reinterpret_cast<char*>(w->bytes.data()),
                                     static_cast<unsigned>(w->bytes.size()));
    w->request.data = w;
    uv_write(&w->request, c.socket.get<uv_stream_t>(), &out, 1, [](uv_write_t* r, int status) {
      auto* done = static_cast<Write*>(r->data);
      Connection& conn = *done->connection;
      --conn.pending_writes;
      conn.pending_bytes -= done->bytes.size();
      delete done;
      if (status != 0) conn.server->close_connection(conn);
    });
  }
  c.in.erase(c.in.begin(), c.in.begin() + static_cast<std::ptrdiff_t>(at));
}

void DnsTcpServer::close_connection(Connection& c) {
  if (c.closing) return;
  c.closing = true;
  connections_.erase(std::find(connections_.begin(), connections_.end(), &c));
  c.idle.close();
  c.socket.close([](Connection& conn) { delete &conn; });
}

}  // namespace ikesteer::frontend
