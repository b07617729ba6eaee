#include "frontend/http/http_message.hpp"

#include <cstdio>

namespace ikesteer::frontend::http {

HttpResponse json_error(unsigned status, std::string_view message) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = R"({"error":")";
  for (const char c : message) {
    if (c == '"' || c == '\\') {
      r.body += '\\';
      r.body += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[7];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
      r.body += escaped;
    } else {
      r.body += c;
    }
  }
  r.body += "\"}";
  return r;
}

}  // namespace ikesteer::frontend::http
