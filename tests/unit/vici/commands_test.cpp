// What the agent sends and reads: a list-sa event as charon streams it (README "list-sa"),
// and command replies.
#include "agent/vici/commands.hpp"

#include <doctest/doctest.h>

#include "agent/vici/decode.hpp"
#include "agent/vici/encode.hpp"
#include "agent/vici/stream_splitter.hpp"
#include "vici_test_util.hpp"

namespace ikesteer::vici {
namespace {

using test::Bytes;

// One IKE SA of a remote-access gateway with one CHILD_SA, keys in charon's order.
Packet list_sa_event() {
  Packet p;
  p.type = PacketType::Event;
  p.name = std::string(kListSaEvent);
  Section& sa = p.message.add_section("rw-eap");
  sa.add_value("uniqueid", "17");
  sa.add_value("version", "2");
  sa.add_value("state", "ESTABLISHED");
  sa.add_value("local-host", "192.0.2.11");
  sa.add_value("local-port", "4500");
  sa.add_value("local-id", "gw1.vpn.example");
  sa.add_value("remote-host", "198.51.100.23");
  sa.add_value("remote-port", "4500");
  sa.add_value("remote-id", "198.51.100.23");
  sa.add_value("remote-eap-id", "carol@example.org");
  sa.add_value("initiator-spi", "8a3c5e7f0b1d2e4f");
  sa.add_value("responder-spi", "51e0c2a9d4b7f603");
  sa.add_value("nat-remote", "yes");
  sa.add_value("nat-any", "yes");
  sa.add_value("encr-alg", "AES_GCM_16");
  sa.add_value("encr-keysize", "256");
  sa.add_value("prf-alg", "PRF_HMAC_SHA2_256");
  sa.add_value("dh-group", "CURVE_25519");
  sa.add_value("established", "1234");
  sa.add_value("rekey-time", "12830");
  sa.add_list("remote-vips", {"10.3.0.17"});
  sa.add_list("tasks-queued", {});
  Section& child = sa.add_section("child-sas").add_section("rw-eap-41");
  child.add_value("name", "rw-eap");
  child.add_value("uniqueid", "41");
  child.add_value("reqid", "12");
  child.add_value("state", "INSTALLED");
  child.add_value("mode", "TUNNEL");
  child.add_value("protocol", "ESP");
  child.add_value("encap", "yes");
  child.add_value("spi-in", "c1d2e3f4");
  child.add_value("spi-out", "0a0b0c0d");
  child.add_value("encr-alg", "AES_GCM_16");
  child.add_value("encr-keysize", "256");
  child.add_value("bytes-in", "83241");
  child.add_value("packets-in", "410");
  child.add_value("install-time", "1234");
  child.add_list("local-ts", {"0.0.0.0/0"});
  child.add_list("remote-ts", {"10.3.0.17/32"});
  return p;
}

TEST_CASE("a list-sa event, encoded, split from a stream and decoded") {
  const Packet sent = list_sa_event();
  const auto encoded = encode_packet(sent);
  REQUIRE(encoded);
  StreamSplitter splitter;
  splitter.feed(*encoded);
  const auto next = splitter.next();
  REQUIRE((next && *next));
  const auto decoded = decode_packet(**next);
  REQUIRE(decoded);
  CHECK(*decoded == sent);

  CHECK(decoded->type == PacketType::Event);
  CHECK(decoded->name == "list-sa");
  // The root holds one section per IKE SA, named by its configuration.
  REQUIRE(decoded->message.elements.size() == 1);
  const Element& ike = decoded->message.elements[0];
  CHECK(ike.kind == Element::Kind::Section);
  CHECK(ike.name == "rw-eap");
  const Section& sa = ike.section;
  CHECK(sa.value("uniqueid") == "17");
  CHECK(sa.value("state") == "ESTABLISHED");
  CHECK(sa.value("remote-host") == "198.51.100.23");
  CHECK(sa.value("remote-id") == "198.51.100.23");
  CHECK(sa.value("remote-eap-id") == "carol@example.org");
  CHECK_FALSE(sa.value("remote-xauth-id"));
  REQUIRE(sa.list("remote-vips") != nullptr);
  CHECK(*sa.list("remote-vips") == std::vector<std::string>{"10.3.0.17"});
  REQUIRE(sa.list("tasks-queued") != nullptr);
  CHECK(sa.list("tasks-queued")->empty());

  const Section* children = sa.section("child-sas");
  REQUIRE(children != nullptr);
  const Section* child = children->section("rw-eap-41");
  REQUIRE(child != nullptr);
  CHECK(child->value("uniqueid") == "41");
  CHECK(child->value("state") == "INSTALLED");
  CHECK(*child->list("remote-ts") == std::vector<std::string>{"10.3.0.17/32"});
}

TEST_CASE("redirect request: each selector that is set, then the gateway") {
  RedirectRequest request;
  request.peer_ip = "198.51.100.0/24";
  request.peer_id = "*@example.org";
  request.gateway = "gw2.vpn.example";
  const Packet p = redirect_request(request);
  CHECK(p.type == PacketType::CmdRequest);
  CHECK(p.name == "redirect");
  REQUIRE(p.message.elements.size() == 3);
  CHECK(p.message.elements[0].name == "peer-ip");
  CHECK(p.message.value("peer-ip") == "198.51.100.0/24");
  CHECK(p.message.value("peer-id") == "*@example.org");
  CHECK(p.message.value("gateway") == "gw2.vpn.example");
  CHECK_FALSE(p.message.value("ike-id"));
}

TEST_CASE("command replies") {
  Section ok;
  ok.add_value("success", "yes");
  ok.add_value("matches", "1");
  const CommandReply yes = read_command_reply(ok);
  CHECK(yes.success);
  CHECK(yes.errmsg.empty());

  Section failed;
  failed.add_value("success", "no");
  failed.add_value("matches", "0");
  failed.add_value("errmsg", "no matching SAs to redirect found");
  const CommandReply no = read_command_reply(failed);
  CHECK_FALSE(no.success);
  CHECK(no.errmsg == "no matching SAs to redirect found");

  // Anything but "yes" is a failure, a missing key included.
  Section odd;
  odd.add_value("success", "YES");
  CHECK_FALSE(read_command_reply(odd).success);
  CHECK_FALSE(read_command_reply(Section{}).success);
}

}  // namespace
}  // namespace ikesteer::vici
