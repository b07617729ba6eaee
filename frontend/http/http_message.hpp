// What a route handler of the operator HTTP server sees: a parsed request in, a response out.
// Nothing here depends on the HTTP library underneath.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ip_address.hpp"

namespace ikesteer::frontend::http {

struct HttpRequest {
  std::string method;                        // as sent ("GET"); methods are case-sensitive
  std::string path;                          // the target up to '?', NOT percent-decoded
  std::map<std::string, std::string> query;  // decoded; a repeated key keeps its last value
  std::string authorization;                 // the Authorization header; "" = absent
  std::string content_type;
  std::string body;
  IpAddress peer;
};

struct HttpResponse {
  unsigned status = 200;  // 200..599; anything else is sent as 500
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Extra headers. Invalid names or values, and the headers the server sets itself (framing,
  // Connection, Server, Cache-Control, X-Content-Type-Options), are dropped.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Runs on the server's thread, one request at a time; an exception becomes a 500.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Polled for each open Server-Sent Events stream: returns the next chunk of already-formatted
// event-stream text ("data: ...\n\n") or nullopt when there is nothing new. `cursor` starts at 0
// for each stream and is the source's to advance.
using SseSource = std::function<std::optional<std::string>(std::uint64_t& cursor)>;

// {"error":"<message>"} as application/json.
HttpResponse json_error(unsigned status, std::string_view message);

}  // namespace ikesteer::frontend::http
