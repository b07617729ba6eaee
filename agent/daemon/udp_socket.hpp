// A non-blocking UDP socket of the agent: bound to a command address, or unbound to send
// reports from. Errors are messages for the log.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "agent/daemon/udp_endpoint.hpp"
#include "common/result.hpp"

namespace ikesteer::agent::daemon {

struct ReceivedDatagram {
  std::size_t size = 0;
  UdpEndpoint source;
};

class UdpSocket {
 public:
  static Result<UdpSocket, std::string> bound_to(const UdpEndpoint& local);
  static Result<UdpSocket, std::string> unbound(IpFamily family);

  UdpSocket(UdpSocket&& other) noexcept;
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  ~UdpSocket();

  int fd() const noexcept { return fd_; }
  Result<void, std::string> send_to(const UdpEndpoint& to, std::span<const std::byte> bytes);
  // The next datagram waiting, or empty when none is (or it could not be read). A datagram
  // longer than `buffer` is cut (its size is then buffer.size() + 1, so the caller can tell).
  std::optional<ReceivedDatagram> receive(std::span<std::byte> buffer);

 private:
  explicit UdpSocket(int fd) noexcept : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace ikesteer::agent::daemon
