#include "frontend/os/socket_address.hpp"

#include <cstring>

namespace ikesteer::frontend {

SocketAddress SocketAddress::from(const IpAddress& address, std::uint16_t port) noexcept {
  SocketAddress s;
  const auto bytes = address.bytes();
  if (address.is_v4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    std::memcpy(&sin.sin_addr, bytes.data(), 4);
    std::memcpy(&s.storage, &sin, sizeof sin);
    s.length = sizeof sin;
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    std::memcpy(&sin6.sin6_addr, bytes.data(), 16);
    std::memcpy(&s.storage, &sin6, sizeof sin6);
    s.length = sizeof sin6;
  }
  return s;
}

IpAddress SocketAddress::address() const noexcept {
  if (storage.ss_family == AF_INET6) {
    sockaddr_in6 sin6;
    std::memcpy(&sin6, &storage, sizeof sin6);
    std::span<const std::byte, 16> b(reinterpret_cast<const std::byte*>(&sin6.sin6_addr), 16);
    // A v4-mapped source on a dual-stack socket is a v4 client.
    if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) return IpAddress::v4(b.subspan<12, 4>());
    return IpAddress::v6(b);
  }
  sockaddr_in sin;
  std::memcpy(&sin, &storage, sizeof sin);
  return IpAddress::v4(
      std::span<const std::byte, 4>(reinterpret_cast<const std::byte*>(&sin.sin_addr), 4));
}

std::uint16_t SocketAddress::port() const noexcept {
  if (storage.ss_family == AF_INET6) {
    sockaddr_in6 sin6;
    std::memcpy(&sin6, &storage, sizeof sin6);
    return ntohs(sin6.sin6_port);
  }
  sockaddr_in sin;
  std::memcpy(&sin, &storage, sizeof sin);
  return ntohs(sin.sin_port);
}

std::string SocketAddress::to_string() const {
  const IpAddress a = address();
  // Appended piece by piece: g++ 12 warns falsely (-Wrestrict) on "[" + std::string.
  std::string out = a.is_v4() ? "" : "[";
  out += a.to_string();
  out += a.is_v4() ? ":" : "]:";
  out += std::to_string(port());
  return out;
}

}  // namespace ikesteer::frontend
