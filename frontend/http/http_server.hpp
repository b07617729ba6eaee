// A small HTTP/1.1 server (optionally over TLS) for the operator side: its own thread and
// boost::asio io_context, so nothing it does slows the packet loops. Every resource is bounded:
// connections, open event streams, header and body sizes, the time to receive a request and to
// send a response, and the requests per connection (read and answered one at a time, in order).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "frontend/config/config.hpp"
#include "frontend/http/http_message.hpp"
#include "frontend/http/http_router.hpp"

namespace ikesteer::frontend::http {

struct HttpServerOptions {
  std::vector<Endpoint> listen;         // port 0: an ephemeral port, see HttpServer::ports()
  std::string tls_certificate;          // PEM files (the certificate file may hold the chain);
  std::string tls_key;                  // both empty = plain HTTP
  unsigned max_connections = 64;        // beyond: 503 (TLS: closed at once); streams count too
  unsigned max_streams = 256;           // open Server-Sent Events streams; beyond: 503
  std::size_t max_header_bytes = 8192;  // request line and headers; beyond: 431
  std::size_t max_body_bytes = 65536;   // beyond: 413
  // For a whole request, counted from the accept (TLS handshake included) or from the end of
  // the previous response, so it is also the keep-alive idle time; then the connection closes.
  Duration read_timeout = std::chrono::seconds(10);
  Duration write_timeout = std::chrono::seconds(10);  // each response, each stream chunk
  unsigned max_requests_per_connection = 100;         // the last is answered with Connection: close
  Duration sse_poll = std::chrono::milliseconds(500);  // how often each stream's source is polled
  Duration sse_heartbeat = std::chrono::seconds(15);   // a comment line after this much silence
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes are registered before start(); see HttpRouter for the matching rules. Unknown paths
  // are answered 404, known paths with another method 405 (with Allow).
  void route(std::string method, std::string path, HttpHandler handler);
  void route_prefix(std::string method, std::string prefix, HttpHandler handler);
  void stream(std::string path, SseSource source);

  // Loads the TLS files, binds every endpoint and starts the thread. The error names the file
  // or the endpoint ("127.0.0.1:8080: bind: Address already in use").
  Result<void, std::string> start();
  // Closes the listeners and every connection (streams included) and joins the thread. Never
  // from a handler. A no-op when not running.
  void stop();
  // The bound port of each endpoint, in the order of HttpServerOptions::listen (after start()).
  std::vector<std::uint16_t> ports() const { return ports_; }

 private:
  struct Running;  // the io_context, listeners and thread; defined in the .cpp

  HttpServerOptions options_;
  HttpRouter router_;
  std::unique_ptr<Running> running_;
  std::vector<std::uint16_t> ports_;
};

}  // namespace ikesteer::frontend::http
