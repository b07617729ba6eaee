// One client connection of the HTTP server, on the server's thread. Requests are read one at a
// time under the read deadline, routed, and answered under the write deadline before the next is
// read; a Server-Sent Events request turns the rest of the connection into the stream.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <set>

#include "common/log.hpp"
#include "frontend/http/http_router.hpp"
#include "frontend/http/http_server.hpp"

namespace ikesteer::frontend::http {

class Connection {
 public:
  virtual ~Connection() = default;
  // Closes the socket at once; the pending operations end and then the connection is freed.
  virtual void close() = 0;
};

// What the connections of one server share; used on the server's thread only.
struct ConnectionContext {
  ConnectionContext(const HttpServerOptions& o, const HttpRouter& r) : options(o), router(r) {}

  const HttpServerOptions& options;
  const HttpRouter& router;
  boost::asio::ssl::context* tls = nullptr;  // null: plain HTTP
  std::set<Connection*> open;                // every live connection (for the cap and stop())
  unsigned streams = 0;                      // open event streams
  bool stopping = false;                     // no new requests
  LogRateLimit error_log{10};                // handler failures, per second
};

// Serves an accepted socket until either side closes it; TLS when context.tls is set.
void serve_connection(boost::asio::ip::tcp::socket socket, ConnectionContext& context);

}  // namespace ikesteer::frontend::http
