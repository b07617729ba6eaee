// A minimal blocking HTTP/1.1 client for health checks: one GET with Connection: close, over TCP
// or TLS, every step bounded by one deadline, the response bounded in size. Meant for a worker
// thread (libuv's threadpool); the parser is separate so it can be tested on its own.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace ikesteer::frontend {

// Responses are read up to this size (head and body); the rest is not read.
inline constexpr std::size_t kMaxHttpResponse = 64 * 1024;

struct HttpRequest {
  IpAddress address;
  std::uint16_t port = 80;
  bool tls = false;
  std::string host;  // Host header and TLS SNI (not sent for an IP literal); "" = the address
  std::string path = "/";
};

struct HttpResponse {
  bool head = false;  // status line and headers are complete; the rest is valid only then
  int status = 0;
  std::string body;       // after chunked decoding
  bool complete = false;  // Content-Length or the last chunk says the body is all there
};

// Parses what has arrived of a response so far. Errors for a malformed head or chunk framing.
Result<HttpResponse, std::string> parse_http_response(std::string_view raw);

// Sends the GET and reads until the response is complete, the peer closes, or kMaxHttpResponse
// octets have arrived. Errors ("connect: Connection refused", "timeout", "tls: ...") when no
// response head arrived by `deadline` or `cancel` was set.
Result<HttpResponse, std::string> http_get(const HttpRequest& request, TimePoint deadline,
                                           const std::atomic<bool>& cancel);

}  // namespace ikesteer::frontend
