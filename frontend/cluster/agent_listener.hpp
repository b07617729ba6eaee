// The UDP sockets member agents send their reports to ([health] agent_listen). Moves bytes
// only: parsing and authentication are health/agent_report.hpp's, applied by the monitor.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "frontend/config/config.hpp"

namespace ikesteer::frontend {

using AgentDatagramCallback =
    std::function<void(std::span<const std::byte> datagram, const IpAddress& source)>;

class AgentListener {
 public:
  AgentListener(uv_loop_t* loop, AgentDatagramCallback on_datagram);
  ~AgentListener();
  AgentListener(const AgentListener&) = delete;
  AgentListener& operator=(const AgentListener&) = delete;

  Result<void, std::string> listen(const std::vector<Endpoint>& endpoints);

 private:
  struct Socket;
  uv_loop_t* loop_;
  AgentDatagramCallback on_datagram_;
  std::vector<std::unique_ptr<Socket>> sockets_;
};

}  // namespace ikesteer::frontend
