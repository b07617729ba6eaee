#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "frontend/os/socket_address.hpp"
#include "frontend/probes/ike_probe.hpp"
#include "frontend/probes/tcp_probe.hpp"
#include "probe_test_support.hpp"
#include "redirect/ike_message.hpp"
#include "redirect/ike_reply.hpp"

namespace ikesteer::frontend {
namespace {

using namespace std::chrono_literals;
using redirect::NotifyType;
using test::Bytes;

const IpAddress kLoopback = *IpAddress::parse("127.0.0.1");

// What a member answers: one notify copying the probe's header (redirect/ike_reply.hpp).
Bytes notify_reply(std::span<const std::byte> request, NotifyType type, Bytes data = {}) {
  std::array<std::byte, 512> out{};
  const auto header = redirect::parse_ike_header(request);
  REQUIRE(header.has_value());
  const auto reply = redirect::write_notify_reply(out, {}, *header, type, data);
  return Bytes(reply.begin(), reply.end());
}

std::uint64_t spi_of(const Bytes& request) {
  return redirect::parse_ike_header(request)->spi_i;
}

IkeProbeOptions ike_options(std::uint16_t port, Duration timeout = 2s) {
  return IkeProbeOptions{.address = kLoopback, .port = port, .timeout = timeout};
}

TEST_CASE("ike probe: INVALID_KE_PAYLOAD is an answer") {
  test::UdpPeer member([](std::span<const std::byte> request) -> std::vector<Bytes> {
    return {
        notify_reply(request, NotifyType::InvalidKePayload, Bytes{std::byte{0}, std::byte{14}})};
  });
  test::TestLoop loop;
  IkeProbe probe(loop.get(), ike_options(member.port()));
  const ProbeResult r = loop.run(probe);
  CHECK(r.ok);
  CHECK(r.detail == "INVALID_KE_PAYLOAD");
  CHECK(r.latency > 0s);
  CHECK(r.latency < 2s);
  // The request was the probe: SA for group 14, KE for group 19.
  const auto received = member.received();
  REQUIRE(received.size() == 1);
  const auto m = redirect::parse_ike_message(received[0]);
  REQUIRE(m.has_value());
  CHECK(m->find(redirect::PayloadType::KeyExchange)->body[1] == std::byte{19});
}

TEST_CASE("ike probe: datagrams that do not answer this request are ignored") {
  test::UdpPeer member([](std::span<const std::byte> request) -> std::vector<Bytes> {
    Bytes other_spi = notify_reply(request, NotifyType::InvalidKePayload);
    other_spi[0] ^= std::byte{0xff};
    Bytes echoed(request.begin(), request.end());  // not a response
    return {Bytes{std::byte{1}, std::byte{2}}, other_spi, echoed,
            notify_reply(request, NotifyType::NoProposalChosen)};
  });
  test::TestLoop loop;
  IkeProbe probe(loop.get(), ike_options(member.port()));
  const ProbeResult r = loop.run(probe);
  CHECK(r.ok);
  CHECK(r.detail == "NO_PROPOSAL_CHOSEN");
}

TEST_CASE("ike probe: silence is a timeout") {
  test::UdpPeer member([](std::span<const std::byte>) { return std::vector<Bytes>{}; });
  test::TestLoop loop;
  IkeProbe probe(loop.get(), ike_options(member.port(), 100ms));
  const auto start = Clock::now();
  const ProbeResult r = loop.run(probe);
  CHECK_FALSE(r.ok);
  CHECK(r.detail == "timeout");
  CHECK(r.latency >= 95ms);  // libuv timers run on a coarse millisecond clock
  CHECK(Clock::now() - start < 1s);
}

TEST_CASE("ike probe: a closed port fails at once (ICMP port unreachable)") {
  test::TestLoop loop;
  IkeProbe probe(loop.get(), ike_options(test::closed_udp_port(), 2s));
  const ProbeResult r = loop.run(probe);
  CHECK_FALSE(r.ok);
  CHECK(r.detail == "recv: connection refused");
  CHECK(r.latency < 1s);
}

TEST_CASE("ike probe: each attempt has its own SPI; the next may start from the callback") {
  test::UdpPeer member([](std::span<const std::byte> request) -> std::vector<Bytes> {
    return {notify_reply(request, NotifyType::NoProposalChosen)};
  });
  test::TestLoop loop;
  IkeProbe probe(loop.get(), ike_options(member.port()));
  int answers = 0;
  std::function<void(ProbeResult)> again = [&](ProbeResult r) {
    CHECK(r.ok);
    if (++answers < 3) probe.run(again);
  };
  probe.run(again);
  loop.drain();
  CHECK(answers == 3);
  const auto received = member.received();
  REQUIRE(received.size() == 3);
  CHECK(spi_of(received[0]) != spi_of(received[1]));
  CHECK(spi_of(received[1]) != spi_of(received[2]));
}

TEST_CASE("destroying a probe cancels its attempt: no callback, every handle closed") {
  test::UdpPeer member([](std::span<const std::byte>) { return std::vector<Bytes>{}; });
  test::TestLoop loop;
  bool called = false;
  SUBCASE("ike, before the loop ran") {
    auto probe = std::make_unique<IkeProbe>(loop.get(), ike_options(member.port(), 50ms));
    probe->run([&](ProbeResult) { called = true; });
    probe.reset();
  }
  SUBCASE("ike, after its timeout fired but before the callback") {
    auto probe = std::make_unique<IkeProbe>(loop.get(), ike_options(member.port(), 1ms));
    probe->run([&](ProbeResult) { called = true; });
    // Due at the same time but started later, so it fires second: the attempt is closing.
    uv_timer_t destroyer;
    uv_timer_init(loop.get(), &destroyer);
    destroyer.data = &probe;
    uv_timer_start(
        &destroyer,
        [](uv_timer_t* t) {
          static_cast<std::unique_ptr<IkeProbe>*>(t->data)->reset();
          uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
        },
        1, 0);
    loop.drain();
    CHECK_FALSE(probe);
  }
  SUBCASE("tcp, connecting") {
    auto probe = std::make_unique<TcpProbe>(
        loop.get(), TcpProbeOptions{.address = kLoopback, .port = test::closed_tcp_port()});
    probe->run([&](ProbeResult) { called = true; });
    probe.reset();
  }
  loop.drain();
  CHECK_FALSE(called);
}

TEST_CASE("the callback may destroy the probe") {
  test::UdpPeer member([](std::span<const std::byte> request) -> std::vector<Bytes> {
    return {notify_reply(request, NotifyType::NoProposalChosen)};
  });
  test::TestLoop loop;
  auto probe = std::make_unique<IkeProbe>(loop.get(), ike_options(member.port()));
  bool called = false;
  probe->run([&](ProbeResult r) {
    called = r.ok;
    probe.reset();
  });
  loop.drain();
  CHECK(called);
  CHECK_FALSE(probe);
}

TEST_CASE("tcp probe: connected, refused") {
  test::TestLoop loop;
  SUBCASE("a listener") {
    const test::TcpListener listener(4);
    TcpProbe probe(loop.get(), {.address = kLoopback, .port = listener.port(), .timeout = 2s});
    const ProbeResult r = loop.run(probe);
    CHECK(r.ok);
    CHECK(r.detail == "connected");
  }
  SUBCASE("a full accept queue drops the SYN: timeout") {
    const test::TcpListener listener(0);
    const SocketAddress to = SocketAddress::from(kLoopback, listener.port());
    std::vector<int> fillers;
    for (int i = 0; i < 4; ++i) {
      fillers.push_back(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
      ::connect(fillers.back(), to.get(), to.length);
    }
    std::this_thread::sleep_for(50ms);
    TcpProbe probe(loop.get(), {.address = kLoopback, .port = listener.port(), .timeout = 200ms});
    const ProbeResult r = loop.run(probe);
    CHECK_FALSE(r.ok);
    CHECK(r.detail == "timeout");
    for (const int f : fillers) ::close(f);
  }
  SUBCASE("nothing listening") {
    TcpProbe probe(loop.get(), {.address = kLoopback, .port = test::closed_tcp_port()});
    const ProbeResult r = loop.run(probe);
    CHECK_FALSE(r.ok);
    CHECK(r.detail == "connect: connection refused");
  }
}

}  // namespace
}  // namespace ikesteer::frontend
