// The TCP probe: up when a connection to address:port is established within the timeout.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>

#include "common/ip_address.hpp"
#include "frontend/probes/probe.hpp"
#include "frontend/probes/uv_attempt.hpp"

namespace ikesteer::frontend {

struct TcpProbeOptions {
  IpAddress address;
  std::uint16_t port = 0;
  Duration timeout = std::chrono::milliseconds(500);
};

// ok with detail "connected"; failed with "timeout", "connect: connection refused", ...
class TcpProbe final : public Probe {
 public:
  TcpProbe(uv_loop_t* loop, const TcpProbeOptions& options) : loop_(loop), options_(options) {}
  void run(ProbeCallback done) override;

 private:
  uv_loop_t* loop_;
  TcpProbeOptions options_;
  AttemptSlot attempt_;
};

}  // namespace ikesteer::frontend
