// A UDP address and port: as the agent's configuration writes it ("192.0.2.1:7701",
// "[2001:db8::1]:7701") and as the socket calls take it.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/ip_address.hpp"

namespace ikesteer::agent::daemon {

struct UdpEndpoint {
  IpAddress address;
  std::uint16_t port = 0;
  bool operator==(const UdpEndpoint&) const = default;

  std::string to_string() const;  // the form parse_udp_endpoint() reads
};

// "address:port", with the IPv6 address in brackets; port 1..65535.
std::optional<UdpEndpoint> parse_udp_endpoint(std::string_view text);

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t size = 0;
  const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
};

SocketAddress to_socket_address(const UdpEndpoint& endpoint) noexcept;
// Empty for anything but AF_INET and AF_INET6.
std::optional<UdpEndpoint> from_socket_address(const sockaddr_storage& address) noexcept;

}  // namespace ikesteer::agent::daemon
