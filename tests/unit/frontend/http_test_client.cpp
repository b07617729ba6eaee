#include "http_test_client.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>

namespace ikesteer::frontend::test {

std::optional<Response> parse_response_head(std::string_view head) {
  if (!head.starts_with("HTTP/1.1 ") || head.size() < 12) return std::nullopt;
  Response r;
  r.status = static_cast<unsigned>(std::stoul(std::string(head.substr(9, 3))));
  std::size_t line = head.find("\r\n");
  while (line != std::string_view::npos) {
    const std::size_t next = head.find("\r\n", line + 2);
    const std::string_view field = head.substr(
        line + 2, next == std::string_view::npos ? std::string_view::npos : next - line - 2);
    const std::size_t colon = field.find(':');
    std::string name(field.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::size_t value = field.find_first_not_of(' ', colon + 1);
    r.headers[name] = value == std::string_view::npos ? "" : std::string(field.substr(value));
    line = next;
  }
  return r;
}

Client::Client(std::uint16_t port, SSL_CTX* tls, int receive_buffer)
    : Client(SocketAddress::from(*IpAddress::parse("127.0.0.1"), port), tls, receive_buffer) {}

Client::Client(const SocketAddress& address, SSL_CTX* tls, int receive_buffer) {
  fd_ = ::socket(address.storage.ss_family, SOCK_STREAM, 0);
  if (receive_buffer > 0)
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  timeval tv{10, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  connected_ = ::connect(fd_, address.get(), address.length) == 0;
  if (connected_ && tls != nullptr) {
    ssl_ = SSL_new(tls);
    SSL_set_fd(ssl_, fd_);
    connected_ = SSL_connect(ssl_) == 1;
  }
}

Client::~Client() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  ::close(fd_);
}

bool Client::send(std::string_view data) {
  if (ssl_ != nullptr)
    return SSL_write(ssl_, data.data(), static_cast<int>(data.size())) ==
           static_cast<int>(data.size());
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void Client::shutdown_write() {
  ::shutdown(fd_, SHUT_WR);
}

bool Client::receive() {
  char buffer[16384];
  errno = 0;
  const ssize_t n = ssl_ != nullptr ? SSL_read(ssl_, buffer, sizeof buffer)
                                    : ::recv(fd_, buffer, sizeof buffer, 0);
  if (n > 0) {
    pending_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }
  timed_out_ = errno == EAGAIN || errno == EWOULDBLOCK;
  return false;
}

std::optional<Response> Client::read_response() {
  std::size_t end;
  while ((end = pending_.find("\r\n\r\n")) == std::string::npos)
    if (!receive()) return std::nullopt;
  std::optional<Response> r = parse_response_head(std::string_view(pending_).substr(0, end));
  if (!r) return std::nullopt;
  const std::size_t length =
      r->headers.contains("content-length") ? std::stoul(r->headers["content-length"]) : 0;
  while (pending_.size() < end + 4 + length)
    if (!receive()) return std::nullopt;
  r->body = pending_.substr(end + 4, length);
  pending_.erase(0, end + 4 + length);
  return r;
}

std::string Client::read_until(std::string_view needle) {
  while (pending_.find(needle) == std::string::npos && receive()) {
  }
  return pending_;
}

bool Client::closed_by_server() {
  while (receive()) {
  }
  return !timed_out_;
}

}  // namespace ikesteer::frontend::test
