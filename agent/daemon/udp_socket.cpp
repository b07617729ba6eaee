#include "agent/daemon/udp_socket.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace ikesteer::agent::daemon {
namespace {

std::string error_text(std::string_view what) {
  return std::string(what) + ": " + std::strerror(errno);
}

Result<int, std::string> open_socket(IpFamily family) {
  const int fd = ::socket(family == IpFamily::V4 ? AF_INET : AF_INET6,
                          SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(error_text("socket"));
  return fd;
}

}  // namespace

Result<UdpSocket, std::string> UdpSocket::bound_to(const UdpEndpoint& local) {
  auto fd = open_socket(local.address.family());
  if (!fd) return fail(fd.error());
  UdpSocket socket(*fd);
  const SocketAddress address = to_socket_address(local);
  if (::bind(socket.fd_, address.get(), address.size) != 0)
    return fail(error_text("bind " + local.to_string()));
  return socket;
}

Result<UdpSocket, std::string> UdpSocket::unbound(IpFamily family) {
  auto fd = open_socket(family);
  if (!fd) return fail(fd.error());
  return UdpSocket(*fd);
}

UdpSocket::UdpSocket(UdpSocket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

Result<void, std::string> UdpSocket::send_to(const UdpEndpoint& to,
                                             std::span<const std::byte> bytes) {
  const SocketAddress address = to_socket_address(to);
  if (::sendto(fd_, bytes.data(), bytes.size(), 0, address.get(), address.size) < 0)
    return fail(error_text("send to " + to.to_string()));
  return {};
}

std::optional<ReceivedDatagram> UdpSocket::receive(std::span<std::byte> buffer) {
  sockaddr_storage source{};
  socklen_t source_size = sizeof source;
  const ssize_t n = ::recvfrom(fd_, buffer.data(), buffer.size(), MSG_TRUNC,
                               reinterpret_cast<sockaddr*>(&source), &source_size);
  if (n < 0) return std::nullopt;
  const auto from = from_socket_address(source);
  if (!from) return std::nullopt;
  const auto size = static_cast<std::size_t>(n);
  return ReceivedDatagram{size > buffer.size() ? buffer.size() + 1 : size, *from};
}

}  // namespace ikesteer::agent::daemon
