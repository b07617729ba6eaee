#include "frontend/os/udp_socket.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "frontend/os/socket_address.hpp"

namespace ikesteer::frontend {

Result<UdpSocket, std::string> UdpSocket::bind(const IpAddress& address, std::uint16_t port,
                                               bool freebind) {
  const SocketAddress sa = SocketAddress::from(address, port);
  const std::string where = sa.to_string();
  int fd = ::socket(sa.storage.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(where + ": socket: " + std::strerror(errno));
  UdpSocket s(fd);
  const int one = 1;
  // A larger receive queue absorbs bursts while a loop is busy with a batch.
  const int rcvbuf = 4 << 20;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0 ||
      (!address.is_v4() && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
      (freebind &&
       ::setsockopt(fd, address.is_v4() ? IPPROTO_IP : IPPROTO_IPV6,
                    address.is_v4() ? IP_FREEBIND : IPV6_FREEBIND, &one, sizeof one) != 0))
    return fail(where + ": setsockopt: " + std::strerror(errno));
  if (::bind(fd, sa.get(), sa.length) != 0) return fail(where + ": bind: " + std::strerror(errno));
  return s;
}

UdpSocket& UdpSocket::operator=(UdpSocket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace ikesteer::frontend
