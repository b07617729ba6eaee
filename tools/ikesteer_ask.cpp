// ikesteer-ask: sends IKE_SA_INIT requests, as a redirect-capable client would, and prints where
// the front end sends each. Follows a COOKIE request once, checks the REDIRECT's nonce against Ni.
// One source (-f) and one round: prints "redirect <gateway>" or "answer: ...".
//   exit 0: redirected   2: another answer   1: no answer or an error
// Several sources (-f A -f B ...), asked at once, and/or --every MS --count N rounds: one line per
// ask as it ends, "<source> <sent-ms> <ended-ms> <redirect <gateway> | answer: ...>" (Unix ms),
// each from a new port; SIGTERM or SIGINT starts no new round and lets the asks under way end.
//   exit 0: every ask redirected   1: some ask without an answer   2: otherwise
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
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
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
  std::vector<std::string> from;  // none: the kernel's choice
  bool no_redirect_support = false;
  bool probe = false;
  int timeout_ms = 1000;  // for each answer
  int every_ms = 0;       // between the starts of two rounds
  int count = 1;          // rounds
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

using SteadyClock = std::chrono::steady_clock;

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// How one ask ended: the exit code it stands for (0 redirected, 2 another answer, 1 none) and
// the text printed for it.
struct AskOutcome {
  int code = 1;
  std::string text;
};

// One client's IKE_SA_INIT exchange from its own socket, driven by the caller's poll loop.
class Ask {
 public:
  Ask(const Options& o, const frontend::SocketAddress& server, std::string from)
      : options_(o), server_(server), from_(std::move(from)) {}
  ~Ask() {
    if (fd_ >= 0) ::close(fd_);
  }
  Ask(const Ask&) = delete;
  Ask& operator=(const Ask&) = delete;

  // Opens the socket and sends the first request; an error ends the ask at once.
  void start() {
    sent_ms_ = unix_ms();
    fd_ = ::socket(server_.storage.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return fail(std::string("socket: ") + std::strerror(errno));
    if (!from_.empty()) {
      const auto from = IpAddress::parse(from_);
      if (!from) return fail("not an IP address: " + from_);
      const auto local = frontend::SocketAddress::from(*from, 0);
      if (::bind(fd_, local.get(), local.length) != 0)
        return fail("bind " + from_ + ": " + std::strerror(errno));
    }
    RAND_bytes(reinterpret_cast<unsigned char*>(&spi_), sizeof spi_);
    spi_ |= 1;  // never zero
    RAND_bytes(reinterpret_cast<unsigned char*>(nonce_.data()), static_cast<int>(nonce_.size()));
    RAND_bytes(reinterpret_cast<unsigned char*>(share_.data()), static_cast<int>(share_.size()));
    send();
  }

  // The socket is readable: the answer, or a COOKIE request answered once (RFC 7296 §2.6).
  void on_readable() {
    const ssize_t n = ::recv(fd_, reply_.data(), reply_.size(), 0);
    if (n < 0) return fail(std::string("recv: ") + std::strerror(errno));
    auto message = std::span<const std::byte>(reply_.data(), static_cast<std::size_t>(n));
    if (framing().non_esp_marker)
      message = message.subspan(std::min<std::size_t>(4, message.size()));
    const auto parsed = redirect::parse_ike_message(message);
    if (!parsed || parsed->header.spi_i != spi_ || !parsed->header.is_response())
      return end({1, "answer: malformed or not for this request"});
    if (const auto* cookie = parsed->find_notify(NotifyType::Cookie)) {
      if (!cookie_.empty()) return end({2, "answer: COOKIE again after echoing it"});
      cookie_.assign(cookie->data.begin(), cookie->data.end());
      return send();
    }
    end(report(*parsed));
  }

  void expire() { end({1, "answer: none within " + std::to_string(options_.timeout_ms) + " ms"}); }

  int fd() const { return fd_; }
  SteadyClock::time_point deadline() const { return deadline_; }
  const std::optional<AskOutcome>& outcome() const { return outcome_; }
  // "<source> <sent-ms> <ended-ms> <text>" (the source "-" when none was given).
  std::string line() const {
    return (from_.empty() ? "-" : from_) + " " + std::to_string(sent_ms_) + " " +
           std::to_string(ended_ms_) + " " + outcome_->text;
  }

 private:
  redirect::ReplyFraming framing() const { return {options_.port == 4500}; }

  void send() {
    redirect::IkeSaInitRequest r;
    r.spi_i = spi_;
    r.nonce = nonce_;
    r.key_share = share_;
    r.cookie = cookie_;
    r.redirect_supported = !options_.no_redirect_support;
    std::array<std::byte, 1024> request{};
    const auto bytes = redirect::write_ike_sa_init_request(request, framing(), r);
    if (::sendto(fd_, bytes.data(), bytes.size(), 0, server_.get(), server_.length) < 0)
      return fail(std::string("sendto: ") + std::strerror(errno));
    deadline_ = SteadyClock::now() + std::chrono::milliseconds(options_.timeout_ms);
  }

  AskOutcome report(const redirect::IkeMessage& m) const {
    if (const auto* n = m.find_notify(NotifyType::Redirect)) {
      // RFC 5685 §9.2: GW Ident Type | GW Ident Len | GW Identity | Nonce Data (= our Ni).
      if (n->data.size() < 2) return {1, "error: REDIRECT without gateway identity"};
      const auto type = static_cast<redirect::GatewayIdType>(n->data[0]);
      const auto len = std::to_integer<std::size_t>(n->data[1]);
      if (n->data.size() < 2 + len) return {1, "error: REDIRECT identity overruns the notify"};
      const auto identity = n->data.subspan(2, len);
      const auto echoed = n->data.subspan(2 + len);
      if (!std::equal(echoed.begin(), echoed.end(), nonce_.begin(), nonce_.end()))
        return {2, "answer: REDIRECT with a wrong nonce (a real client would ignore it)"};
      if (type == redirect::GatewayIdType::Ipv4 && len == 4)
        return {0, "redirect " + IpAddress::v4(identity.first<4>()).to_string()};
      if (type == redirect::GatewayIdType::Ipv6 && len == 16)
        return {0, "redirect " + IpAddress::v6(identity.first<16>()).to_string()};
      if (type == redirect::GatewayIdType::Fqdn)
        return {0, "redirect " + std::string(reinterpret_cast<const char*>(identity.data()),
                                             identity.size())};
      return {1, "error: REDIRECT with gateway identity type " +
                     std::to_string(static_cast<int>(type))};
    }
    for (const auto& p : m.payloads())
      if (p.type == static_cast<std::uint8_t>(redirect::PayloadType::Notify))
        return {2, "answer: " + redirect::notify_name(p.notify.type)};
    return {2, "answer: a response without a notify"};
  }

  void fail(std::string what) { end({1, "error: " + std::move(what)}); }
  void end(AskOutcome outcome) {
    ended_ms_ = unix_ms();
    outcome_ = std::move(outcome);
  }

  const Options& options_;
  frontend::SocketAddress server_;
  std::string from_;
  int fd_ = -1;
  std::uint64_t spi_ = 0;
  std::array<std::byte, 32> nonce_{};
  std::array<std::byte, 32> share_{};
  std::vector<std::byte> cookie_;
  SteadyClock::time_point deadline_{};
  std::int64_t sent_ms_ = 0;
  std::int64_t ended_ms_ = 0;
  std::optional<AskOutcome> outcome_;
  std::array<std::byte, 2048> reply_{};
};

volatile std::sig_atomic_t stop_requested = 0;

// Starts a round of asks (one per source) every --every ms, --count times, and prints each ask
// as it ends; the exit code is the worst of theirs (1 before 2 before 0).
int ask(const Options& o) {
  const auto server = IpAddress::parse(o.server);
  if (!server) {
    std::fprintf(stderr, "ikesteer-ask: not an IP address: %s\n", o.server.c_str());
    return 1;
  }
  const auto target = frontend::SocketAddress::from(*server, o.port);
  const std::vector<std::string> sources = o.from.empty() ? std::vector<std::string>{""} : o.from;
  const bool one_line = sources.size() == 1 && o.count == 1;
  const auto every = std::chrono::milliseconds(o.every_ms);
  std::signal(SIGTERM, [](int) { stop_requested = 1; });
  std::signal(SIGINT, [](int) { stop_requested = 1; });

  std::vector<std::unique_ptr<Ask>> asks;
  int rounds = 0;
  int worst = 0;
  auto next_round = SteadyClock::now();
  while (true) {
    const bool more_rounds = rounds < o.count && !stop_requested;
    if (!more_rounds && asks.empty()) break;
    auto now = SteadyClock::now();
    if (more_rounds && now >= next_round) {
      for (const auto& from : sources) {
        asks.push_back(std::make_unique<Ask>(o, target, from));
        asks.back()->start();
      }
      ++rounds;
      next_round = std::max(next_round + every, now);  // a stalled process does not catch up
    }
    auto wake = rounds < o.count && !stop_requested ? next_round : SteadyClock::time_point::max();
    std::vector<pollfd> fds;
    for (const auto& a : asks) {
      fds.push_back({a->outcome() ? -1 : a->fd(), POLLIN, 0});
      if (!a->outcome()) wake = std::min(wake, a->deadline());
    }
    now = SteadyClock::now();
    const auto wait_ms = wake == SteadyClock::time_point::max()
                             ? 0
                             : std::chrono::ceil<std::chrono::milliseconds>(
                                   std::max(wake - now, SteadyClock::duration::zero()))
                                   .count();
    if (::poll(fds.data(), fds.size(), static_cast<int>(wait_ms)) < 0 && errno != EINTR) {
      std::fprintf(stderr, "ikesteer-ask: poll: %s\n", std::strerror(errno));
      return 1;
    }
    now = SteadyClock::now();
    for (std::size_t i = 0; i < asks.size(); ++i) {
      Ask& a = *asks[i];
      if (!a.outcome() && (fds[i].revents & POLLIN)) a.on_readable();
      if (!a.outcome() && now >= a.deadline()) a.expire();
    }
    std::erase_if(asks, [&](const std::unique_ptr<Ask>& a) {
      if (!a->outcome()) return false;
      const AskOutcome& out = *a->outcome();
      if (one_line && out.text.starts_with("error: "))
        std::fprintf(stderr, "ikesteer-ask: %s\n", out.text.c_str() + 7);
      else if (one_line)
        std::printf("%s\n", out.text.c_str());
      else
        std::printf("%s\n", a->line().c_str());
      std::fflush(stdout);
      if (out.code == 1 || (out.code == 2 && worst == 0)) worst = out.code;
      return true;
    });
  }
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app("ikesteer-ask: ask an IKEv2 front end where a client is sent");
  app.add_option("server", o.server, "front end address")->required();
  app.add_option("-p,--port", o.port, "UDP port (4500 adds the non-ESP marker)")
      ->capture_default_str();
  auto* from = app.add_option("-f,--from", o.from,
                              "source address to send from (the client); several: asked at once");
  auto* no_support =
      app.add_flag("--no-redirect-support", o.no_redirect_support,
                   "leave out REDIRECT_SUPPORTED, like a client that cannot be redirected");
  app.add_flag("--probe", o.probe,
               "send the health checker's IKE liveness probe instead; exit 0 when answered")
      ->excludes(from)
      ->excludes(no_support);
  app.add_option("-t,--timeout-ms", o.timeout_ms, "how long to wait for each answer")
      ->capture_default_str()
      ->check(CLI::Range(1, 60000));
  auto* count = app.add_option("-n,--count", o.count, "rounds of asks, one per source each")
                    ->capture_default_str()
                    ->check(CLI::Range(1, 100000))
                    ->excludes("--probe");
  app.add_option("--every", o.every_ms, "ms between the starts of two rounds")
      ->check(CLI::Range(1, 3600000))
      ->needs(count);
  CLI11_PARSE(app, argc, argv);
  return o.probe ? probe(o) : ask(o);
}
