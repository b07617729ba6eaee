// Counter totals summed over the threads, one struct per protocol.
#pragma once

#include "frontend/packet/datagram_batch.hpp"
#include "frontend/packet/dns_handler.hpp"
#include "redirect/responder.hpp"

namespace ikesteer::frontend {

struct IkeTotals {
  redirect::ResponderCounters responder;
  UdpTransportCounters transport;
};

struct DnsTotals {
  dns::AuthorityCounters authority;  // UDP and TCP
  dns::RateLimiterCounters rate_limit;
};

}  // namespace ikesteer::frontend
