// Non-blocking UDP sockets bound to one address and port, shared between event loops with
// SO_REUSEPORT so the kernel spreads clients over the loops.
#pragma once

#include <cstdint>
#include <string>

#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace ikesteer::frontend {

// Owns a file descriptor.
class UdpSocket {
 public:
  // `freebind` (IP_FREEBIND / IPV6_FREEBIND): the address need not be on this host yet (a VIP
  // that keepalived adds later, an address the front end adopts on failover); datagrams arrive
  // once it is added.
  static Result<UdpSocket, std::string> bind(const IpAddress& address, std::uint16_t port,
                                             bool freebind = false);
  UdpSocket(UdpSocket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  UdpSocket& operator=(UdpSocket&& o) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  ~UdpSocket();

  int fd() const noexcept { return fd_; }

 private:
  explicit UdpSocket(int fd) noexcept : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace ikesteer::frontend
