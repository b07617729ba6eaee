// Counter totals summed over the threads, one struct per protocol. Each protocol's datagram
// transport (oversize datagrams, refused sends) is counted with that protocol.
#pragma once

#include "frontend/packet/datagram_batch.hpp"
#include "frontend/packet/dns_handler.hpp"
#include "redirect/responder.hpp"

namespace ikesteer::frontend {

struct IkeTotals {
  redirect::ResponderCounters responder;
  UdpTransportCounters transport;  // the IKE sockets only
};

struct DnsTotals {
  dns::AuthorityCounters authority;  // UDP and TCP
  dns::RateLimiterCounters rate_limit;
  UdpTransportCounters transport;  // the DNS UDP sockets
};

}  // namespace ikesteer::frontend
