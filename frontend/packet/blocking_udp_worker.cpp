#include "frontend/packet/blocking_udp_worker.hpp"

#include <fcntl.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/log.hpp"

namespace ikesteer::frontend {
namespace {

// Counters are published at least this often, idle or not.
constexpr auto kPublishInterval = std::chrono::seconds(1);

}  // namespace

BlockingUdpWorker::BlockingUdpWorker(UdpListener listener) : listener_(std::move(listener)) {
  const int fd = listener_.socket.fd();
  // Blocking receives that give up after a second, so an idle thread still publishes.
  const timeval timeout{.tv_sec = 1, .tv_usec = 0};
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0)
    throw std::runtime_error(std::string("blocking UDP socket: ") + std::strerror(errno));
}

BlockingUdpWorker::~BlockingUdpWorker() {
  stop();
}

void BlockingUdpWorker::start() {
  thread_ = std::thread([this] { run(); });
}

void BlockingUdpWorker::stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true, std::memory_order_relaxed);
  // Wakes a thread asleep in recvmmsg at once (it returns 0). On an unconnected UDP socket
  // shutdown reports ENOTCONN but still marks the socket and wakes its readers.
  ::shutdown(listener_.socket.fd(), SHUT_RD);
  thread_.join();
}

UdpTransportCounters BlockingUdpWorker::counters() const {
  std::lock_guard lock(published_mutex_);
  return published_;
}

void BlockingUdpWorker::run() {
  TimePoint published_at = Clock::now();
  while (!stopping_.load(std::memory_order_relaxed)) {
    // After the first datagram MSG_WAITFORONE takes only what is queued, without waiting.
    if (batch_.serve(listener_, MSG_WAITFORONE, counters_) < 0 && errno != EAGAIN &&
        errno != EINTR) {
      // Not expected on a bound UDP socket (ENOMEM at worst): say so, and keep serving rather
      // than leave the socket unanswered.
      log(LogLevel::Error, "udp", "receive failed", {{"error", std::strerror(errno)}});
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (const TimePoint now = Clock::now(); now - published_at >= kPublishInterval) {
      publish();
      published_at = now;
    }
  }
  publish();
}

void BlockingUdpWorker::publish() {
  listener_.handler->publish();
  std::lock_guard lock(published_mutex_);
  published_ = counters_;
}

}  // namespace ikesteer::frontend
