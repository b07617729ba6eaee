// The IKE liveness probe: one IKE_SA_INIT that a live IKEv2 responder refuses at once and
// statelessly (redirect/ike_probe.hpp), over UDP from a fresh socket with a fresh SPI and nonce
// per attempt. Up when an answer to exactly this request arrives; an ICMP error on the
// connected socket fails the attempt at once.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>

#include "common/ip_address.hpp"
#include "frontend/probes/probe.hpp"
#include "frontend/probes/uv_attempt.hpp"

namespace ikesteer::frontend {

struct IkeProbeOptions {
  IpAddress address;
  std::uint16_t port = 500;  // 4500 sends and expects the non-ESP marker (RFC 3948 §2.2)
  Duration timeout = std::chrono::milliseconds(500);
};

// ok with detail = the answer ("INVALID_KE_PAYLOAD", "NO_PROPOSAL_CHOSEN", "COOKIE", "SA", ...);
// failed with "timeout", "send: <error>", "recv: connection refused", ...
class IkeProbe final : public Probe {
 public:
  IkeProbe(uv_loop_t* loop, const IkeProbeOptions& options) : loop_(loop), options_(options) {}
  void run(ProbeCallback done) override;

 private:
  uv_loop_t* loop_;
  IkeProbeOptions options_;
  AttemptSlot attempt_;
};

}  // namespace ikesteer::frontend
