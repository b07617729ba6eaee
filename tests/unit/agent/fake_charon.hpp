// A stand-in for charon's VICI socket: a unix socket in a temporary folder, and a thread that
// takes one connection and plays a script against it (reads the agent's packets, writes
// scripted octets), then waits for the agent to close. Every wait is bounded, so a broken client
// fails the test, never hangs it.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "agent/vici/packet.hpp"
#include "agent/vici/stream_splitter.hpp"

namespace ikesteer::agent::test {

class FakeCharon {
 public:
  // What the script does with the accepted connection.
  class Peer {
   public:
    Peer(int fd, std::vector<vici::Packet>& received) : fd_(fd), received_(received) {}
    // The next packet the agent sent (and recorded); nullopt if it sent none within 5 s, or a
    // bad one.
    std::optional<vici::Packet> read_packet();
    void write(std::span<const std::byte> bytes);
    void write(const vici::Packet& packet);  // encoded, with its length prefix
    void hang_up();                          // the agent reads the end of the stream

   private:
    int fd_;
    std::vector<vici::Packet>& received_;
    vici::StreamSplitter splitter_;
  };
  using Script = std::function<void(Peer&)>;

  explicit FakeCharon(Script script);
  ~FakeCharon();
  FakeCharon(const FakeCharon&) = delete;
  FakeCharon& operator=(const FakeCharon&) = delete;

  std::string uri() const { return "unix://" + socket_path_; }
  // Waits until the script has run and the agent has closed its connection; what the agent
  // sent, in order.
  std::vector<vici::Packet> finish();

 private:
  void serve(Script script);

  std::string folder_;
  std::string socket_path_;
  int listen_fd_ = -1;
  std::vector<vici::Packet> received_;
  std::thread thread_;
};

}  // namespace ikesteer::agent::test
