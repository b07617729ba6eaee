// A blocking HTTP/1.1 client for tests of the operator HTTP server.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "frontend/os/socket_address.hpp"

namespace ikesteer::frontend::test {

// A response as the client read it.
struct Response {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// The status and headers of a response head (without its final empty line); no body.
std::optional<Response> parse_response_head(std::string_view head);

// A blocking client with 10 s send and receive timeouts (so that a broken server fails a test
// instead of hanging it), over TCP or TLS (no certificate check).
class Client {
 public:
  explicit Client(std::uint16_t port, SSL_CTX* tls = nullptr, int receive_buffer = 0);
  Client(const SocketAddress& address, SSL_CTX* tls, int receive_buffer = 0);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  bool send(std::string_view data);
  void shutdown_write();

  // Appends what arrives to `pending_`; false at the end of the stream, on an error, or at the
  // timeout (then timed_out_ is set).
  bool receive();
  // The next response, its body by Content-Length (none without).
  std::optional<Response> read_response();
  // What has arrived when `needle` has (or the stream ended first).
  std::string read_until(std::string_view needle);
  // Reads until the server closes; true if it did (rather than the receive timeout passing).
  bool closed_by_server();

  const std::string& received() const { return pending_; }

 private:
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  bool connected_ = false;
  bool timed_out_ = false;
  std::string pending_;
};

}  // namespace ikesteer::frontend::test
