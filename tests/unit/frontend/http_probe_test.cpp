#include "frontend/probes/http_probe.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>

#include "frontend/probes/http_client.hpp"
#include "probe_test_support.hpp"

namespace ikesteer::frontend {
namespace {

using namespace std::chrono_literals;

const IpAddress kLoopback = *IpAddress::parse("127.0.0.1");

std::string response(std::string_view status, std::string_view body) {
  return "HTTP/1.1 " + std::string(status) + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nContent-Type: text/plain\r\n\r\n" + std::string(body);
}

HttpProbeOptions options(std::uint16_t port) {
  HttpProbeOptions o;
  o.address = kLoopback;
  o.port = port;
  o.timeout = 2s;
  return o;
}

// --- the response parser -------------------------------------------------------------------

HttpResponse parse(std::string_view raw) {
  auto r = parse_http_response(raw);
  REQUIRE(r.has_value());
  return *r;
}

TEST_CASE("parser: head, Content-Length, and what is still missing") {
  CHECK_FALSE(parse("").head);
  CHECK_FALSE(parse("HTTP/1.1 200 OK\r\nContent-Le").head);
  HttpResponse r = parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");
  CHECK(r.head);
  CHECK(r.status == 200);
  CHECK(r.body == "hello");
  CHECK_FALSE(r.complete);
  r = parse("HTTP/1.0 404 Not Found\r\ncontent-length:  5 \r\n\r\nhello, and more");
  CHECK(r.status == 404);
  CHECK(r.body == "hello");
  CHECK(r.complete);
  r = parse("HTTP/1.1 200\r\n\r\nuntil close");  // no reason phrase, no length
  CHECK(r.body == "until close");
  CHECK_FALSE(r.complete);
  CHECK(parse("HTTP/1.1 204 No Content\r\n\r\n").complete);
}

TEST_CASE("parser: chunked bodies are decoded, interim responses skipped") {
  const std::string chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
      "3;ext=1\r\nrea\r\n2\r\ndy\r\n";
  HttpResponse r = parse(chunked);
  CHECK(r.body == "ready");
  CHECK_FALSE(r.complete);
  r = parse(chunked + "0\r\n\r\n");
  CHECK(r.complete);
  r = parse(chunked.substr(0, chunked.size() - 3));  // cut inside the second chunk
  CHECK(r.body == "read");
  r = parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n");
  CHECK(r.status == 503);
  CHECK(r.complete);
}

TEST_CASE("parser: malformed responses are errors") {
  CHECK_FALSE(parse_http_response("SSH-2.0-OpenSSH_9.2\r\n"));
  CHECK_FALSE(parse_http_response("HTTP/1.1 2x0 OK\r\n\r\n"));
  CHECK_FALSE(parse_http_response("HTTP/1.1 2000 OK\r\n\r\n"));
  CHECK_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nno colon\r\n\r\n"));
  CHECK_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"));
  CHECK_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
  CHECK_FALSE(parse_http_response(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY0\r\n\r\n"));
}

// --- the probe over loopback -----------------------------------------------------------------

TEST_CASE("http probe: the request, then status and body decide") {
  test::TestLoop loop;
  SUBCASE("200 with the expected body") {
    test::HttpPeer server({.response = response("200 OK", "status: ready\n")});
    HttpProbeOptions o = options(server.port());
    o.path = "/health?full=1";
    o.host = "health.example";
    o.expect_body = "ready";
    HttpProbe probe(loop.get(), o);
    const ProbeResult r = loop.run(probe);
    CHECK(r.ok);
    CHECK(r.detail == "HTTP 200");
    const std::string request = server.last_request();
    CHECK(request.starts_with("GET /health?full=1 HTTP/1.1\r\n"));
    CHECK(request.find("\r\nHost: health.example:" + std::to_string(server.port()) + "\r\n") !=
          std::string::npos);
    CHECK(request.find("\r\nConnection: close\r\n") != std::string::npos);
  }
  SUBCASE("the Host header defaults to the address") {
    test::HttpPeer server({.response = response("200 OK", "")});
    HttpProbe probe(loop.get(), options(server.port()));
    CHECK(loop.run(probe).ok);
    CHECK(server.last_request().find("\r\nHost: 127.0.0.1:" + std::to_string(server.port())) !=
          std::string::npos);
  }
  SUBCASE("another status") {
    test::HttpPeer server({.response = response("503 Service Unavailable", "ready")});
    HttpProbe probe(loop.get(), options(server.port()));
    const ProbeResult r = loop.run(probe);
    CHECK_FALSE(r.ok);
    CHECK(r.detail == "HTTP 503");
  }
  SUBCASE("the expected status is configurable") {
    test::HttpPeer server({.response = response("204 No Content", "")});
    HttpProbeOptions o = options(server.port());
    o.expect_status = 204;
    HttpProbe probe(loop.get(), o);
    CHECK(loop.run(probe).ok);
  }
  SUBCASE("the body lacks the text") {
    test::HttpPeer server({.response = response("200 OK", "starting")});
    HttpProbeOptions o = options(server.port());
    o.expect_body = "ready";
    HttpProbe probe(loop.get(), o);
    const ProbeResult r = loop.run(probe);
    CHECK_FALSE(r.ok);
    CHECK(r.detail == "HTTP 200 without \"ready\"");
  }
  SUBCASE("chunked, the text split over two chunks") {
    test::HttpPeer server({.response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                       "3\r\nrea\r\n2\r\ndy\r\n0\r\n\r\n"});
    HttpProbeOptions o = options(server.port());
    o.expect_body = "ready";
    HttpProbe probe(loop.get(), o);
    CHECK(loop.run(probe).ok);
  }
  SUBCASE("a large response is read up to 64 KiB") {
    test::HttpPeer server({.response = response("200 OK", "ready" + std::string(300 * 1024, 'x'))});
    HttpProbeOptions o = options(server.port());
    o.expect_body = "ready";
    HttpProbe probe(loop.get(), o);
    CHECK(loop.run(probe).ok);
  }
  SUBCASE("not HTTP") {
    test::HttpPeer server({.response = "SSH-2.0-OpenSSH_9.2\r\n"});
    HttpProbe probe(loop.get(), options(server.port()));
    const ProbeResult r = loop.run(probe);
    CHECK_FALSE(r.ok);
    CHECK(r.detail == "not an HTTP response");
  }
}

TEST_CASE("http probe: refused, silent") {
  test::TestLoop loop;
  SUBCASE("nothing listening") {
    HttpProbe probe(loop.get(), options(test::closed_tcp_port()));
    const ProbeResult r = loop.run(probe);
    CHECK_FALSE(r.ok);
    CHECK(r.detail == "connect: connection refused");
  }
  SUBCASE("a server that never answers: the attempt ends at its timeout") {
    test::HttpPeer server({.response = "", .tls = false, .silent = true});
    HttpProbeOptions o = options(server.port());
    o.timeout = 150ms;
    HttpProbe probe(loop.get(), o);
    const ProbeResult r = loop.run(probe);
    CHECK_FALSE(r.ok);
    CHECK(r.detail == "timeout");
    CHECK(r.latency >= 145ms);  // libuv timers run on a coarse millisecond clock
    CHECK(r.latency < 1s);
  }
}

TEST_CASE("https probe: self-signed certificate, SNI") {
  test::TestLoop loop;
  SUBCASE("accepted without verification; SNI is the host") {
    test::HttpPeer server({.response = response("200 OK", "ready"), .tls = true});
    HttpProbeOptions o = options(server.port());
    o.tls = true;
    o.host = "health.example";
    o.expect_body = "ready";
    HttpProbe probe(loop.get(), o);
    const ProbeResult r = loop.run(probe);
    CHECK(r.ok);
    CHECK(r.detail == "HTTP 200");
    CHECK(server.last_sni() == "health.example");
    CHECK(server.last_request().starts_with("GET / HTTP/1.1\r\n"));
  }
  SUBCASE("no SNI for an address") {
    test::HttpPeer server({.response = response("200 OK", ""), .tls = true});
    HttpProbeOptions o = options(server.port());
    o.tls = true;
    HttpProbe probe(loop.get(), o);
    CHECK(loop.run(probe).ok);
    CHECK(server.last_sni().empty());
  }
  SUBCASE("a plain HTTP server") {
    test::HttpPeer server({.response = response("200 OK", "")});
    HttpProbeOptions o = options(server.port());
    o.tls = true;
    HttpProbe probe(loop.get(), o);
    const ProbeResult r = loop.run(probe);
    CHECK_FALSE(r.ok);
    CHECK(r.detail.starts_with("tls: "));
  }
}

TEST_CASE("destroying an http probe mid-request: no callback, the worker is let go") {
  test::HttpPeer server({.response = "", .tls = false, .silent = true});
  test::TestLoop loop;
  bool called = false;
  auto probe = std::make_unique<HttpProbe>(loop.get(), options(server.port()));
  probe->run([&](ProbeResult) { called = true; });
  uv_run(loop.get(), UV_RUN_NOWAIT);
  probe.reset();
  const auto start = Clock::now();
  loop.drain();  // waits for the worker, which sees the cancellation
  CHECK_FALSE(called);
  CHECK(Clock::now() - start < 1s);
}

}  // namespace
}  // namespace ikesteer::frontend
