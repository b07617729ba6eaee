// IpAddress + port <-> sockaddr, the one place that knows the BSD socket address layouts.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "common/ip_address.hpp"

namespace ikesteer::frontend {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  static SocketAddress from(const IpAddress& address, std::uint16_t port) noexcept;
  IpAddress address() const noexcept;
  std::uint16_t port() const noexcept;
  std::string to_string() const;  // "192.0.2.1:500", "[2001:db8::1]:500"
  const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() noexcept { return reinterpret_cast<sockaddr*>(&storage); }
};

}  // namespace ikesteer::frontend
