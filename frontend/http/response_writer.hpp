// Responses on the wire (RFC 9112 §4, §6): the status line, the headers every response of the
// server carries (Server, Cache-Control: no-store, X-Content-Type-Options: nosniff), and the
// body framed by Content-Length.
#pragma once

#include <cstdint>
#include <string>

#include "frontend/http/http_message.hpp"

namespace ikesteer::frontend::http {

enum class ConnectionHeader : std::uint8_t {
  None,       // HTTP/1.1 keep-alive (the default)
  KeepAlive,  // an HTTP/1.0 client asked for keep-alive
  Close,
};

// Applies the rules in HttpResponse: an invalid status becomes a 500, invalid or reserved extra
// headers are dropped; 204 and 304 go without a body.
std::string format_response(const HttpResponse& response, ConnectionHeader connection);

// The head of a Server-Sent Events response. The stream is the rest of the connection, so the
// body is delimited by the close (RFC 9112 §6.3, rule 8).
std::string format_event_stream_head();

}  // namespace ikesteer::frontend::http
