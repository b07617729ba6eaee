#include "agent/daemon/udp_endpoint.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstddef>
#include <cstring>
#include <span>

namespace ikesteer::agent::daemon {

std::string UdpEndpoint::to_string() const {
  const std::string port_text = ":" + std::to_string(port);
  return address.is_v4() ? address.to_string() + port_text
                         : "[" + address.to_string() + "]" + port_text;
}

std::optional<UdpEndpoint> parse_udp_endpoint(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  else if (host.find(':') != std::string_view::npos)
    return std::nullopt;  // an IPv6 address needs brackets
  const auto address = IpAddress::parse(host);
  unsigned port = 0;
  for (const char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return std::nullopt;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (!address || port == 0 || port > 65535) return std::nullopt;
  return UdpEndpoint{*address, static_cast<std::uint16_t>(port)};
}

SocketAddress to_socket_address(const UdpEndpoint& endpoint) noexcept {
  SocketAddress out;
  const std::span<const std::byte> bytes = endpoint.address.bytes();
  if (endpoint.address.is_v4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(endpoint.port);
    std::memcpy(&sin.sin_addr, bytes.data(), bytes.size());
    std::memcpy(&out.storage, &sin, sizeof sin);
    out.size = sizeof sin;
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(endpoint.port);
    std::memcpy(&sin6.sin6_addr, bytes.data(), bytes.size());
    std::memcpy(&out.storage, &sin6, sizeof sin6);
    out.size = sizeof sin6;
  }
  return out;
}

std::optional<UdpEndpoint> from_socket_address(const sockaddr_storage& address) noexcept {
  if (address.ss_family == AF_INET) {
    sockaddr_in sin{};
    std::memcpy(&sin, &address, sizeof sin);
    std::byte bytes[4];
    std::memcpy(bytes, &sin.sin_addr, sizeof bytes);
    return UdpEndpoint{IpAddress::v4(bytes), ntohs(sin.sin_port)};
  }
  if (address.ss_family == AF_INET6) {
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, &address, sizeof sin6);
    std::byte bytes[16];
    std::memcpy(bytes, &sin6.sin6_addr, sizeof bytes);
    return UdpEndpoint{IpAddress::v6(bytes), ntohs(sin6.sin6_port)};
  }
  return std::nullopt;
}

}  // namespace ikesteer::agent::daemon
