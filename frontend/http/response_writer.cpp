#include "frontend/http/response_writer.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace ikesteer::frontend::http {
namespace {

constexpr std::string_view kCommonHeaders =
    "Server: ikesteer\r\n"
    "Cache-Control: no-store\r\n"
    "X-Content-Type-Options: nosniff\r\n";

std::string_view reason(unsigned status) {
  struct Reason {
    unsigned status;
    std::string_view text;
  };
  static constexpr Reason kReasons[] = {
      {200, "OK"},
      {201, "Created"},
      {202, "Accepted"},
      {204, "No Content"},
      {301, "Moved Permanently"},
      {302, "Found"},
      {303, "See Other"},
      {304, "Not Modified"},
      {307, "Temporary Redirect"},
      {308, "Permanent Redirect"},
      {400, "Bad Request"},
      {401, "Unauthorized"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {409, "Conflict"},
      {413, "Content Too Large"},
      {415, "Unsupported Media Type"},
      {422, "Unprocessable Content"},
      {429, "Too Many Requests"},
      {431, "Request Header Fields Too Large"},
      {500, "Internal Server Error"},
      {501, "Not Implemented"},
      {503, "Service Unavailable"},
  };
  for (const Reason& r : kReasons)
    if (r.status == status) return r.text;
  return "";  // the reason phrase is optional (RFC 9112 §4)
}

// token (RFC 9110 §5.6.2).
bool valid_name(std::string_view name) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           kSymbols.find(c) != std::string_view::npos;
  });
}

// field-value (RFC 9110 §5.5): no control characters but HTAB.
bool valid_value(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// Set by the server itself, or about the connection rather than the response.
bool reserved(std::string_view name) {
  constexpr std::array<std::string_view, 9> kReserved = {
      "Content-Length", "Content-Type", "Transfer-Encoding",      "Connection",   "Keep-Alive",
      "Upgrade",        "Server",       "X-Content-Type-Options", "Cache-Control"};
  return std::any_of(kReserved.begin(), kReserved.end(),
                     [&](std::string_view r) { return iequals(r, name); });
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

std::string format_response(const HttpResponse& response, ConnectionHeader connection) {
  if (response.status < 200 || response.status > 599)
    return format_response(json_error(500, "internal error"), connection);
  const bool bodyless =
      response.status == 204 || response.status == 304;  // RFC 9110 §15.3.5, §15.4.5

  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " ";
  out.append(reason(response.status)).append("\r\n").append(kCommonHeaders);
  if (!bodyless) {
    if (!response.content_type.empty() && valid_value(response.content_type))
      append_header(out, "Content-Type", response.content_type);
    append_header(out, "Content-Length", std::to_string(response.body.size()));
  }
  for (const auto& [name, value] : response.headers)
    if (valid_name(name) && valid_value(value) && !reserved(name)) append_header(out, name, value);
  if (connection == ConnectionHeader::KeepAlive) append_header(out, "Connection", "keep-alive");
  if (connection == ConnectionHeader::Close) append_header(out, "Connection", "close");
  out += "\r\n";
  if (!bodyless) out += response.body;
  return out;
}

std::string format_event_stream_head() {
  std::string out = "HTTP/1.1 200 OK\r\n";
  out.append(kCommonHeaders);
  append_header(out, "Content-Type", "text/event-stream; charset=utf-8");
  append_header(out, "X-Accel-Buffering", "no");  // a reverse proxy must not hold events back
  append_header(out, "Connection", "close");
  out += "\r\n";
  return out;
}

}  // namespace ikesteer::frontend::http
