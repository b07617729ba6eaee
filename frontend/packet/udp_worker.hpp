// One event loop on its own thread for IKE: the loop's SO_REUSEPORT sockets (every address
// and port) polled by libuv, datagrams moved in batches (DatagramBatch). The sockets share
// the loop's IkeHandler and its per-loop state.
#pragma once

#include <uv.h>

#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "frontend/packet/datagram_batch.hpp"

namespace ikesteer::frontend {

class UdpWorker {
 public:
  UdpWorker(unsigned id, std::vector<UdpListener> listeners);
  ~UdpWorker();
  UdpWorker(const UdpWorker&) = delete;
  UdpWorker& operator=(const UdpWorker&) = delete;

  void start();
  void stop();  // from another thread; returns when the loop has ended
  UdpTransportCounters counters() const;

 private:
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
  UdpTransportCounters counters_;
  DatagramBatch batch_;

  uv_loop_t loop_{};
  uv_async_t stop_async_{};
  uv_timer_t publish_timer_{};
  std::vector<std::unique_ptr<Poll>> polls_;
  std::thread thread_;

  mutable std::mutex published_mutex_;
  UdpTransportCounters published_;
};

}  // namespace ikesteer::frontend
