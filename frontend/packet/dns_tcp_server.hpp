// DNS over TCP (RFC 7766) on the main loop: 2-octet length framing (RFC 1035 §4.2.2), several
// queries per connection answered in order, an idle timeout, a cap on connections and on
// unanswered bytes. TCP is not rate-limited (a TCP client has proven its address).
#pragma once

#include <uv.h>

#include <mutex>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "dns/authority.hpp"
#include "frontend/cluster/shared_state.hpp"
#include "frontend/os/uv_handle.hpp"
#include "frontend/packet/dns_handler.hpp"

namespace ikesteer::frontend {

class DnsTcpServer {
 public:
  DnsTcpServer(uv_loop_t* loop, SharedState& shared);
  ~DnsTcpServer();
  DnsTcpServer(const DnsTcpServer&) = delete;
  DnsTcpServer& operator=(const DnsTcpServer&) = delete;

  // Binds and listens (before privileges are dropped).
  Result<void, std::string> listen(const std::vector<IpAddress>& addresses, std::uint16_t port);
  // Stops listening and closes every connection; the loop then finishes their close callbacks.
  void close();
  DnsCounters counters() const;

  struct Connection;  // one client; defined in the .cpp

 private:
  using Listener = UvHandle<uv_tcp_t, DnsTcpServer>;

  void on_connection(uv_stream_t* listener);
  void on_read(Connection& c, ssize_t n, const uv_buf_t* buf);
  void answer_frames(Connection& c);
  void close_connection(Connection& c);

  uv_loop_t* loop_;
  DnsAnswerer answerer_;
  std::vector<Listener> listeners_;
  std::vector<Connection*> connections_;  // owned: each frees itself once its socket has closed
  bool closed_ = false;
};

}  // namespace ikesteer::frontend
