// Counters summed over the event loops, and the one-line summaries the daemon logs every
// minute and at shutdown (only the non-zero counters, `name=value` each).
#pragma once

#include <span>
#include <string>

#include "frontend/dns_handler.hpp"
#include "frontend/health_counters.hpp"
#include "frontend/ike_handler.hpp"
#include "frontend/udp_worker.hpp"

namespace ikesteer::frontend {

struct IkeTotals {
  redirect::ResponderCounters responder;
  UdpWorkerCounters transport;
};

IkeTotals sum(std::span<const IkeCounters> loops, std::span<const UdpWorkerCounters> transport);
DnsCounters sum(std::span<const DnsCounters> parts);

std::string summary(const IkeTotals& totals);
std::string summary(const DnsCounters& totals);
std::string summary(const HealthCounters& counters);

}  // namespace ikesteer::frontend
