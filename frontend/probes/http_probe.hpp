// The HTTP(S) probe: one GET (http_client.hpp) on libuv's threadpool, judged on the status and
// optionally a substring of the body. The attempt is bounded by its timeout on the loop, whatever
// the worker thread is doing; a worker that finishes after the attempt ended is ignored.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "common/ip_address.hpp"
#include "frontend/probes/probe.hpp"
#include "frontend/probes/uv_attempt.hpp"

namespace ikesteer::frontend {

struct HttpProbeOptions {
  IpAddress address;
  std::uint16_t port = 80;
  bool tls = false;  // https (the certificate is not verified: see http_client.cpp)
  std::string host;  // Host header and TLS SNI; "" = the address
  std::string path = "/";
  unsigned expect_status = 200;
  std::string expect_body;  // the body must contain it; "" = any body
  Duration timeout = std::chrono::milliseconds(500);
};

// ok with detail "HTTP 200"; failed with "HTTP 503", "HTTP 200 without \"ready\"", "timeout",
// "connect: connection refused", "tls: wrong version number", ...
// Each attempt holds a threadpool thread for up to its timeout (UV_THREADPOOL_SIZE, default 4).
class HttpProbe final : public Probe {
 public:
  HttpProbe(uv_loop_t* loop, const HttpProbeOptions& options) : loop_(loop), options_(options) {}
  void run(ProbeCallback done) override;

 private:
  uv_loop_t* loop_;
  HttpProbeOptions options_;
  AttemptSlot attempt_;
};

}  // namespace ikesteer::frontend
