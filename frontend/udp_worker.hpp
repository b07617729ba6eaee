// One event loop on its own thread for the UDP protocols: SO_REUSEPORT sockets polled by
// libuv, datagrams moved in batches with recvmmsg/sendmmsg, each handed to the protocol's
// DatagramHandler (IKE, DNS). The handlers are pure adapters over redirect/ and dns/.
#pragma once

#include <sys/socket.h>
#include <uv.h>

#include <array>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "frontend/socket_address.hpp"
#include "frontend/udp_socket.hpp"

namespace ikesteer::frontend {

// Called on the worker's thread only.
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

struct UdpWorkerCounters {
  std::uint64_t oversize = 0;     // datagram larger than the receive buffer
  std::uint64_t send_errors = 0;  // replies the kernel refused (full queue, unreachable)
};

class UdpWorker {
 public:
  static constexpr std::size_t kMaxReply = 1232;  // DNS over UDP (RFC 6891); IKE needs less

  UdpWorker(unsigned id, std::vector<UdpListener> listeners);
  ~UdpWorker();
  UdpWorker(const UdpWorker&) = delete;
  UdpWorker& operator=(const UdpWorker&) = delete;

  void start();
  void stop();  // from another thread; returns when the loop has ended
  UdpWorkerCounters counters() const;

 private:
  static constexpr unsigned kBatch = 64;
  static constexpr std::size_t kReceiveSize = 9216;  // reassembled IKE_SA_INIT with big KEs

  struct Poll {
    uv_poll_t handle;
    UdpWorker* worker;
    UdpListener* listener;
  };

  void run();
  void on_readable(UdpListener& listener);
  void publish();

  unsigned id_;
  std::vector<UdpListener> listeners_;
  UdpWorkerCounters counters_;

  uv_loop_t loop_{};
  uv_async_t stop_async_{};
  uv_timer_t publish_timer_{};
  std::vector<std::unique_ptr<Poll>> polls_;
  std::thread thread_;

  mutable std::mutex published_mutex_;
  UdpWorkerCounters published_;

  // Batch buffers, reused for every batch (no allocation per datagram).
  std::vector<std::byte> receive_buffers_;
  std::vector<std::array<std::byte, kMaxReply>> reply_buffers_;
  std::array<mmsghdr, kBatch> receive_msgs_{};
  std::array<iovec, kBatch> receive_iovs_{};
  std::array<SocketAddress, kBatch> peers_{};
  std::array<mmsghdr, kBatch> send_msgs_{};
  std::array<iovec, kBatch> send_iovs_{};
};

}  // namespace ikesteer::frontend
