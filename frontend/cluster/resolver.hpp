// Asynchronous name resolution with c-ares on a libuv loop, for members given by host name.
// c-ares 1.18 has no event thread: its sockets are watched with one uv_poll each (told by its
// socket-state callback) and its retransmissions are driven by a uv_timer set from
// ares_timeout(). Uses c-ares' defaults otherwise: /etc/resolv.conf, /etc/hosts.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace ikesteer::frontend {

struct Resolution {
  std::vector<IpAddress> addresses;  // A and AAAA, in c-ares' order (RFC 6724), no duplicates
  Duration ttl{};  // smallest TTL of the answer (CNAMEs included); 0 from /etc/hosts
};

using ResolveCallback = std::function<void(Result<Resolution, std::string>)>;

struct ResolverOptions {
  Duration timeout = std::chrono::seconds(2);  // first wait for a server's answer
  int tries = 2;                               // per server
};

class Resolver {
 public:
  // When c-ares cannot start (out of memory, say), every lookup fails with the reason.
  explicit Resolver(uv_loop_t* loop, const ResolverOptions& options = {});
  // Lookups still running end without calling back; the loop must run on for a moment to close
  // the resolver's handles.
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Looks up A and AAAA records of `host` (an address literal resolves to itself). `done` is
  // called once, later, on the loop thread; errors read "<host>: <c-ares message>".
  void resolve(const std::string& host, ResolveCallback done);

  struct Core;  // the c-ares channel and handles; outlives the Resolver until they are closed

 private:
  Core* core_;
};

}  // namespace ikesteer::frontend
