#include "agent/daemon/backend_factory.hpp"

#include <variant>

#include "agent/libreswan/whack_client.hpp"
#include "agent/strongswan/charon_client.hpp"

namespace ikesteer::agent::daemon {
namespace {

std::unique_ptr<SessionBackend> backend_for(const StrongswanConfig& c) {
  return std::make_unique<strongswan::CharonClient>(
      strongswan::CharonOptions{.vici_uri = c.vici, .timeout = c.timeout});
}

std::unique_ptr<SessionBackend> backend_for(const LibreswanConfig& c) {
  return std::make_unique<libreswan::WhackClient>(
      libreswan::WhackOptions{.whack = c.whack, .ctlsocket = c.ctlsocket, .timeout = c.timeout});
}

}  // namespace

std::unique_ptr<SessionBackend> make_backend(const BackendConfig& config) {
  return std::visit([](const auto& c) { return backend_for(c); }, config);
}

}  // namespace ikesteer::agent::daemon
