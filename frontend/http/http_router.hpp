// Which handler answers a request: exact paths first, then the longest registered prefix. A path
// (or prefix) is one resource; a method it has no handler for is a 405 listing the ones it has.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "frontend/http/http_message.hpp"

namespace ikesteer::frontend::http {

class HttpRouter {
 public:
  using Target = std::variant<HttpHandler, SseSource>;

  // A second registration of the same method and path replaces the first.
  void route(std::string method, std::string path, HttpHandler handler);
  // Matches every path that starts with `prefix` ("/api/v1/members/").
  void route_prefix(std::string method, std::string prefix, HttpHandler handler);
  // A Server-Sent Events stream, answered to GET on exactly `path`.
  void stream(std::string path, SseSource source);

  struct Match {
    const Target* target = nullptr;  // null: no handler, see `allow`
    std::string allow;  // target null: the resource's methods ("GET, POST"), "" = no resource
  };
  Match find(std::string_view method, std::string_view path) const;

 private:
  using Methods = std::map<std::string, Target, std::less<>>;
  std::map<std::string, Methods, std::less<>> exact_;
  std::map<std::string, Methods, std::less<>> prefixes_;
};

}  // namespace ikesteer::frontend::http
