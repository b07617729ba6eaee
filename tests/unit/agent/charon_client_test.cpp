// The VICI client against a fake charon on a unix socket: the exchanges charon has with
// swanctl, and everything that can go wrong on the way (each a clear error, never a hang).
#include "agent/strongswan/charon_client.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <vector>

#include "agent/vici/commands.hpp"
#include "agent/vici/encode.hpp"
#include "fake_charon.hpp"
#include "list_sa_builder.hpp"

namespace ikesteer::agent::strongswan {
namespace {

using test::FakeCharon;
using Bytes = std::vector<std::byte>;
using namespace std::chrono_literals;

CharonClient client_of(const FakeCharon& charon, std::chrono::milliseconds timeout = 3s) {
  return CharonClient({.vici_uri = charon.uri(), .timeout = timeout});
}

vici::Packet response(std::initializer_list<std::pair<const char*, const char*>> values) {
  vici::Packet p{.type = vici::PacketType::CmdResponse, .name = ""};
  for (const auto& [key, value] : values) p.message.add_value(key, value);
  return p;
}

Bytes encoded(const vici::Packet& p) {
  auto bytes = vici::encode_packet(p);
  REQUIRE(bytes);
  return *bytes;
}

// charon's side of `swanctl --list-sas`: confirm the registration, stream the events, answer.
FakeCharon::Script list_sas_script(std::vector<vici::Packet> events) {
  return [events](FakeCharon::Peer& peer) {
    if (!peer.read_packet()) return;
    peer.write(vici::Packet{.type = vici::PacketType::EventConfirm, .name = ""});
    if (!peer.read_packet()) return;
    Bytes stream;
    for (const auto& e : events) {
      const Bytes b = encoded(e);
      stream.insert(stream.end(), b.begin(), b.end());
    }
    const Bytes end = encoded(response({}));
    stream.insert(stream.end(), end.begin(), end.end());
    // In uneven pieces, so packets straddle reads.
    for (std::size_t at = 0; at < stream.size(); at += 37)
      peer.write(std::span(stream).subspan(at, std::min<std::size_t>(37, stream.size() - at)));
  };
}

TEST_CASE("list_sessions: registers for list-sa, asks list-sas, reads the stream") {
  std::vector<vici::Packet> events;
  events.push_back(test::list_sa_event({.name = "rw", .uniqueid = "1", .child_sas = 2}));
  events.push_back(test::list_sa_event({.name = "rw",
                                        .uniqueid = "2",
                                        .state = "CONNECTING",
                                        .remote_host = "203.0.113.102",
                                        .established = ""}));
  events.push_back(test::list_sa_event(
      {.name = "rw", .uniqueid = "3", .remote_host = "203.0.113.103", .remote_id = "c103"}));
  FakeCharon charon(list_sas_script(events));

  const auto listed = client_of(charon).list_sessions();
  REQUIRE_MESSAGE(listed, (listed ? "" : listed.error()));
  REQUIRE(listed->sessions.size() == 2);
  CHECK(listed->sessions[0].id == "1");
  CHECK(listed->sessions[0].child_sas == 2);
  CHECK(listed->sessions[1].id == "3");
  CHECK(listed->sessions[1].peer_address == *IpAddress::parse("203.0.113.103"));
  CHECK(listed->sessions[1].peer_id == "c103");
  CHECK(listed->skipped == 1);

  const auto sent = charon.finish();
  REQUIRE(sent.size() == 2);
  CHECK(sent[0] == vici::event_register("list-sa"));
  CHECK(sent[1] == vici::list_sas_request());
}

TEST_CASE("list_sessions: no IKE SAs") {
  FakeCharon charon(list_sas_script({}));
  const auto listed = client_of(charon).list_sessions();
  REQUIRE(listed);
  CHECK(listed->sessions.empty());
  CHECK(listed->skipped == 0);
}

TEST_CASE("list_sessions: charon without the list-sa event") {
  FakeCharon charon([](FakeCharon::Peer& peer) {
    if (peer.read_packet())
      peer.write(vici::Packet{.type = vici::PacketType::EventUnknown, .name = ""});
  });
  const auto listed = client_of(charon).list_sessions();
  REQUIRE_FALSE(listed);
  CHECK(listed.error() == "charon does not know the list-sa event");
}

TEST_CASE("redirect: asks for exactly that IKE SA and reports charon's success") {
  FakeCharon charon([](FakeCharon::Peer& peer) {
    if (peer.read_packet()) peer.write(response({{"success", "yes"}, {"matches", "1"}}));
  });
  const auto reply = client_of(charon).redirect("17", "198.51.100.12");
  REQUIRE_MESSAGE(reply, (reply ? "" : reply.error().message));
  CHECK(reply->matches == 1);

  const auto sent = charon.finish();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].type == vici::PacketType::CmdRequest);
  CHECK(sent[0].name == "redirect");
  // The IKE SA id is the only selector: charon applies every selector it is given.
  vici::Section expected;
  expected.add_value("ike-id", "17");
  expected.add_value("gateway", "198.51.100.12");
  CHECK(sent[0].message == expected);
}

TEST_CASE("redirect: charon matched no IKE SA: an unknown session, in its words") {
  FakeCharon charon([](FakeCharon::Peer& peer) {
    if (peer.read_packet())
      peer.write(response(
          {{"success", "no"}, {"matches", "0"}, {"errmsg", "no matching SAs to redirect found"}}));
  });
  const auto reply = client_of(charon).redirect("99", "gw2.vpn.example");
  REQUIRE_FALSE(reply);
  CHECK(reply.error().failure == RedirectFailure::UnknownSession);
  CHECK(reply.error().message == "no matching SAs to redirect found");
}

TEST_CASE("redirect: an id or a gateway charon would misread is refused before asking") {
  // No fake charon: nothing may be sent (the socket does not exist).
  const CharonClient client({.vici_uri = "unix:///nonexistent/charon.vici", .timeout = 1s});
  for (const char* id : {"", "0", "abc", "1 ", "2147483648"}) {
    CAPTURE(id);
    const auto reply = client.redirect(id, "198.51.100.12");
    REQUIRE_FALSE(reply);
    // charon lists no such id: no such session.
    CHECK(reply.error().failure == RedirectFailure::UnknownSession);
    CHECK(reply.error().message.find("is not a charon IKE SA id") != std::string::npos);
  }
  for (const char* gateway : {"", "198.51.100.12/24", "gw .example", "-gw.example", "a..b",
                              "C=CH, O=example", "gw.example."}) {
    CAPTURE(gateway);
    const auto reply = client.redirect("17", gateway);
    REQUIRE_FALSE(reply);
    CHECK(reply.error().failure == RedirectFailure::DaemonRefused);
    CHECK(reply.error().message.find("is not an IP address or a DNS name") != std::string::npos);
  }
}

TEST_CASE("a packet cut off by charon closing the connection") {
  FakeCharon charon([](FakeCharon::Peer& peer) {
    if (!peer.read_packet()) return;
    const Bytes whole = encoded(response({{"success", "yes"}, {"matches", "1"}}));
    peer.write(std::span(whole).first(whole.size() - 3));
    peer.hang_up();
  });
  const auto reply = client_of(charon).redirect("17", "198.51.100.12");
  REQUIRE_FALSE(reply);
  CHECK(reply.error().failure == RedirectFailure::DaemonUnreachable);
  CHECK(reply.error().message == "charon closed the connection in the middle of a packet");
}

TEST_CASE("charon closing without an answer") {
  FakeCharon charon([](FakeCharon::Peer& peer) {
    (void)peer.read_packet();
    peer.hang_up();
  });
  const auto listed = client_of(charon).list_sessions();
  REQUIRE_FALSE(listed);
  CHECK(listed.error() == "charon closed the connection");
}

TEST_CASE("a length over 512 KiB is refused at once, without waiting for it") {
  FakeCharon charon([](FakeCharon::Peer& peer) {
    if (!peer.read_packet()) return;
    const Bytes length = {std::byte{0x00}, std::byte{0x08}, std::byte{0x00}, std::byte{0x01}};
    peer.write(length);
  });
  const auto reply = client_of(charon, 10s).redirect("17", "198.51.100.12");
  REQUIRE_FALSE(reply);
  CHECK(reply.error().failure == RedirectFailure::DaemonUnreachable);
  CHECK(reply.error().message == "charon sent a bad packet length: bad length at offset 0");
}

TEST_CASE("a malformed packet") {
  FakeCharon charon([](FakeCharon::Peer& peer) {
    if (!peer.read_packet()) return;
    // CMD_RESPONSE whose message opens a section it never closes.
    const Bytes bad = {std::byte{0}, std::byte{0}, std::byte{0}, std::byte{4},
                       std::byte{1}, std::byte{1}, std::byte{1}, std::byte{'s'}};
    peer.write(bad);
  });
  const auto reply = client_of(charon).redirect("17", "198.51.100.12");
  REQUIRE_FALSE(reply);
  CHECK(reply.error().failure == RedirectFailure::DaemonUnreachable);
  CHECK(reply.error().message.starts_with("charon sent a malformed packet: truncated"));
}

TEST_CASE("an answer of the wrong type") {
  FakeCharon charon([](FakeCharon::Peer& peer) {
    if (peer.read_packet())
      peer.write(vici::Packet{.type = vici::PacketType::CmdUnknown, .name = ""});
  });
  const auto reply = client_of(charon).redirect("17", "198.51.100.12");
  REQUIRE_FALSE(reply);
  // It answered: a refusal, not an outage.
  CHECK(reply.error().failure == RedirectFailure::DaemonRefused);
  CHECK(reply.error().message == "charon does not know the redirect command");
}

TEST_CASE("charon silent: the call ends at its timeout") {
  FakeCharon charon([](FakeCharon::Peer& peer) { (void)peer.read_packet(); });
  const auto start = std::chrono::steady_clock::now();
  const auto listed = client_of(charon, 200ms).list_sessions();
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(listed);
  CHECK(listed.error() == "charon did not answer in time");
  CHECK(took >= 200ms);
  CHECK(took < 3s);
}

TEST_CASE("no socket, or not a unix:// address") {
  const auto none =
      CharonClient({.vici_uri = "unix:///nonexistent/charon.vici", .timeout = 1s}).list_sessions();
  REQUIRE_FALSE(none);
  CHECK(none.error() == "connect to /nonexistent/charon.vici: No such file or directory");
  const auto move = CharonClient({.vici_uri = "unix:///nonexistent/charon.vici", .timeout = 1s})
                        .redirect("17", "198.51.100.12");
  REQUIRE_FALSE(move);
  CHECK(move.error().failure == RedirectFailure::DaemonUnreachable);
  const auto tcp =
      CharonClient({.vici_uri = "tcp://127.0.0.1:4502", .timeout = 1s}).list_sessions();
  REQUIRE_FALSE(tcp);
  CHECK(tcp.error() == "VICI address 'tcp://127.0.0.1:4502' is not unix://<path>");
}

}  // namespace
}  // namespace ikesteer::agent::strongswan
