// Loopback peers for the probe tests, each on a thread of its own with blocking sockets.
#pragma once

#include <openssl/ssl.h>
#include <uv.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "uv_test_loop.hpp"  // TestLoop, which the probe tests run their probes on

namespace ikesteer::frontend::test {

using Bytes = std::vector<std::byte>;

// A UDP peer on 127.0.0.1: `answer` turns each datagram into the datagrams sent back.
class UdpPeer {
 public:
  using Answer = std::function<std::vector<Bytes>(std::span<const std::byte>)>;
  explicit UdpPeer(Answer answer);
  ~UdpPeer();
  std::uint16_t port() const { return port_; }
  std::vector<Bytes> received() const;

 private:
  void serve();
  Answer answer_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<Bytes> received_;
  std::thread thread_;
};

// A TCP or UDP port on 127.0.0.1 with nothing listening on it (bound, then closed).
std::uint16_t closed_tcp_port();
std::uint16_t closed_udp_port();

// A TCP socket on 127.0.0.1 listening with room for `backlog` connections; never accepts.
class TcpListener {
 public:
  explicit TcpListener(int backlog);
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// An HTTP(S) server on 127.0.0.1: reads a request head, writes `response`, closes. With
// `silent` it accepts and never answers.
class HttpPeer {
 public:
  struct Options {
    std::string response;
    bool tls = false;  // with a self-signed certificate made at start
    bool silent = false;
  };
  explicit HttpPeer(Options options);
  ~HttpPeer();
  std::uint16_t port() const { return port_; }
  std::string last_request() const;
  std::string last_sni() const;

 private:
  void serve();
  void handle(int fd);
  Options options_;
  SSL_CTX* tls_ = nullptr;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::string request_;
  std::string sni_;
  std::thread thread_;
};

}  // namespace ikesteer::frontend::test
