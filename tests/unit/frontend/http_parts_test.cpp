// The parts of the operator HTTP server that need no socket: query strings, routing, and how
// responses are written.
#include <doctest/doctest.h>

#include <string>

#include "frontend/http/http_router.hpp"
#include "frontend/http/query_string.hpp"
#include "frontend/http/response_writer.hpp"

namespace ikesteer::frontend::http {
namespace {

TEST_CASE("percent_decode: escapes, '+', and malformed escapes") {
  CHECK(percent_decode("a%20b%2fc%2F") == "a b/c/");
  CHECK(percent_decode("a+b") == "a+b");
  CHECK(percent_decode("a+b", true) == "a b");
  CHECK(percent_decode("%00") == std::string(1, '\0'));
  CHECK(percent_decode("") == "");
  CHECK_FALSE(percent_decode("%"));
  CHECK_FALSE(percent_decode("ab%4"));
  CHECK_FALSE(percent_decode("%zz"));
  CHECK_FALSE(percent_decode("%-1"));
}

TEST_CASE("parse_query: pairs, bare keys, repeats, and errors") {
  const auto q = parse_query("a=1&b=x%20y+z&flag&&d=&a=2&e=%3D%26");
  REQUIRE(q);
  CHECK(q->size() == 5);
  CHECK(q->at("a") == "2");
  CHECK(q->at("b") == "x y z");
  CHECK(q->at("flag") == "");
  CHECK(q->at("d") == "");
  CHECK(q->at("e") == "=&");
  CHECK(parse_query("")->empty());
  CHECK(parse_query("&&")->empty());
  CHECK(parse_query("k=a=b")->at("k") == "a=b");
  CHECK_FALSE(parse_query("a=%g0"));
  CHECK_FALSE(parse_query("%=1"));
}

HttpResponse answer(std::string text) {
  HttpResponse r;
  r.body = std::move(text);
  return r;
}

std::string call(const HttpRouter::Match& m) {
  REQUIRE(m.target != nullptr);
  REQUIRE(m.target->index() == 0);
  return std::get<HttpHandler>(*m.target)(HttpRequest{}).body;
}

TEST_CASE("router: exact paths, then the longest prefix; 404 and 405") {
  HttpRouter router;
  router.route("GET", "/status", [](const HttpRequest&) { return answer("status"); });
  router.route("POST", "/status", [](const HttpRequest&) { return answer("post status"); });
  router.route_prefix("GET", "/api/", [](const HttpRequest&) { return answer("api"); });
  router.route_prefix("POST", "/api/v1/members/", [](const HttpRequest&) { return answer("m"); });
  router.route_prefix("GET", "/status", [](const HttpRequest&) { return answer("prefix"); });
  router.stream("/events", [](std::uint64_t&) { return std::optional<std::string>(); });

  CHECK(call(router.find("GET", "/status")) == "status");
  CHECK(call(router.find("POST", "/status")) == "post status");
  CHECK(call(router.find("GET", "/status/more")) == "prefix");
  CHECK(call(router.find("GET", "/api/v1/x")) == "api");
  CHECK(call(router.find("POST", "/api/v1/members/m1/drain")) == "m");

  // The longest prefix is the resource: GET is not one of its methods.
  HttpRouter::Match m = router.find("GET", "/api/v1/members/m1");
  CHECK(m.target == nullptr);
  CHECK(m.allow == "POST");
  m = router.find("DELETE", "/status");
  CHECK(m.target == nullptr);
  CHECK(m.allow == "GET, POST");
  m = router.find("get", "/status");  // methods are case-sensitive
  CHECK(m.target == nullptr);

  m = router.find("GET", "/nothing");
  CHECK(m.target == nullptr);
  CHECK(m.allow.empty());
  CHECK(router.find("GET", "/ap").allow.empty());

  m = router.find("GET", "/events");
  REQUIRE(m.target != nullptr);
  CHECK(m.target->index() == 1);
  CHECK(router.find("POST", "/events").allow == "GET");
  CHECK(router.find("GET", "/events/x").target == nullptr);

  router.route("GET", "/status", [](const HttpRequest&) { return answer("replaced"); });
  CHECK(call(router.find("GET", "/status")) == "replaced");
}

TEST_CASE("format_response: status line, fixed headers, length, connection") {
  HttpResponse r;
  r.body = "hi";
  CHECK(format_response(r, ConnectionHeader::None) ==
        "HTTP/1.1 200 OK\r\nServer: ikesteer\r\nCache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: 2\r\n\r\nhi");
  r.status = 299;
  r.content_type.clear();
  r.body.clear();
  r.headers = {{"X-A", "1"}};
  CHECK(format_response(r, ConnectionHeader::Close) ==
        "HTTP/1.1 299 \r\nServer: ikesteer\r\nCache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\nContent-Length: 0\r\nX-A: 1\r\n"
        "Connection: close\r\n\r\n");
  CHECK(format_response(HttpResponse{}, ConnectionHeader::KeepAlive)
            .ends_with("Content-Length: 0\r\nConnection: keep-alive\r\n\r\n"));
}

TEST_CASE("format_response: what a handler may not do") {
  HttpResponse r;
  r.status = 100;
  CHECK(format_response(r, ConnectionHeader::None).starts_with("HTTP/1.1 500 "));
  r.status = 600;
  const std::string bad = format_response(r, ConnectionHeader::None);
  CHECK(bad.starts_with("HTTP/1.1 500 Internal Server Error\r\n"));
  CHECK(bad.ends_with("\r\n\r\n{\"error\":\"internal error\"}"));

  r.status = 204;
  r.body = "dropped";
  const std::string no_content = format_response(r, ConnectionHeader::None);
  CHECK(no_content.find("Content-Length") == std::string::npos);
  CHECK(no_content.ends_with("\r\n\r\n"));

  r.status = 200;
  r.body.clear();
  r.content_type = "text/html\r\nX-Injected: 1";
  r.headers = {{"X-Ok", "v\tw"},
               {"X-Bad", "a\r\nX-Injected: 1"},
               {"Bad Name", "x"},
               {"content-length", "9"},
               {"Connection", "upgrade"},
               {"cache-control", "max-age=9"},
               {"", "x"}};
  const std::string out = format_response(r, ConnectionHeader::None);
  CHECK(out.find("X-Injected") == std::string::npos);
  CHECK(out.find("\r\nContent-Type") == std::string::npos);
  CHECK(out.find("X-Ok: v\tw\r\n") != std::string::npos);
  CHECK(out.find("Bad Name") == std::string::npos);
  CHECK(out.find("Content-Length: 9") == std::string::npos);
  CHECK(out.find("upgrade") == std::string::npos);
  CHECK(out.find("max-age") == std::string::npos);
}

TEST_CASE("json_error escapes its message; the event-stream head") {
  const HttpResponse e = json_error(404, "not \"found\" \\ \n");
  CHECK(e.status == 404);
  CHECK(e.content_type == "application/json");
  CHECK(e.body == R"({"error":"not \"found\" \\ \u000a"})");
  const std::string head = format_event_stream_head();
  CHECK(head.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(head.find("Content-Type: text/event-stream") != std::string::npos);
  CHECK(head.find("Cache-Control: no-store\r\n") != std::string::npos);
  CHECK(head.find("Content-Length") == std::string::npos);
  CHECK(head.ends_with("Connection: close\r\n\r\n"));
}

}  // namespace
}  // namespace ikesteer::frontend::http
