// One connection to charon's VICI unix socket, for a member-side tool: a blocking socket, one
// request at a time, every wait bounded by a deadline set when it opens. Errors are messages
// for the operator; nothing here throws on what charon sends.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "agent/vici/packet.hpp"
#include "agent/vici/stream_splitter.hpp"
#include "common/result.hpp"

namespace ikesteer::agent::strongswan {

// strongSwan's default, charon.plugins.vici.socket.
inline constexpr std::string_view kDefaultViciUri = "unix:///var/run/charon.vici";

class ViciConnection {
 public:
  using Clock = std::chrono::steady_clock;

  // Connects to "unix://<path>" (the form of charon.plugins.vici.socket and swanctl --uri).
  static Result<ViciConnection, std::string> open(std::string_view uri, Clock::time_point deadline);

  ViciConnection(ViciConnection&& other) noexcept;
  ViciConnection& operator=(ViciConnection&&) = delete;
  ViciConnection(const ViciConnection&) = delete;
  ViciConnection& operator=(const ViciConnection&) = delete;
  ~ViciConnection();

  Result<void, std::string> send(const vici::Packet& packet);
  // The next packet charon sends, decoded. After an error the connection is unusable.
  Result<vici::Packet, std::string> receive();

 private:
  ViciConnection(int fd, Clock::time_point deadline) noexcept : fd_(fd), deadline_(deadline) {}
  int remaining_ms() const noexcept;

  int fd_ = -1;
  Clock::time_point deadline_;
  vici::StreamSplitter splitter_;
};

}  // namespace ikesteer::agent::strongswan
