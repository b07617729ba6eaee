// One IKE event loop on its own thread: SO_REUSEPORT sockets polled by libuv, datagrams moved
// in batches with recvmmsg/sendmmsg, each handed to the pure redirect::Responder.
#pragma once

#include <sys/socket.h>
#include <uv.h>

#include <array>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/prefix_rate_limiter.hpp"
#include "frontend/ike_shared.hpp"
#include "frontend/log.hpp"
#include "frontend/member_steering.hpp"
#include "frontend/socket_address.hpp"
#include "frontend/udp_socket.hpp"
#include "redirect/cookie_jar.hpp"
#include "redirect/responder.hpp"

namespace ikesteer::frontend {

struct IkeListener {
  UdpSocket socket;
  bool nat_port;  // UDP 4500: non-ESP marker framing
};

// Counters of one loop; the transport's own on top of the responder's.
struct IkeWorkerCounters {
  redirect::ResponderCounters responder;
  std::uint64_t oversize = 0;     // datagram larger than the receive buffer
  std::uint64_t send_errors = 0;  // replies the kernel refused (full queue, unreachable)
  std::vector<std::uint64_t> redirects_per_member;  // indexed as Config::members
};

class IkeWorker {
 public:
  IkeWorker(unsigned id, unsigned threads, std::vector<IkeListener> listeners, IkeShared& shared);
  ~IkeWorker();
  IkeWorker(const IkeWorker&) = delete;
  IkeWorker& operator=(const IkeWorker&) = delete;

  void start();
  void stop();  // from another thread; returns when the loop has ended
  IkeWorkerCounters counters() const;

 private:
  static constexpr unsigned kBatch = 64;
  static constexpr std::size_t kReceiveSize = 9216;  // reassembled IKE_SA_INIT with big KEs

  struct Poll {
    uv_poll_t handle;
    IkeWorker* worker;
    IkeListener* listener;
  };

  void run();
  void on_readable(IkeListener& listener);
  void refresh_config();
  void log_decision(const redirect::Datagram& d, const redirect::Verdict& v);
  void publish_counters();

  unsigned id_;
  unsigned threads_;
  std::vector<IkeListener> listeners_;
  IkeShared& shared_;
  std::uint64_t seen_generation_ = 0;
  std::shared_ptr<const Config> config_;

  std::unique_ptr<MemberSteering> steering_;
  redirect::CookieJar cookies_;
  PrefixRateLimiter limiter_;
  std::unique_ptr<redirect::Responder> responder_;
  std::uint64_t oversize_ = 0;
  std::uint64_t send_errors_ = 0;
  std::vector<std::uint64_t> redirects_per_member_;
  LogRateLimit log_limit_{20};

  uv_loop_t loop_{};
  uv_async_t stop_async_{};
  uv_timer_t publish_timer_{};
  std::vector<std::unique_ptr<Poll>> polls_;
  std::thread thread_;

  mutable std::mutex published_mutex_;
  IkeWorkerCounters published_;

  // Batch buffers, reused for every batch (no allocation per datagram).
  std::vector<std::byte> receive_buffers_;
  std::array<std::array<std::byte, redirect::kMaxReplySize>, kBatch> reply_buffers_{};
  std::array<mmsghdr, kBatch> receive_msgs_{};
  std::array<iovec, kBatch> receive_iovs_{};
  std::array<SocketAddress, kBatch> peers_{};
  std::array<mmsghdr, kBatch> send_msgs_{};
  std::array<iovec, kBatch> send_iovs_{};
};

}  // namespace ikesteer::frontend
