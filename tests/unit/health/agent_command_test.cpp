// The agent protocol's commands (IKESTEER-COMMAND/1): golden bytes, round trips, malformations,
// and the field checks commands and the agent share (session ids, their order, gateways).
#include "health/agent_command.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent_test_support.hpp"

namespace ikesteer::health {
namespace {

using namespace std::string_view_literals;
using test::bytes;
using test::kKey;
using test::kNow;
using test::rejection;
using test::sign;
using test::text;

bool parses(std::string_view datagram) {
  return parse_agent_command(bytes(datagram)).has_value();
}

std::optional<AgentReject> parse_error(std::string_view datagram) {
  return rejection(parse_agent_command(bytes(datagram)));
}

// The command points into line: no temporaries.
AgentCommand parsed(std::string_view line) {
  auto c = parse_agent_command(bytes(line));
  REQUIRE(c.has_value());
  return *c;
}
AgentCommand parsed(std::string&& line) = delete;

bool same_fields(const AgentCommand& a, const AgentCommand& b) {
  return a.member == b.member && a.seq == b.seq && a.time == b.time && a.kind == b.kind &&
         a.after == b.after && a.session == b.session && a.gateway == b.gateway;
}

// A DNS name of `size` characters (labels of at most 63).
std::string dns_name(std::size_t size) {
  std::string name;
  while (size - name.size() > 63) name += std::string(62, 'a') + ".";
  return name + std::string(size - name.size(), 'b');
}

AgentCommand list_command(std::string_view member, std::uint64_t seq, std::int64_t time,
                          std::optional<std::string_view> after) {
  AgentCommand c;
  c.member = member;
  c.seq = seq;
  c.time = time;
  c.kind = CommandKind::List;
  c.after = after;
  return c;
}

AgentCommand move_command(std::string_view member, std::uint64_t seq, std::int64_t time,
                          std::string_view session, std::string_view gateway) {
  AgentCommand c;
  c.member = member;
  c.seq = seq;
  c.time = time;
  c.kind = CommandKind::Move;
  c.session = session;
  c.gateway = gateway;
  return c;
}

// printf '%s' "<line before mac>" | openssl dgst -sha256 -mac HMAC -macopt hexkey:<kKeyHex>
constexpr std::string_view kGoldenMove =
    "IKESTEER-COMMAND/1 member=gw-1 seq=1700000000123456 time=1700000000 command=move session=17 "
    "gateway=198.51.100.12 mac=07dedcab882de0f4eb0aa8cc16ca0a1604c864bed81f27bb5fbf6052bff779f4";
constexpr std::string_view kGoldenList =
    "IKESTEER-COMMAND/1 member=gw-1 seq=1700000000123457 time=1700000000 command=list after=9 "
    "mac=8d8a2688b4b7ab3d37cbc9d7ad251c23370e13b97f3f0b60b40185be7d84015b";

TEST_CASE("commands signed with openssl dgst parse, and encode to the same bytes") {
  const auto move = parsed(kGoldenMove);
  CHECK(move.member == "gw-1");
  CHECK(move.seq == 1700000000123456U);
  CHECK(move.time == 1700000000);
  CHECK(move.kind == CommandKind::Move);
  CHECK(move.session == "17");
  CHECK(move.gateway == "198.51.100.12");
  CHECK_FALSE(move.after.has_value());
  CHECK(text(move.signed_part) == kGoldenMove.substr(0, kGoldenMove.find(" mac=")));
  CHECK(move.signed_part.data() == bytes(kGoldenMove).data());
  CHECK(encode_agent_command(move, kKey) == kGoldenMove);
  CHECK(verify_agent_mac(kKey, move.signed_part, move.mac));

  const auto list = parsed(kGoldenList);
  CHECK(list.kind == CommandKind::List);
  CHECK(list.after == "9");
  CHECK(list.session.empty());
  CHECK(list.gateway.empty());
  CHECK(encode_agent_command(list, kKey) == kGoldenList);

  // The agent admits a command as ikesteer admits a report.
  AgentGate gate(kKey);
  CHECK(gate.admit(move.signed_part, move.mac, move.seq, move.time, kNow).has_value());
  CHECK(gate.admit(list.signed_part, list.mac, list.seq, list.time, kNow).has_value());
  CHECK(rejection(gate.admit(move.signed_part, move.mac, move.seq, move.time, kNow)) ==
        AgentReject::Replayed);
  AgentGate other(test::from_hex("ffeeddccbbaa99887766554433221100"));
  CHECK(rejection(other.admit(list.signed_part, list.mac, list.seq, list.time, kNow)) ==
        AgentReject::BadMac);
}

TEST_CASE("encode then parse gives the same command") {
  const std::string long_gateway = dns_name(253);
  const std::string long_id(kMaxSessionIdSize, '#');
  const std::string long_member(63, 'm');
  const std::vector<AgentCommand> commands = {
      list_command("m", 0, 0, std::nullopt),
      list_command(long_member, UINT64_MAX, INT64_MAX, long_id),
      move_command("gw_2.example", 5, kNow, "unique-id:4[2]", "2001:db8::12"),
      move_command("m", 5, kNow, long_id, "GW-2.Example"),
      move_command("m", 0, 0, "1", long_gateway),
  };
  for (const auto& command : commands) {
    const std::string line = encode_agent_command(command, kKey);
    CAPTURE(line);
    CHECK(line.size() <= kMaxAgentCommandSize);
    const auto again = parsed(line);
    CHECK(same_fields(command, again));
    CHECK(verify_agent_mac(kKey, again.signed_part, again.mac));
    CHECK(encode_agent_command(again, kKey) == line);
    CHECK(parses(line + "\n"));
  }
}

TEST_CASE("malformed commands are rejected even when correctly signed") {
  const std::string too_long_id(kMaxSessionIdSize + 1, '1');
  const std::string too_long_gateway = dns_name(254);
  const std::string long_label = std::string(64, 'a') + ".example";
  const std::string bodies[] = {
      // version
      "IKESTEER-COMMAND/2 member=m seq=1 time=2 command=list",
      "IKESTEER-COMMAND/10 member=m seq=1 time=2 command=list",
      "IKESTEER-COMMAND member=m seq=1 time=2 command=list",
      "ikesteer-command/1 member=m seq=1 time=2 command=list",
      "IKESTEER-AGENT/2 member=m seq=1 time=2 command=list",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 command=list",
      "member=m seq=1 time=2 command=list",
      "IKESTEER-COMMAND/1",
      // required, duplicate and unknown keys
      "IKESTEER-COMMAND/1 seq=1 time=2 command=list",
      "IKESTEER-COMMAND/1 member=m time=2 command=list",
      "IKESTEER-COMMAND/1 member=m seq=1 command=list",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list seq=1",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list command=list",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list after=1 after=2",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list state=up",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list After=1",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list after",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list =1",
      // the keys each command takes
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list session=1",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list gateway=gw",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list session=1 gateway=gw",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=move",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=move session=1",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=move gateway=gw",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=move session=1 gateway=gw after=1",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=Move session=1 gateway=gw",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=redirect session=1 gateway=gw",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=",
      // separators and bytes
      "IKESTEER-COMMAND/1  member=m seq=1 time=2 command=list",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list ",
      " IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list",
      "IKESTEER-COMMAND/1 member=m seq=1\ttime=2 command=list",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list\r",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2\ncommand=list",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list after=\x01",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list after=\x7f",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list after=\xc3\xa9",
      std::string("IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list after=1\0"sv),
      // numbers and names
      "IKESTEER-COMMAND/1 member=m seq=-1 time=2 command=list",
      "IKESTEER-COMMAND/1 member=m seq=18446744073709551616 time=2 command=list",
      "IKESTEER-COMMAND/1 member=m seq=1 time=9223372036854775808 command=list",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2.0 command=list",
      "IKESTEER-COMMAND/1 member= seq=1 time=2 command=list",
      "IKESTEER-COMMAND/1 member=gw/1 seq=1 time=2 command=list",
      "IKESTEER-COMMAND/1 member=" + std::string(64, 'm') + " seq=1 time=2 command=list",
      // session ids
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list after=",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list after=a/b",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list after=a%20b",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list after=a=b",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list after=" + too_long_id,
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=move session= gateway=gw",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=move session=a,b gateway=gw",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=move session=" + too_long_id +
          " gateway=gw",
      // gateways
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=move session=1 gateway=",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=move session=1 gateway=198.51.100.12/24",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=move session=1 gateway=-gw.example",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=move session=1 gateway=gw-.example",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=move session=1 gateway=a..b",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=move session=1 gateway=gw.example.",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=move session=1 gateway=.gw",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=move session=1 gateway=gw_2",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=move session=1 gateway=[2001:db8::1]",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=move session=1 gateway=" + long_label,
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=move session=1 gateway=" + too_long_gateway,
  };
  for (const auto& body : bodies) {
    CAPTURE(body);
    CHECK(parse_error(sign(body)) == AgentReject::Malformed);
  }
}

TEST_CASE("a command's mac is last, once, and 64 lowercase hex digits") {
  const std::string body = "IKESTEER-COMMAND/1 member=m seq=1 time=2 command=list";
  const std::string line = sign(body);
  const std::string hex = line.substr(line.size() - 64);
  const std::string lines[] = {
      body,
      body + " mac=",
      body + " mac=" + hex.substr(1),
      body + " mac=" + hex + "0",
      body + " mac=" + hex.substr(0, 63) + "A",
      body + " mac=" + hex + " after=1",
      body + " mac=" + hex + " mac=" + hex,
      body + " mac=" + hex + " ",
      body + " mac=" + hex + "\n\n",
      body + " mac=" + hex + "\r\n",
      body + " mac=" + hex + "\nx",
      body + "  mac=" + hex,
      body + " MAC=" + hex,
      "IKESTEER-COMMAND/1 mac=" + hex + " member=m seq=1 time=2 command=list",
      "",
      "\n",
  };
  for (const auto& l : lines) {
    CAPTURE(l);
    CHECK(parse_error(l) == AgentReject::Malformed);
  }
  CHECK(parses(line));
  CHECK(parses(line + "\n"));
}

TEST_CASE("a command is at most 512 bytes, counting the newline") {
  // The longest member, numbers and session id, then the gateway's length pads the line.
  const auto of_size = [](std::size_t size) {
    const std::string head = "IKESTEER-COMMAND/1 member=" + std::string(63, 'm') +
                             " seq=18446744073709551615 time=9223372036854775807 command=move "
                             "session=" +
                             std::string(kMaxSessionIdSize, '1') + " gateway=";
    const std::size_t fixed = head.size() + 5 + 64;  // " mac=" + hex
    REQUIRE(size > fixed);
    REQUIRE(size - fixed <= 253);
    return sign(head + dns_name(size - fixed));
  };
  CHECK(of_size(512).size() == 512);
  CHECK(parses(of_size(512)));
  CHECK(parses(of_size(511) + "\n"));
  CHECK(parse_error(of_size(512) + "\n") == AgentReject::Malformed);
  CHECK(parse_error(of_size(513)) == AgentReject::Malformed);
}

TEST_CASE("session ids: the characters, the length, the order") {
  for (std::string_view id : {"1"sv, "2147483647"sv, "a-Z_0.9:#[]"sv}) {
    CAPTURE(id);
    CHECK(is_session_id(id));
  }
  CHECK(is_session_id(std::string(64, '9')));
  for (std::string_view id : {""sv, "a b"sv, "a=b"sv, "a/b"sv, "a%b"sv, "é"sv, "a\nb"sv}) {
    CAPTURE(id);
    CHECK_FALSE(is_session_id(id));
  }
  CHECK_FALSE(is_session_id(std::string(65, '9')));

  // Shorter first, then bytewise: decimal ids sort numerically.
  CHECK(id_less("9", "10"));
  CHECK(id_less("10", "100"));
  CHECK(id_less("99", "100"));
  CHECK(id_less("10", "11"));
  CHECK_FALSE(id_less("10", "9"));
  CHECK_FALSE(id_less("10", "10"));
  CHECK(id_less("Z", "a"));
  CHECK(id_less("zz", "aaa"));
}

TEST_CASE("gateways: IP address literals and DNS names") {
  for (std::string_view gateway : {"198.51.100.12"sv, "2001:db8::12"sv, "::ffff:192.0.2.1"sv,
                                   "gw2.vpn.example"sv, "gw-2"sv, "GW2"sv, "2gw"sv}) {
    CAPTURE(gateway);
    CHECK(is_gateway(gateway));
  }
  CHECK(is_gateway(dns_name(253)));
  CHECK(is_gateway(std::string(63, 'a') + ".example"));
  for (std::string_view gateway :
       {""sv, "198.51.100.12/24"sv, "gw .example"sv, "-gw.example"sv, "gw-.example"sv, "a..b"sv,
        "C=CH, O=example"sv, "gw.example."sv, ".gw"sv, "gw_2"sv, "[2001:db8::1]"sv}) {
    CAPTURE(gateway);
    CHECK_FALSE(is_gateway(gateway));
  }
  CHECK_FALSE(is_gateway(std::string(254, 'a')));
  CHECK_FALSE(is_gateway(dns_name(254)));
  CHECK_FALSE(is_gateway(std::string(64, 'a') + ".example"));
}

TEST_CASE("command kinds and reply results have their wire words") {
  CHECK(to_string(CommandKind::List) == "list");
  CHECK(to_string(CommandKind::Move) == "move");
  CHECK(to_string(ReplyResult::Ok) == "ok");
  CHECK(to_string(ReplyResult::Refused) == "refused");
  CHECK(to_string(ReplyResult::Failed) == "failed");
}

}  // namespace
}  // namespace ikesteer::health
