// The one place that turns a probe's configuration into the I/O adapter that runs it.
#pragma once

#include <uv.h>

#include <memory>

#include "common/ip_address.hpp"
#include "frontend/config/config.hpp"
#include "frontend/probes/probe.hpp"

namespace ikesteer::frontend {

// `target`: the address to probe (the probe's own, or the member's). Its timeout is
// probe.timing.timeout.
std::unique_ptr<Probe> make_probe(uv_loop_t* loop, const ProbeConfig& probe,
                                  const IpAddress& target);

}  // namespace ikesteer::frontend
