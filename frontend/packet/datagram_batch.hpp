// The step both UDP workers repeat: up to kSize datagrams with one recvmmsg, each handed to
// the socket's DatagramHandler (IKE, DNS), the replies sent with one sendmmsg. The handlers
// are pure adapters over redirect/ and dns/.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "common/clock.hpp"
#include "frontend/os/socket_address.hpp"
#include "frontend/os/udp_socket.hpp"

namespace ikesteer::frontend {

// Called on one thread only.
class DatagramHandler {
 public:
  virtual ~DatagramHandler() = default;
  // One datagram from `peer`; returns the reply (a view into `out`) or nothing.
  virtual std::span<const std::byte> handle(std::span<const std::byte> payload,
                                            const SocketAddress& peer, bool nat_port, TimePoint now,
                                            std::span<std::byte> out) noexcept = 0;
  // Once a second and at the end: copy counters where other threads can read them.
  virtual void publish() = 0;
};

struct UdpListener {
  UdpSocket socket;
  DatagramHandler* handler;  // owned elsewhere; outlives the worker's thread
  bool nat_port = false;     // UDP 4500: non-ESP marker framing
};

struct UdpTransportCounters {
  std::uint64_t oversize = 0;     // datagram larger than the receive buffer
  std::uint64_t send_errors = 0;  // replies the kernel refused (full queue, unreachable)
};

class DatagramBatch {
 public:
  static constexpr unsigned kSize = 64;
  static constexpr std::size_t kMaxReply = 1232;  // DNS over UDP (RFC 6891); IKE needs less

  DatagramBatch();
  DatagramBatch(const DatagramBatch&) = delete;
  DatagramBatch& operator=(const DatagramBatch&) = delete;

  // Receives with recvmmsg(`receive_flags`), answers and sends. Returns how many datagrams
  // were received, or -1 with errno from recvmmsg.
  int serve(const UdpListener& listener, int receive_flags, UdpTransportCounters& counters);

 private:
  static constexpr std::size_t kReceiveSize = 9216;  // reassembled IKE_SA_INIT with big KEs

  // Reused for every batch (no allocation per datagram).
  std::vector<std::byte> receive_buffers_;
  std::vector<std::array<std::byte, kMaxReply>> reply_buffers_;
  std::array<mmsghdr, kSize> receive_msgs_{};
  std::array<iovec, kSize> receive_iovs_{};
  std::array<SocketAddress, kSize> peers_{};
  std::array<mmsghdr, kSize> send_msgs_{};
  std::array<iovec, kSize> send_iovs_{};
  unsigned filled_ = 0;  // entries the last recvmmsg filled
};

}  // namespace ikesteer::frontend
