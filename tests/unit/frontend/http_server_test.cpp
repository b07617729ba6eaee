// The operator HTTP server over real sockets on loopback: routing, limits, deadlines, streams,
// TLS, garbage, and shutdown with clients connected.
#include "frontend/http/http_server.hpp"

#include <doctest/doctest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "frontend/os/close_on_exec.hpp"
#include "frontend/os/socket_address.hpp"
#include "http_test_client.hpp"
#include "temp_dir.hpp"
#include "test_certificate.hpp"

namespace ikesteer::frontend::http {
namespace {

using namespace std::chrono_literals;

const IpAddress kLoopback = *IpAddress::parse("127.0.0.1");

using test::Client;
using test::Response;

HttpResponse text(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

std::string get(std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra) + "\r\n";
}

std::optional<Response> round_trip(Client& c, const std::string& request) {
  if (!c.send(request)) return std::nullopt;
  return c.read_response();
}

HttpServerOptions loopback_options() {
  HttpServerOptions o;
  o.listen = {Endpoint{kLoopback, 0}};
  return o;
}

// Counts the events a stream source hands out: "data: 0", "data: 1", ... up to `limit`.
struct Counter {
  std::atomic<std::uint64_t> limit{3};
  SseSource source() {
    return [this](std::uint64_t& cursor) -> std::optional<std::string> {
      if (cursor >= limit) return std::nullopt;
      return "data: " + std::to_string(cursor++) + "\n\n";
    };
  }
};

// A server with the routes the tests use, started on 127.0.0.1 with an ephemeral port.
class TestServer {
 public:
  explicit TestServer(HttpServerOptions options = loopback_options())
      : server_(std::move(options)) {
    server_.route("GET", "/hello", [](const HttpRequest&) { return text("hello"); });
    server_.route("POST", "/echo", [](const HttpRequest& r) {
      HttpResponse response = text(r.body);
      response.headers = {{"X-Method", r.method},
                          {"X-Content-Type", r.content_type},
                          {"X-Authorization", r.authorization},
                          {"X-Peer", r.peer.to_string()}};
      return response;
    });
    server_.route("GET", "/query", [](const HttpRequest& r) {
      std::string body;
      for (const auto& [k, v] : r.query) body += "[" + k + "]=[" + v + "]";
      return text(body);
    });
    server_.route_prefix("GET", "/api/",
                         [](const HttpRequest& r) { return text("api " + r.path); });
    server_.route_prefix("POST", "/api/v1/members/",
                         [](const HttpRequest& r) { return text("member " + r.path); });
    server_.route("GET", "/throw", [](const HttpRequest&) -> HttpResponse {
      throw std::runtime_error("handler bug");
    });
    server_.route("GET", "/json", [](const HttpRequest&) {
      HttpResponse r = text("{}");
      r.status = 201;
      r.content_type = "application/json";
      r.headers = {{"X-Extra", "1"}, {"Cache-Control", "max-age=60"}};
      return r;
    });
    server_.stream("/events", counter.source());
    server_.stream("/broken", [](std::uint64_t&) -> std::optional<std::string> {
      throw std::runtime_error("source bug");
    });
    auto started = server_.start();
    REQUIRE_MESSAGE(started.has_value(), started.error());
    port = server_.ports().at(0);
  }

  HttpServer& server() { return server_; }

  Counter counter;
  std::uint16_t port = 0;

 private:
  HttpServer server_;
};

TEST_CASE("routing: exact paths, prefixes, 404, 405, and the headers of every response") {
  TestServer s;
  Client c(s.port);
  REQUIRE(c.connected());

  auto r = round_trip(c, get("/hello"));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "hello");
  CHECK(r->header("content-type") == "text/plain; charset=utf-8");
  CHECK(r->header("cache-control") == "no-store");
  CHECK(r->header("x-content-type-options") == "nosniff");
  CHECK(r->header("server") == "ikesteer");

  r = round_trip(c, get("/api/v1/status"));
  REQUIRE(r);
  CHECK(r->body == "api /api/v1/status");
  r = round_trip(
      c, "POST /api/v1/members/m%201/drain HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
  REQUIRE(r);
  CHECK(r->body == "member /api/v1/members/m%201/drain");  // the path is not decoded

  r = round_trip(c, get("/nothing"));
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(r->header("content-type") == "application/json");
  CHECK(r->body == R"({"error":"not found"})");
  CHECK(r->header("cache-control") == "no-store");

  r = round_trip(c, "DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  REQUIRE(r);
  CHECK(r->status == 405);
  CHECK(r->header("allow") == "GET");
  r = round_trip(c, get("/api/v1/members/m1"));  // the longest prefix only has POST
  REQUIRE(r);
  CHECK(r->status == 405);
  CHECK(r->header("allow") == "POST");

  r = round_trip(c, get("/json"));
  REQUIRE(r);
  CHECK(r->status == 201);
  CHECK(r->header("content-type") == "application/json");
  CHECK(r->header("x-extra") == "1");
  CHECK(r->header("cache-control") == "no-store");

  r = round_trip(c, get("/throw"));
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK(r->body == R"({"error":"internal error"})");

  r = round_trip(c, get("/hello"));  // all on one connection
  REQUIRE(r);
  CHECK(r->status == 200);

  Client broken(s.port);  // a stream whose source throws is closed
  REQUIRE(broken.send(get("/broken")));
  CHECK(broken.closed_by_server());
  CHECK(broken.received().empty());
}

TEST_CASE("requests: query decoding, body, headers, peer; bad targets are 400") {
  TestServer s;
  Client c(s.port);
  auto r = round_trip(c, get("/query?a=1&b=x%20y+z&flag&&c=%2F%3f&a=2"));
  REQUIRE(r);
  CHECK(r->body == "[a]=[2][b]=[x y z][c]=[/?][flag]=[]");

  r = round_trip(c, get("/query?a=%zz"));
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(r->header("content-type") == "application/json");

  r = round_trip(c,
                 "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                 "Authorization: Bearer s3cret\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "{\"a\":1}");
  CHECK(r->header("x-method") == "POST");
  CHECK(r->header("x-content-type") == "application/json");
  CHECK(r->header("x-authorization") == "Bearer s3cret");
  CHECK(r->header("x-peer") == "127.0.0.1");

  r = round_trip(c,
                 "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  REQUIRE(r);
  CHECK(r->body == "abcde");

  // Ambiguous framing is refused (RFC 9112 §6.3), and the connection closed.
  for (const char* framing :
       {"Content-Length: 1\r\nTransfer-Encoding: chunked\r\n",
        "Content-Length: 1\r\nContent-Length: 2\r\n", "Transfer-Encoding: gzip\r\n"}) {
    Client other(s.port);
    r = round_trip(other,
                   "POST /echo HTTP/1.1\r\nHost: t\r\n" + std::string(framing) + "\r\n0\r\n\r\n");
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(other.closed_by_server());
  }

  r = round_trip(c, "GET /hello HTTP/1.1\r\n\r\n");
  REQUIRE(r);
  CHECK(r->status == 400);  // HTTP/1.1 without Host
  r = round_trip(c, "GET http://t/hello HTTP/1.1\r\nHost: t\r\n\r\n");
  REQUIRE(r);
  CHECK(r->status == 400);  // only origin-form targets

  // HTTP/1.0: closed after the response unless the client asks for keep-alive.
  r = round_trip(c, "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  REQUIRE(r);
  CHECK(r->header("connection") == "keep-alive");
  r = round_trip(c, "GET /hello HTTP/1.0\r\n\r\n");
  REQUIRE(r);
  CHECK(r->header("connection") == "close");
  CHECK(c.closed_by_server());
}

TEST_CASE("limits: body (413), header (431), 100-continue") {
  HttpServerOptions o = loopback_options();
  o.max_body_bytes = 16;
  o.max_header_bytes = 1024;
  TestServer s(o);
  {
    Client c(s.port);
    auto r = round_trip(
        c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 16\r\n\r\n" + std::string(16, 'x'));
    REQUIRE(r);
    CHECK(r->status == 200);
    r = round_trip(
        c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 17\r\n\r\n" + std::string(17, 'x'));
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(r->header("content-type") == "application/json");
    CHECK(r->body == R"({"error":"request body too large"})");
    CHECK(r->header("connection") == "close");
    CHECK(c.closed_by_server());
  }
  {
    Client c(s.port);
    auto r = round_trip(c,
                        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "10\r\n0123456789abcdef\r\n1\r\nx\r\n0\r\n\r\n");
    REQUIRE(r);
    CHECK(r->status == 413);
  }
  {
    Client c(s.port);
    auto r = round_trip(c, get("/hello", "X-Big: " + std::string(2000, 'a') + "\r\n"));
    REQUIRE(r);
    CHECK(r->status == 431);
    CHECK(c.closed_by_server());
  }
  {
    Client c(s.port);  // the body is sent only after "100 Continue"
    REQUIRE(
        c.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
               "Content-Length: 4\r\n\r\n"));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 100);
    REQUIRE(c.send("body"));
    r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == "body");
    // Too large: answered at once, without 100 Continue.
    r = round_trip(c,
                   "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                   "Content-Length: 1000\r\n\r\n");
    REQUIRE(r);
    CHECK(r->status == 413);
  }
}

TEST_CASE("read deadline: a client that never finishes its request is cut off") {
  HttpServerOptions o = loopback_options();
  o.read_timeout = 300ms;
  TestServer s(o);
  Client c(s.port);
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(c.send("GET /hello HTTP/1.1\r\nHost: t\r\n"));
  // A byte every 50 ms keeps the connection busy, but the deadline is for the whole request.
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() - start < 10s) {
    c.send("X");
    pollfd p{c.fd(), POLLIN, 0};
    if (::poll(&p, 1, 50) == 1) closed = !c.receive();
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(closed);
  // The deadline runs from the accept, a moment before `start`: allow for that, but no
  // more (a close long before the deadline would be a bug).
  CHECK(elapsed >= 250ms);
  CHECK(c.received().empty());

  Client idle(s.port);  // nothing sent at all
  CHECK(idle.closed_by_server());
}

TEST_CASE("connection cap: excess connections get 503, and room returns") {
  HttpServerOptions o = loopback_options();
  o.max_connections = 2;
  TestServer s(o);
  auto first = std::make_unique<Client>(s.port);
  Client second(s.port);
  REQUIRE(round_trip(*first, get("/hello")));  // both are now open on the server
  REQUIRE(round_trip(second, get("/hello")));

  Client third(s.port);
  CHECK(third.closed_by_server());
  CHECK(third.received().starts_with("HTTP/1.1 503 "));
  CHECK(third.received().ends_with(R"({"error":"too many connections"})"));

  first.reset();  // the server notices the close shortly
  bool served = false;
  for (int attempt = 0; attempt < 200 && !served; ++attempt) {
    Client next(s.port);
    auto r = round_trip(next, get("/hello"));
    served = r && r->status == 200;
    if (!served) std::this_thread::sleep_for(25ms);
  }
  CHECK(served);
}

TEST_CASE("pipelining: answered one at a time, in order, up to max_requests_per_connection") {
  HttpServerOptions o = loopback_options();
  o.max_requests_per_connection = 3;
  TestServer s(o);
  Client c(s.port);
  REQUIRE(c.send(get("/query?n=1") + get("/query?n=2") + get("/nothing") + get("/query?n=4")));
  for (const char* expected : {"[n]=[1]", "[n]=[2]"}) {
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->body == expected);
    CHECK(r->header("connection") == "");
  }
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(r->header("connection") == "close");  // the third of three
  CHECK(c.closed_by_server());
  CHECK(c.received().empty());  // the fourth went unanswered
}

TEST_CASE("server-sent events: chunks as the source yields them, heartbeats, a cap, stop()") {
  HttpServerOptions o = loopback_options();
  o.sse_poll = 20ms;
  o.sse_heartbeat = 100ms;
  o.max_streams = 1;
  TestServer s(o);
  Client c(s.port);
  REQUIRE(c.send(get("/events")));
  auto head = c.read_response();
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->header("content-type") == "text/event-stream; charset=utf-8");
  CHECK(head->header("cache-control") == "no-store");
  CHECK(c.read_until("data: 2\n\n").ends_with("data: 0\n\ndata: 1\n\ndata: 2\n\n"));
  CHECK(c.read_until(": heartbeat\n\n").ends_with(": heartbeat\n\n"));
  s.counter.limit = 5;
  CHECK(c.read_until("data: 4\n\n").find("data: 3\n\ndata: 4\n\n") != std::string::npos);

  {
    Client second(s.port);  // max_streams = 1
    auto r = round_trip(second, get("/events"));
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(r->body == R"({"error":"too many streams"})");
    r = round_trip(second, "POST /events HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
    REQUIRE(r);
    CHECK(r->status == 405);
  }

  s.server().stop();
  CHECK(c.closed_by_server());
}

TEST_CASE("write deadline: a stream nobody reads is closed, freeing its slot") {
  HttpServerOptions o = loopback_options();
  o.sse_poll = 5ms;
  o.write_timeout = 300ms;
  o.max_streams = 1;
  HttpServer server(o);
  const std::string chunk = "data: " + std::string(256 * 1024, 'x') + "\n\n";
  server.stream("/events", [&](std::uint64_t&) { return std::optional<std::string>(chunk); });
  REQUIRE(server.start());
  const std::uint16_t port = server.ports().at(0);

  Client stalled(port, nullptr, 4096);  // never reads past the head
  REQUIRE(stalled.send(get("/events")));
  bool replaced = false;
  for (int attempt = 0; attempt < 200 && !replaced; ++attempt) {
    std::this_thread::sleep_for(50ms);
    Client next(port);
    REQUIRE(next.send(get("/events")));
    auto r = next.read_response();
    replaced = r && r->status == 200;
  }
  CHECK(replaced);
}

// A self-signed P-256 certificate and its key as PEM files in a temporary directory.
class TlsFiles {
 public:
  TlsFiles() {
    const test::TestCertificate made("ops.example");
    FILE* f = std::fopen(certificate().c_str(), "w");
    PEM_write_X509(f, made.certificate());
    std::fclose(f);
    f = std::fopen(key_file().c_str(), "w");
    PEM_write_PrivateKey(f, made.key(), nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
  }
  std::string certificate() const { return dir_.file("cert.pem"); }
  std::string key_file() const { return dir_.file("key.pem"); }

 private:
  const test::TempDir dir_{"ikesteer-http-test"};
};

TEST_CASE("TLS: served with the configured certificate; file errors from start()") {
  std::signal(SIGPIPE, SIG_IGN);  // SSL_write to a closed socket
  TlsFiles files;
  HttpServerOptions o = loopback_options();
  o.tls_certificate = files.certificate();
  o.tls_key = files.key_file();
  o.read_timeout = 2s;
  TestServer s(o);
  SSL_CTX* client_tls = SSL_CTX_new(TLS_client_method());
  {
    Client c(s.port, client_tls);
    REQUIRE(c.connected());
    auto r = round_trip(c, get("/hello"));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == "hello");
    CHECK(r->header("cache-control") == "no-store");
    r = round_trip(c, get("/hello", "Connection: close\r\n"));
    REQUIRE(r);
    CHECK(r->body == "hello");
    CHECK(c.closed_by_server());
  }
  {
    Client plain(s.port);  // plain HTTP to the TLS port: no handshake, closed
    REQUIRE(plain.send(get("/hello")));
    CHECK(plain.closed_by_server());
  }
  {
    Client c(s.port, client_tls);  // still serving
    auto r = round_trip(c, get("/hello"));
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  SSL_CTX_free(client_tls);

  HttpServerOptions bad = o;
  bad.tls_certificate = "/nonexistent/cert.pem";
  auto started = HttpServer(bad).start();
  REQUIRE_FALSE(started);
  CHECK(started.error().find("/nonexistent/cert.pem") != std::string::npos);
  bad = o;
  bad.tls_key.clear();
  CHECK_FALSE(HttpServer(bad).start());
  TlsFiles other;
  bad = o;
  bad.tls_key = other.key_file();
  started = HttpServer(bad).start();
  REQUIRE_FALSE(started);
  CHECK(started.error().starts_with("tls_key " + other.key_file() + ": "));
}

TEST_CASE("start: errors name the endpoint; several endpoints; restart after stop") {
  TestServer s;
  HttpServerOptions o = loopback_options();
  o.listen = {Endpoint{kLoopback, s.port}};
  auto started = HttpServer(o).start();
  REQUIRE_FALSE(started);
  CHECK(started.error().find("127.0.0.1:" + std::to_string(s.port) + ": bind: ") == 0);

  o.listen = {Endpoint{*IpAddress::parse("192.0.2.1"), 0}};  // not on this host
  started = HttpServer(o).start();
  REQUIRE_FALSE(started);
  CHECK(started.error().starts_with("192.0.2.1:0: bind: "));
  CHECK_FALSE(HttpServer(HttpServerOptions{}).start());  // nothing to listen on

  o.listen = {{kLoopback, 0}, {*IpAddress::parse("::1"), 0}};
  HttpServer both(o);
  both.route("GET", "/hello", [](const HttpRequest& r) { return text(r.peer.to_string()); });
  started = both.start();
  REQUIRE_MESSAGE(started, started.error());
  CHECK_FALSE(both.start());  // already running
  REQUIRE(both.ports().size() == 2);
  Client v6(SocketAddress::from(*IpAddress::parse("::1"), both.ports()[1]), nullptr);
  auto r = round_trip(v6, get("/hello"));
  REQUIRE(r);
  CHECK(r->body == "::1");

  both.stop();
  both.stop();  // idempotent
  REQUIRE(both.start());
  Client again(both.ports()[0]);
  r = round_trip(again, get("/hello"));
  REQUIRE(r);
  CHECK(r->body == "127.0.0.1");
}

TEST_CASE("garbage: random bytes never hurt the server") {
  HttpServerOptions o = loopback_options();
  o.read_timeout = 300ms;  // for the clients that stop sending without closing
  o.max_header_bytes = 2048;
  o.max_body_bytes = 1024;
  TestServer s(o);
  std::mt19937 random(20240501);
  const std::vector<std::string> prefixes = {
      "",
      "GET / HTTP/1.1\r\n",
      "GET /hello HTTP/1.1\r\nHost: t\r\n",
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET /query?",
      "GET /events HTTP/1.1\r\nHost: t\r\n\r\n",
  };
  const std::string alphabet = "\r\n:% ?&=/0123456789abcdefGHT\t";
  std::set<std::string> statuses;  // the first response's status line, cut short
  for (int round = 0; round < 10; ++round) {
    std::vector<std::pair<std::unique_ptr<Client>, std::string>> clients;
    for (int i = 0; i < 20; ++i) {
      auto c = std::make_unique<Client>(s.port);
      const std::size_t prefix = random() % prefixes.size();
      std::string bytes = prefixes[prefix];
      const std::size_t n = random() % 3000;
      const bool printable = random() % 2 == 0;  // more likely to get past the first byte
      for (std::size_t k = 0; k < n; ++k)
        bytes += printable ? alphabet[random() % alphabet.size()] : static_cast<char>(random());
      c->send(bytes);
      // Some stop sending without closing: the read deadline ends those (but not a stream).
      if (random() % 4 != 0 || prefixes[prefix].find("/events") != std::string::npos)
        c->shutdown_write();
      clients.emplace_back(std::move(c), bytes.substr(0, 60));
    }
    for (auto& [c, sent] : clients) {
      const std::string what = sent;  // INFO captures it; clang 14 cannot capture a binding
      INFO(what);
      CHECK(c->closed_by_server());
      const std::string& got = c->received();
      CHECK((got.empty() || got.starts_with("HTTP/1.1 ")));
      statuses.insert(got.substr(0, 12));
    }
  }
  CHECK(statuses.contains("HTTP/1.1 400"));  // the seed reaches the parser's errors
  CHECK(statuses.contains("HTTP/1.1 200"));  // ... and the handlers
  Client c(s.port);
  auto r = round_trip(c, get("/hello"));
  REQUIRE(r);
  CHECK(r->body == "hello");
}

TEST_CASE("stop: closes idle, half-sent, and streaming clients promptly") {
  TestServer s;
  Client idle(s.port);
  REQUIRE(round_trip(idle, get("/hello")));
  Client half(s.port);
  REQUIRE(half.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc"));
  Client stream(s.port);
  REQUIRE(stream.send(get("/events")));
  REQUIRE(stream.read_response());
  std::this_thread::sleep_for(50ms);  // let the server read what `half` sent

  const auto start = std::chrono::steady_clock::now();
  s.server().stop();
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(idle.closed_by_server());
  CHECK(half.closed_by_server());
  CHECK(stream.closed_by_server());
  Client late(s.port);
  CHECK_FALSE(late.connected());
}


TEST_CASE("no socket of the server, listening or accepted, is inherited by a child process") {
  TestServer s;
  Client c(s.port);  // an accepted connection, open while the child runs
  REQUIRE(c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(c.read_response().has_value());
  close_on_exec(c.fd());  // the test's own end is not the server's to guard
  // ls -l names each fd the child holds; a socket shows as "socket:[inode]".
  FILE* child = ::popen("ls -l /proc/self/fd/ 2>/dev/null", "r");
  REQUIRE(child != nullptr);
  std::string listing;
  char buffer[4096];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, child))
    listing.append(buffer, n);
  ::pclose(child);
  INFO(listing);
  CHECK(listing.find("socket:") == std::string::npos);
}

}  // namespace
}  // namespace ikesteer::frontend::http
