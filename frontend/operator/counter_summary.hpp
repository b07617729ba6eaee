// Counters summed over the event loops, and the one-line summaries the daemon logs every
// minute and at shutdown (only the non-zero counters, `name=value` each). Both follow the
// declarations in counter_declarations.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>

#include "frontend/cluster/agent_command_counters.hpp"
#include "frontend/cluster/health_counters.hpp"
#include "frontend/operator/counter_totals.hpp"
#include "frontend/packet/datagram_batch.hpp"
#include "frontend/packet/dns_handler.hpp"
#include "frontend/packet/ike_handler.hpp"

namespace ikesteer::frontend {

// `transport`: the IKE sockets' workers only.
IkeTotals sum(std::span<const IkeCounters> loops, std::span<const UdpTransportCounters> transport);
// `transport`: the DNS UDP sockets' workers only.
DnsTotals sum(std::span<const DnsCounters> threads,
              std::span<const UdpTransportCounters> transport);

// Non-zero drop counters by reason, IKE ("ike.<reason>") and DNS ("dns.<reason>").
std::map<std::string, std::uint64_t> drop_counters(const IkeTotals& ike, const DnsTotals& dns);

std::string summary(const IkeTotals& totals);
std::string summary(const DnsTotals& totals);
std::string summary(const HealthCounters& counters);
std::string summary(const AgentCommandCounters& counters);

}  // namespace ikesteer::frontend
