// ikesteer-ask: sends one IKE_SA_INIT, as a redirect-capable client would, and prints where the
// front end sends it. Follows a COOKIE request once, checks the REDIRECT's nonce against Ni.
//   exit 0: redirected   2: another answer   1: no answer or an error
// With --probe it sends the health checker's liveness probe instead (frontend/probes/ike_probe)
// and prints the answer and the round-trip time.
//   exit 0: answered   1: no answer or an error
#include <openssl/rand.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "frontend/os/socket_address.hpp"
#include "frontend/probes/ike_probe.hpp"
#include "redirect/ike_message.hpp"
#include "redirect/ike_probe.hpp"
#include "redirect/ike_request.hpp"

namespace {

using namespace ikesteer;
using redirect::NotifyType;

struct Options {
  std::string server;
  std::uint16_t port = 500;
  std::string from;
  bool no_redirect_support = false;
  bool probe = false;
  int timeout_ms = 1000;
};

// --probe: one attempt of the IKE health probe, on a libuv loop of its own.
int probe(const Options& o) {
  const auto address = IpAddress::parse(o.server);
  if (!address) {
    std::fprintf(stderr, "ikesteer-ask: not an IP address: %s\n", o.server.c_str());
    return 1;
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  frontend::ProbeResult result;
  {
    frontend::IkeProbe ike(
        &loop,
        {.address = *address, .port = o.port, .timeout = std::chrono::milliseconds(o.timeout_ms)});
    ike.run([&](frontend::ProbeResult r) { result = std::move(r); });
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_loop_close(&loop);
  if (!result.ok) {
    std::printf("no answer: %s\n", result.detail.c_str());
    return 1;
  }
  std::printf("answer: %s in %.3f ms\n", result.detail.c_str(),
              std::chrono::duration<double, std::milli>(result.latency).count());
  return 0;
}

class Client {
 public:
  explicit Client(const Options& o) : options_(o) {}

  int run() {
    const auto server = IpAddress::parse(options_.server);
    if (!server) return error("not an IP address: " + options_.server);
    server_ = frontend::SocketAddress::from(*server, options_.port);
    fd_ = ::socket(server_.storage.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return error(std::string("socket: ") + std::strerror(errno));
    if (!options_.from.empty()) {
      const auto from = IpAddress::parse(options_.from);
      if (!from) return error("not an IP address: " + options_.from);
      const auto local = frontend::SocketAddress::from(*from, 0);
      if (::bind(fd_, local.get(), local.length) != 0)
        return error("bind " + options_.from + ": " + std::strerror(errno));
    }
    RAND_bytes(reinterpret_cast<unsigned char*>(&spi_), sizeof spi_);
    spi_ |= 1;  // never zero
    RAND_bytes(reinterpret_cast<unsigned char*>(nonce_.data()), static_cast<int>(nonce_.size()));
    RAND_bytes(reinterpret_cast<unsigned char*>(share_.data()), static_cast<int>(share_.size()));

    std::vector<std::byte> cookie;
    for (int attempt = 0; attempt < 2; ++attempt) {
      const auto answer = exchange(cookie);
      if (!answer) return 1;
      const redirect::IkeMessage& m = *answer;
      if (const auto* n = m.find_notify(NotifyType::Cookie); n && cookie.empty()) {
        cookie.assign(n->data.begin(), n->data.end());  // RFC 7296 §2.6: send it back first
        continue;
      }
      return report(m);
    }
    std::printf("answer: COOKIE again after echoing it\n");
    return 2;
  }

 private:
  int error(const std::string& what) {
    std::fprintf(stderr, "ikesteer-ask: %s\n", what.c_str());
    return 1;
  }

  std::optional<redirect::IkeMessage> exchange(std::span<const std::byte> cookie) {
    redirect::IkeSaInitRequest r;
    r.spi_i = spi_;
    r.nonce = nonce_;
    r.key_share = share_;
    r.cookie = cookie;
    r.redirect_supported = !options_.no_redirect_support;
    std::array<std::byte, 1024> request{};
    const redirect::ReplyFraming framing{options_.port == 4500};
    const auto bytes = redirect::write_ike_sa_init_request(request, framing, r);
    if (::sendto(fd_, bytes.data(), bytes.size(), 0, server_.get(), server_.length) < 0) {
      error(std::string("sendto: ") + std::strerror(errno));
      return std::nullopt;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, options_.timeout_ms) != 1) {
      std::printf("answer: none within %d ms\n", options_.timeout_ms);
      return std::nullopt;
    }
    const ssize_t n = ::recv(fd_, reply_.data(), reply_.size(), 0);
    if (n < 0) {
      error(std::string("recv: ") + std::strerror(errno));
      return std::nullopt;
    }
    auto message = std::span<const std::byte>(reply_.data(), static_cast<std::size_t>(n));
    if (framing.non_esp_marker) message = message.subspan(std::min<std::size_t>(4, message.size()));
    auto parsed = redirect::parse_ike_message(message);
    if (!parsed || parsed->header.spi_i != spi_ || !parsed->header.is_response()) {
      std::printf("answer: malformed or not for this request\n");
      return std::nullopt;
    }
    return std::move(parsed).value();
  }

  int report(const redirect::IkeMessage& m) {
    if (const auto* n = m.find_notify(NotifyType::Redirect)) {
      // RFC 5685 §9.2: GW Ident Type | GW Ident Len | GW Identity | Nonce Data (= our Ni).
      if (n->data.size() < 2) return error("REDIRECT without gateway identity");
      const auto type = static_cast<redirect::GatewayIdType>(n->data[0]);
      const auto len = std::to_integer<std::size_t>(n->data[1]);
      if (n->data.size() < 2 + len) return error("REDIRECT identity overruns the notify");
      const auto identity = n->data.subspan(2, len);
      const auto echoed = n->data.subspan(2 + len);
      if (!std::equal(echoed.begin(), echoed.end(), nonce_.begin(), nonce_.end())) {
        std::printf("answer: REDIRECT with a wrong nonce (a real client would ignore it)\n");
        return 2;
      }
      std::string target;
      if (type == redirect::GatewayIdType::Ipv4 && len == 4)
        target = IpAddress::v4(identity.first<4>()).to_string();
      else if (type == redirect::GatewayIdType::Ipv6 && len == 16)
        target = IpAddress::v6(identity.first<16>()).to_string();
      else if (type == redirect::GatewayIdType::Fqdn)
        target.assign(reinterpret_cast<const char*>(identity.data()), identity.size());
      else
        return error("REDIRECT with gateway identity type " +
                     std::to_string(static_cast<int>(type)));
      std::printf("redirect %s\n", target.c_str());
      return 0;
    }
    for (const auto& p : m.payloads())
      if (p.type == static_cast<std::uint8_t>(redirect::PayloadType::Notify)) {
        std::printf("answer: %s\n", redirect::notify_name(p.notify.type).c_str());
        return 2;
      }
    std::printf("answer: a response without a notify\n");
    return 2;
  }

  Options options_;
  frontend::SocketAddress server_;
  int fd_ = -1;
  std::uint64_t spi_ = 0;
  std::array<std::byte, 32> nonce_{};
  std::array<std::byte, 32> share_{};
  std::array<std::byte, 2048> reply_{};
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app("ikesteer-ask: ask an IKEv2 front end where a client is sent");
  app.add_option("server", o.server, "front end address")->required();
  app.add_option("-p,--port", o.port, "UDP port (4500 adds the non-ESP marker)")
      ->capture_default_str();
  auto* from = app.add_option("-f,--from", o.from, "source address to send from (the client)");
  auto* no_support =
      app.add_flag("--no-redirect-support", o.no_redirect_support,
                   "leave out REDIRECT_SUPPORTED, like a client that cannot be redirected");
  app.add_flag("--probe", o.probe,
               "send the health checker's IKE liveness probe instead; exit 0 when answered")
      ->excludes(from)
      ->excludes(no_support);
  app.add_option("-t,--timeout-ms", o.timeout_ms, "how long to wait for the answer")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return o.probe ? probe(o) : Client(o).run();
}
