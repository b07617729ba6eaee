// Both UDP workers over real loopback sockets: replies, what the handler drops, oversize
// datagrams counted, counters published, and a prompt stop.
#include "frontend/packet/udp_worker.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "frontend/packet/blocking_udp_worker.hpp"

namespace ikesteer::frontend {
namespace {

using namespace std::chrono_literals;

// Answers every datagram with its bytes reversed, except "drop".
class ReversingHandler final : public DatagramHandler {
 public:
  std::span<const std::byte> handle(std::span<const std::byte> payload, const SocketAddress&, bool,
                                    TimePoint, std::span<std::byte> out) noexcept override {
    if (std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()) == "drop")
      return {};
    const std::size_t n = std::min(payload.size(), out.size());
    std::reverse_copy(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(n),
                      out.begin());
    return out.first(n);
  }
  void publish() override { ++published; }
  std::atomic<int> published{0};
};

std::uint16_t local_port(int fd) {
  sockaddr_in a{};
  socklen_t length = sizeof a;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length) == 0);
  return ntohs(a.sin_port);
}

// A client socket on loopback that waits at most a second for an answer.
class Client {
 public:
  explicit Client(std::uint16_t server_port) : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
    REQUIRE(fd_ >= 0);
    const timeval timeout{.tv_sec = 1, .tv_usec = 0};
    REQUIRE(::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) == 0);
    server_.sin_family = AF_INET;
    server_.sin_port = htons(server_port);
    server_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  ~Client() { ::close(fd_); }
  void send(const std::string& payload) {
    REQUIRE(::sendto(fd_, payload.data(), payload.size(), 0,
                     reinterpret_cast<const sockaddr*>(&server_),
                     sizeof server_) == static_cast<ssize_t>(payload.size()));
  }
  std::string receive() {  // "" after a second without an answer
    char buffer[2048];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  }

 private:
  int fd_;
  sockaddr_in server_{};
};

UdpListener loopback_listener(DatagramHandler& handler) {
  auto socket = UdpSocket::bind(*IpAddress::parse("127.0.0.1"), 0);
  REQUIRE(socket.has_value());
  return {std::move(socket).value(), &handler};
}

template <class Worker>
std::unique_ptr<Worker> make_worker(UdpListener listener);
template <>
std::unique_ptr<UdpWorker> make_worker(UdpListener listener) {
  std::vector<UdpListener> listeners;
  listeners.push_back(std::move(listener));
  return std::make_unique<UdpWorker>(0, std::move(listeners));
}
template <>
std::unique_ptr<BlockingUdpWorker> make_worker(UdpListener listener) {
  return std::make_unique<BlockingUdpWorker>(std::move(listener));
}

TEST_CASE_TEMPLATE("UDP worker: answers, drops, counts oversize datagrams, stops at once", Worker,
                   UdpWorker, BlockingUdpWorker) {
  ReversingHandler handler;
  UdpListener listener = loopback_listener(handler);
  const std::uint16_t port = local_port(listener.socket.fd());
  auto worker = make_worker<Worker>(std::move(listener));
  worker->start();
  Client client(port);

  client.send("hello");
  CHECK(client.receive() == "olleh");
  // Nothing comes back for what the handler drops; the next datagram is still answered.
  client.send("drop");
  client.send("abc");
  CHECK(client.receive() == "cba");
  // Larger than the receive buffer (9216 bytes): counted, not answered with a cut datagram.
  client.send(std::string(10000, 'x'));
  client.send("z");
  CHECK(client.receive() == "z");

  // Idle in its receive, the worker stops well within its one-second wait.
  std::this_thread::sleep_for(50ms);
  const auto before = std::chrono::steady_clock::now();
  worker->stop();
  CHECK(std::chrono::steady_clock::now() - before < 500ms);
  CHECK(worker->counters().oversize == 1);
  CHECK(worker->counters().send_errors == 0);
  CHECK(handler.published >= 1);
}

}  // namespace
}  // namespace ikesteer::frontend
