// One socket, one thread, no event loop: the thread sleeps in recvmmsg(MSG_WAITFORONE) itself
// and is woken by the datagram, as gdnsd's DNS threads are. That saves the epoll_wait an
// event loop makes per batch; at DNS rates it is a third of the system calls. Used for DNS
// over UDP, whose sockets share no state with anything else on a thread.
#pragma once

#include <atomic>
#include <mutex>
#include <thread>

#include "frontend/packet/datagram_batch.hpp"

namespace ikesteer::frontend {

class BlockingUdpWorker {
 public:
  explicit BlockingUdpWorker(UdpListener listener);
  ~BlockingUdpWorker();
  BlockingUdpWorker(const BlockingUdpWorker&) = delete;
  BlockingUdpWorker& operator=(const BlockingUdpWorker&) = delete;

  void start();
  void stop();  // from another thread; returns when the thread has ended
  UdpTransportCounters counters() const;

 private:
  void run();
  void publish();

  UdpListener listener_;
  UdpTransportCounters counters_;
  DatagramBatch batch_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  mutable std::mutex published_mutex_;
  UdpTransportCounters published_;
};

}  // namespace ikesteer::frontend
