#include "fake_charon.hpp"

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <stdexcept>
#include <utility>

#include "agent/vici/decode.hpp"
#include "agent/vici/encode.hpp"

namespace ikesteer::agent::test {
namespace {

constexpr int kWaitMs = 5000;

}  // namespace

std::optional<vici::Packet> FakeCharon::Peer::read_packet() {
  std::array<std::byte, 4096> chunk;
  for (;;) {
    const auto next = splitter_.next();
    if (!next) return std::nullopt;
    if (*next) {
      auto packet = vici::decode_packet(**next);
      if (!packet) return std::nullopt;
      received_.push_back(*packet);
      return std::move(packet).value();
    }
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, kWaitMs) != 1) return std::nullopt;
    const ssize_t n = ::recv(fd_, chunk.data(), chunk.size(), 0);
    if (n <= 0) return std::nullopt;
    splitter_.feed(std::span(chunk).first(static_cast<std::size_t>(n)));
  }
}

void FakeCharon::Peer::write(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;  // the agent gave up; the test checks what it reports
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
}

void FakeCharon::Peer::write(const vici::Packet& packet) {
  const auto bytes = vici::encode_packet(packet);
  if (bytes) write(*bytes);
}

void FakeCharon::Peer::hang_up() {
  ::shutdown(fd_, SHUT_WR);
}

FakeCharon::FakeCharon(Script script) {
  std::string pattern = (std::filesystem::temp_directory_path() / "ikesteer-vici-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern);
  folder_ = pattern;
  socket_path_ = folder_ + "/charon.vici";
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::copy(socket_path_.begin(), socket_path_.end(), address.sun_path);
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0 ||
      ::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 4) != 0)
    throw std::runtime_error("cannot listen on " + socket_path_);
  thread_ = std::thread([this, s = std::move(script)]() mutable { serve(std::move(s)); });
}

FakeCharon::~FakeCharon() {
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

std::vector<vici::Packet> FakeCharon::finish() {
  if (thread_.joinable()) thread_.join();
  return received_;
}

void FakeCharon::serve(Script script) {
  pollfd p{.fd = listen_fd_, .events = POLLIN, .revents = 0};
  if (::poll(&p, 1, kWaitMs) != 1) return;
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  Peer peer(fd, received_);
  script(peer);
  // Wait for the agent to close its end (or 5 s), then close ours.
  std::array<std::byte, 4096> drain;
  for (;;) {
    pollfd q{.fd = fd, .events = POLLIN, .revents = 0};
    if (::poll(&q, 1, kWaitMs) != 1 || ::recv(fd, drain.data(), drain.size(), 0) <= 0) break;
  }
  ::close(fd);
}

}  // namespace ikesteer::agent::test
