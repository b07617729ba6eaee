#include "frontend/probes/probe_factory.hpp"

#include "frontend/probes/exec_probe.hpp"
#include "frontend/probes/http_probe.hpp"
#include "frontend/probes/ike_probe.hpp"
#include "frontend/probes/tcp_probe.hpp"

namespace ikesteer::frontend {

std::unique_ptr<Probe> make_probe(uv_loop_t* loop, const ProbeConfig& probe,
                                  const IpAddress& target) {
  const Duration timeout = probe.timing.timeout;
  switch (probe.type) {
    case ProbeType::Ike:
      return std::make_unique<IkeProbe>(
          loop,
          IkeProbeOptions{target, probe.port != 0 ? probe.port : std::uint16_t{500}, timeout});
    case ProbeType::Tcp:
      return std::make_unique<TcpProbe>(loop, TcpProbeOptions{target, probe.port, timeout});
    case ProbeType::Http:
    case ProbeType::Https: {
      const bool tls = probe.type == ProbeType::Https;
      const std::uint16_t default_port = tls ? 443 : 80;
      const std::uint16_t port = probe.port != 0 ? probe.port : default_port;
      return std::make_unique<HttpProbe>(
          loop, HttpProbeOptions{target, port, tls, probe.host, probe.path, probe.expect_status,
                                 probe.expect_body, timeout});
    }
    case ProbeType::Exec:
      return std::make_unique<ExecProbe>(loop, probe.command, timeout);
  }
  return nullptr;
}

}  // namespace ikesteer::frontend
