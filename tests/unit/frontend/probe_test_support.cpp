#include "probe_test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "test_certificate.hpp"

namespace ikesteer::frontend::test {
namespace {

using namespace std::chrono_literals;

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// Binds `fd` to 127.0.0.1 on a free port and returns the port.
std::uint16_t bind_loopback(int fd) {
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("bind");
  return ntohs(a.sin_port);
}

void set_receive_timeout(int fd, std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>(t.count() % 1000 * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

// A server context with a self-signed certificate for "health.example".
SSL_CTX* self_signed_context() {
  const TestCertificate made("health.example");
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx || SSL_CTX_use_certificate(ctx, made.certificate()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, made.key()) != 1)
    throw std::runtime_error("self-signed certificate");
  return ctx;
}

// A port on 127.0.0.1 that a socket of `type` was bound to, then closed.
std::uint16_t closed_port(int type) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  const std::uint16_t port = bind_loopback(fd);
  ::close(fd);
  return port;
}

}  // namespace

UdpPeer::UdpPeer(Answer answer) : answer_(std::move(answer)) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  port_ = bind_loopback(fd_);
  set_receive_timeout(fd_, 20ms);
  thread_ = std::thread([this] { serve(); });
}

UdpPeer::~UdpPeer() {
  stop_ = true;
  thread_.join();
  ::close(fd_);
}

std::vector<Bytes> UdpPeer::received() const {
  const std::lock_guard lock(mutex_);
  return received_;
}

void UdpPeer::serve() {
  std::array<std::byte, 4096> buf;
  while (!stop_) {
    sockaddr_storage from{};
    socklen_t len = sizeof from;
    const ssize_t n =
        ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) continue;
    const auto datagram = std::span<const std::byte>(buf.data(), static_cast<std::size_t>(n));
    {
      const std::lock_guard lock(mutex_);
      received_.emplace_back(datagram.begin(), datagram.end());
    }
    for (const Bytes& reply : answer_(datagram))
      ::sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  }
}

std::uint16_t closed_tcp_port() {
  return closed_port(SOCK_STREAM);
}

std::uint16_t closed_udp_port() {
  return closed_port(SOCK_DGRAM);
}

TcpListener::TcpListener(int backlog) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
  port_ = bind_loopback(fd_);
  ::listen(fd_, backlog);
}

TcpListener::~TcpListener() {
  ::close(fd_);
}

HttpPeer::HttpPeer(Options options) : options_(std::move(options)) {
  // OpenSSL writes with write(2): a client that has gone must not kill the test with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  if (options_.tls) tls_ = self_signed_context();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  port_ = bind_loopback(fd_);
  ::listen(fd_, 8);
  thread_ = std::thread([this] { serve(); });
}

HttpPeer::~HttpPeer() {
  stop_ = true;
  thread_.join();
  ::close(fd_);
  SSL_CTX_free(tls_);
}

std::string HttpPeer::last_request() const {
  const std::lock_guard lock(mutex_);
  return request_;
}

std::string HttpPeer::last_sni() const {
  const std::lock_guard lock(mutex_);
  return sni_;
}

void HttpPeer::serve() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) != 1) continue;
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    handle(fd);
    ::close(fd);
  }
}

void HttpPeer::handle(int fd) {
  if (options_.silent) {
    while (!stop_) std::this_thread::sleep_for(10ms);
    return;
  }
  set_receive_timeout(fd, 300ms);
  SSL* ssl = nullptr;
  if (tls_) {
    ssl = SSL_new(tls_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
      SSL_free(ssl);
      return;
    }
    const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    const std::lock_guard lock(mutex_);
    sni_ = sni ? sni : "";
  }
  // Reads the request head, or whatever comes within the receive timeout.
  std::string request;
  std::array<char, 4096> buf;
  while (request.find("\r\n\r\n") == std::string::npos) {
    const int n = ssl ? SSL_read(ssl, buf.data(), static_cast<int>(buf.size()))
                      : static_cast<int>(::recv(fd, buf.data(), buf.size(), 0));
    if (n <= 0) break;
    request.append(buf.data(), static_cast<std::size_t>(n));
  }
  {
    const std::lock_guard lock(mutex_);
    request_ = request;
  }
  std::string_view out = options_.response;
  while (!out.empty()) {
    const int n = ssl ? SSL_write(ssl, out.data(), static_cast<int>(out.size()))
                      : static_cast<int>(::send(fd, out.data(), out.size(), MSG_NOSIGNAL));
    if (n <= 0) break;
    out.remove_prefix(static_cast<std::size_t>(n));
  }
  if (ssl) {
    SSL_shutdown(ssl);
    SSL_free(ssl);
  }
}

}  // namespace ikesteer::frontend::test
