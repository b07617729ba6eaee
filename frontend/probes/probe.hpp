// A health probe is an I/O adapter: one attempt at a time, bounded by its timeout, reporting
// one result on the libuv loop thread. Verdicts (rise/fall, states) are health/'s job.
#pragma once

#include <functional>
#include <string>

#include "common/clock.hpp"

namespace ikesteer::frontend {

struct ProbeResult {
  bool ok = false;
  Duration latency{};  // from the start of the attempt to the result
  std::string detail;  // why: "INVALID_KE_PAYLOAD", "timeout", "connect: refused", "exit 3", ...
};

using ProbeCallback = std::function<void(ProbeResult)>;

class Probe {
 public:
  virtual ~Probe() = default;
  // Starts one attempt. `done` is called exactly once, later, on the loop thread (never from
  // inside run()), unless the probe is destroyed first; then it is never called. run() is not
  // called again before `done` has been.
  virtual void run(ProbeCallback done) = 0;
};

}  // namespace ikesteer::frontend
