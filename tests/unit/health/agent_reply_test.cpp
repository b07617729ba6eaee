// The agent protocol's replies (IKESTEER-REPLY/1): golden bytes, round trips, malformations,
// list pages, and the percent-encoding of identities.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent_test_support.hpp"
#include "common/ip_address.hpp"
#include "health/agent_command.hpp"

namespace ikesteer::health {
namespace {

using namespace std::string_view_literals;
using test::bytes;
using test::kKey;
using test::rejection;
using test::text;

bool parses(std::string_view datagram) {
  return parse_agent_reply(bytes(datagram)).has_value();
}

std::optional<AgentReject> parse_error(std::string_view datagram) {
  return rejection(parse_agent_reply(bytes(datagram)));
}

// The reply points into datagram: no temporaries.
AgentReply parsed(std::string_view datagram) {
  auto r = parse_agent_reply(bytes(datagram));
  REQUIRE(r.has_value());
  return std::move(*r);
}
AgentReply parsed(std::string&& datagram) = delete;

// The lines, then "mac=" and their HMAC.
std::string sign_lines(std::string_view lines) {
  return test::sign(lines, kKey, "mac=");
}

IpAddress address(std::string_view text) {
  const auto a = IpAddress::parse(text);
  REQUIRE(a.has_value());
  return *a;
}

AgentReply header(std::string_view member = "gw-1", std::uint64_t seq = 1700000000123457,
                  std::int64_t time = 1700000001) {
  AgentReply r;
  r.member = member;
  r.seq = seq;
  r.time = time;
  return r;
}

// printf '<lines before mac>' | openssl dgst -sha256 -mac HMAC -macopt hexkey:<kKeyHex>
// (every line with its "\n"; a '%' doubled for printf)
constexpr std::string_view kGoldenList =
    "IKESTEER-REPLY/1 member=gw-1 seq=1700000000123457 time=1700000001 result=ok sessions=3 "
    "more=0\n"
    "session id=10 peer=203.0.113.5 identity=alice@example.org\n"
    "session id=100 peer=2001:db8::7 identity=C=CH,%20O=example,%20CN=bob\n"
    "mac=13cfbe37f2e5843b829c4e097ced23d3181d580bf77fcbb713e7f470e0d3d807";
constexpr std::string_view kGoldenFailed =
    "IKESTEER-REPLY/1 member=gw-1 seq=1700000000123456 time=1700000001 result=failed "
    "reason=unknown_session\n"
    "mac=f6579d7240e21efc0f5c1a1c53807ed3b7976acb1b38659dec7a356ff44b7cf8";

TEST_CASE("replies signed with openssl dgst parse, and encode to the same bytes") {
  const std::vector<ListedSession> all = {
      {.id = "100", .peer = address("2001:db8::7"), .identity = "C=CH, O=example, CN=bob"},
      {.id = "9", .peer = address("192.0.2.9"), .identity = "carol"},
      {.id = "10", .peer = address("203.0.113.5"), .identity = "alice@example.org"},
  };
  CHECK(encode_list_reply(header(), all, "9", kKey) == kGoldenList);

  const auto list = parsed(kGoldenList);
  CHECK(list.member == "gw-1");
  CHECK(list.seq == 1700000000123457U);
  CHECK(list.time == 1700000001);
  CHECK(list.result == ReplyResult::Ok);
  CHECK_FALSE(list.reason.has_value());
  CHECK(list.sessions == 3U);
  CHECK_FALSE(list.more);
  REQUIRE(list.listed.size() == 2);
  CHECK(list.listed[0].id == "10");
  CHECK(list.listed[0].peer == address("203.0.113.5"));
  CHECK(list.listed[0].identity == "alice@example.org");
  CHECK(list.listed[1].id == "100");
  CHECK(list.listed[1].peer == address("2001:db8::7"));
  CHECK(percent_decode(list.listed[1].identity) == "C=CH, O=example, CN=bob");
  CHECK(text(list.signed_part) == kGoldenList.substr(0, kGoldenList.find("mac=")));
  CHECK(verify_agent_mac(kKey, list.signed_part, list.mac));
  CHECK(parses(std::string(kGoldenList) + "\n"));

  AgentReply failed = header("gw-1", 1700000000123456);
  failed.result = ReplyResult::Failed;
  failed.reason = kReplyFailureReasons[0];
  CHECK(encode_agent_reply(failed, kKey) == kGoldenFailed);
  const auto f = parsed(kGoldenFailed);
  CHECK(f.result == ReplyResult::Failed);
  CHECK(f.reason == "unknown_session");
  CHECK(f.listed.empty());
  CHECK(verify_agent_mac(kKey, f.signed_part, f.mac));
}

TEST_CASE("encode_agent_reply then parse gives the same reply") {
  std::vector<AgentReply> replies;
  replies.push_back(header());  // a move that charon queued
  for (const auto reason : kReplyFailureReasons) {
    replies.push_back(header("m", 1, 2));
    replies.back().result = ReplyResult::Failed;
    replies.back().reason = reason;
  }
  for (const auto reject :
       {AgentReject::Replayed, AgentReject::Stale, AgentReject::UnknownMember}) {
    replies.push_back(header("m", UINT64_MAX, INT64_MAX));
    replies.back().result = ReplyResult::Refused;
    replies.back().reason = to_string(reject);
  }
  replies.push_back(header());
  replies.back().sessions = 0;
  replies.push_back(header());
  replies.back().sessions = UINT32_MAX;
  replies.back().more = true;
  for (const auto& reply : replies) {
    const std::string datagram = encode_agent_reply(reply, kKey);
    CAPTURE(datagram);
    const auto again = parsed(datagram);
    CHECK(again.member == reply.member);
    CHECK(again.seq == reply.seq);
    CHECK(again.time == reply.time);
    CHECK(again.result == reply.result);
    CHECK(again.reason == reply.reason);
    CHECK(again.sessions == reply.sessions);
    CHECK(again.more == reply.more);
    CHECK(again.listed.empty());
    CHECK(verify_agent_mac(kKey, again.signed_part, again.mac));
    CHECK(encode_agent_reply(again, kKey) == datagram);
  }
}

TEST_CASE("malformed replies are rejected even when correctly signed") {
  constexpr std::string_view kHeader = "IKESTEER-REPLY/1 member=m seq=1 time=2 result=ok\n";
  constexpr std::string_view kSession = "session id=1 peer=192.0.2.1 identity=a\n";
  const std::string too_long_identity(kMaxEncodedIdentitySize + 1, 'a');
  const std::string lines[] = {
      // the header line
      "",
      "\n",
      std::string(kSession),
      "IKESTEER-REPLY/2 member=m seq=1 time=2 result=ok\n",
      "IKESTEER-REPLY/10 member=m seq=1 time=2 result=ok\n",
      "IKESTEER-COMMAND/1 member=m seq=1 time=2 result=ok\n",
      "IKESTEER-REPLY/1 seq=1 time=2 result=ok\n",
      "IKESTEER-REPLY/1 member=m time=2 result=ok\n",
      "IKESTEER-REPLY/1 member=m seq=1 result=ok\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=ok result=ok\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=ok command=list\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=OK\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=done\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=ok more=2\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=ok more=\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=ok more=01\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=ok sessions=4294967296\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=ok sessions=-1\n",
      "IKESTEER-REPLY/1  member=m seq=1 time=2 result=ok\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=ok \n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=ok\r\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2\tresult=ok\n",
      // reasons: with refused and failed only, and always with them
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=ok reason=stale\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=refused\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=failed\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=failed reason=\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=failed reason=Unknown\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=failed reason=no-such\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=failed reason=" + std::string(33, 'a') + "\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=refused reason=stale sessions=1\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=refused reason=stale more=0\n",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=failed reason=daemon_refused\n" +
          std::string(kSession),
      // session lines
      std::string(kHeader) + "session id=1 peer=192.0.2.1\n",
      std::string(kHeader) + "session id=1 identity=a\n",
      std::string(kHeader) + "session peer=192.0.2.1 identity=a\n",
      std::string(kHeader) + "session id=1 id=1 peer=192.0.2.1 identity=a\n",
      std::string(kHeader) + "session id=1 peer=192.0.2.1 identity=a state=up\n",
      std::string(kHeader) + "Session id=1 peer=192.0.2.1 identity=a\n",
      std::string(kHeader) + "sessions id=1 peer=192.0.2.1 identity=a\n",
      std::string(kHeader) + "session id= peer=192.0.2.1 identity=a\n",
      std::string(kHeader) + "session id=a/b peer=192.0.2.1 identity=a\n",
      std::string(kHeader) + "session id=" + std::string(65, '1') + " peer=192.0.2.1 identity=a\n",
      std::string(kHeader) + "session id=1 peer=gw.example identity=a\n",
      std::string(kHeader) + "session id=1 peer=192.0.2.256 identity=a\n",
      std::string(kHeader) + "session id=1 peer= identity=a\n",
      std::string(kHeader) + "session id=1 peer=192.0.2.1 identity=a b\n",
      std::string(kHeader) + "session id=1 peer=192.0.2.1 identity=" + too_long_identity + "\n",
      std::string(kHeader) + "session id=1 peer=192.0.2.1 identity=\x01\n",
      std::string(kHeader) + "session id=1 peer=192.0.2.1 identity=\xc3\xa9\n",
      // percent escapes: two upper-case hex digits
      std::string(kHeader) + "session id=1 peer=192.0.2.1 identity=%\n",
      std::string(kHeader) + "session id=1 peer=192.0.2.1 identity=a%2\n",
      std::string(kHeader) + "session id=1 peer=192.0.2.1 identity=%2a\n",
      std::string(kHeader) + "session id=1 peer=192.0.2.1 identity=%G0\n",
      std::string(kHeader) + "session id=1 peer=192.0.2.1 identity=%%41\n",
      std::string(kHeader) + "session id=1 peer=192.0.2.1 identity=a%\n",
      std::string(kHeader) + "session id=1 peer=192.0.2.1 identity=a!b\n",
      std::string(kHeader) + "session id=1 peer=192.0.2.1 local= identity=a\n",
      std::string(kHeader) + "session id=1 peer=192.0.2.1 local=vpn.example identity=a\n",
      std::string(kHeader) + "session id=1 peer=192.0.2.1 local=::1 local=::1 identity=a\n",
      std::string(kHeader) + "session id=1 local=192.0.2.2 identity=a\n",
      // lines out of order
      std::string(kSession) + std::string(kHeader),
      std::string(kHeader) + std::string(kSession) + std::string(kHeader),
      std::string(kHeader) + "\n" + std::string(kSession),
      std::string(kHeader) + std::string(kSession) + "\n",
      std::string(kHeader) + std::string(kSession) + "mac=" + std::string(64, '0') + "\n",
  };
  for (const auto& l : lines) {
    CAPTURE(l);
    CHECK(parse_error(sign_lines(l)) == AgentReject::Malformed);
  }
  CHECK(parses(sign_lines(std::string(kHeader) + std::string(kSession))));
  CHECK(parses(sign_lines(std::string(kHeader) + "session id=1 peer=::1 identity=\n")));
}

TEST_CASE("a reply's mac line is last, and nothing follows its digits but one newline") {
  const std::string lines = "IKESTEER-REPLY/1 member=m seq=1 time=2 result=ok\n";
  const std::string datagram = sign_lines(lines);
  const std::string hex = datagram.substr(datagram.size() - 64);
  const std::string session = "session id=1 peer=192.0.2.1 identity=a";
  const std::string bad[] = {
      lines,
      lines + "mac=",
      lines + "mac=" + hex.substr(1),
      lines + "mac=" + hex + "0",
      lines + "mac=" + hex + " ",
      lines + "mac=" + hex + "\n\n",
      lines + "mac=" + hex + "\r\n",
      lines + "mac=" + hex + "\n" + session,
      lines + "mac=" + hex + "\n" + session + "\n",
      lines + " mac=" + hex,
      lines + "MAC=" + hex,
      lines + "mac=" + hex.substr(0, 63) + "F",
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=ok mac=" + hex,
      "IKESTEER-REPLY/1 member=m seq=1 time=2 result=ok mac=" + hex + "\n",
      "mac=" + hex,
  };
  for (const auto& d : bad) {
    CAPTURE(d);
    CHECK(parse_error(d) == AgentReject::Malformed);
  }
  CHECK(parses(datagram));
  CHECK(parses(datagram + "\n"));
}

TEST_CASE("a reply is at most 1400 bytes, counting the newline") {
  const auto of_size = [](std::size_t size) {
    const std::string line = "session id=1 peer=192.0.2.1 identity=";
    std::string lines = "IKESTEER-REPLY/1 member=m seq=1 time=2 result=ok\n";
    const std::size_t fixed = 4 + 64;  // "mac=" + hex
    while (lines.size() + fixed + line.size() + 1 + 255 < size) lines += line + "a\n";
    const std::size_t rest = size - fixed - lines.size() - line.size() - 1;
    REQUIRE(rest <= 255);
    return sign_lines(lines + line + std::string(rest, 'a') + "\n");
  };
  CHECK(of_size(1400).size() == 1400);
  CHECK(parses(of_size(1400)));
  CHECK(parses(of_size(1399) + "\n"));
  CHECK(parse_error(of_size(1400) + "\n") == AgentReject::Malformed);
  CHECK(parse_error(of_size(1401)) == AgentReject::Malformed);
}

// Pages through `all` as ikesteer would, checking every page; the ids in the order listed.
std::vector<std::string> page_through(const std::vector<ListedSession>& all) {
  std::vector<std::string> ids;
  std::optional<std::string> after;
  for (std::size_t pages = 0;; ++pages) {
    REQUIRE(pages <= all.size());
    const std::string datagram = encode_list_reply(header(), all, after, kKey);
    CAPTURE(datagram);
    CHECK(datagram.size() <= kMaxAgentReplySize);
    const auto page = parsed(datagram);
    CHECK(verify_agent_mac(kKey, page.signed_part, page.mac));
    CHECK(page.result == ReplyResult::Ok);
    CHECK(page.sessions == all.size());
    const std::size_t remaining = all.size() - ids.size();
    if (remaining > 0) CHECK_FALSE(page.listed.empty());
    CHECK(page.more == (page.listed.size() < remaining));
    for (const auto& s : page.listed) {
      if (after) CHECK(id_less(*after, s.id));
      after = std::string(s.id);
      ids.push_back(*after);
    }
    if (!page.more) return ids;
  }
}

std::vector<std::string> sorted_ids(const std::vector<ListedSession>& all) {
  std::vector<std::string> ids;
  for (const auto& s : all) ids.emplace_back(s.id);
  std::sort(ids.begin(), ids.end(), [](const auto& a, const auto& b) { return id_less(a, b); });
  return ids;
}

TEST_CASE("list pages: id order, at most 1400 bytes each, more until the last") {
  std::vector<std::string> ids;
  std::vector<std::string> identities;
  for (int i = 1; i <= 300; ++i) {
    ids.push_back(std::to_string(i));
    identities.push_back("CN=client " + std::to_string(i) + ", O=example" +
                         std::string(static_cast<std::size_t>(i % 7) * 20, 'x'));
  }
  std::vector<ListedSession> all;
  for (std::size_t i = 0; i < ids.size(); ++i)
    all.push_back({.id = ids[i],
                   .peer = address(i % 2 ? "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff" : "192.0.2.1"),
                   .identity = identities[i]});
  std::shuffle(all.begin(), all.end(), std::mt19937(7));
  CHECK(page_through(all) == sorted_ids(all));

  const auto first = encode_list_reply(header(), all, std::nullopt, kKey);
  const auto page = parsed(first);
  REQUIRE(page.listed.size() >= 3);
  CHECK(page.listed[0].id == "1");
  CHECK(page.listed[1].id == "2");
  CHECK(page.listed[2].id == "3");
  CHECK(page.more);

  // 9 < 10 < 100: numeric ids in numeric order.
  std::vector<ListedSession> three = {
      {.id = "100", .peer = address("192.0.2.1"), .identity = "c"},
      {.id = "9", .peer = address("192.0.2.1"), .identity = "a"},
      {.id = "10", .peer = address("192.0.2.1"), .identity = "b"},
  };
  CHECK(page_through(three) == std::vector<std::string>{"9", "10", "100"});
  const std::string after_10_datagram = encode_list_reply(header(), three, "10", kKey);
  const auto after_10 = parsed(after_10_datagram);
  REQUIRE(after_10.listed.size() == 1);
  CHECK(after_10.listed[0].id == "100");
  CHECK_FALSE(after_10.more);
  // An after that is no session's id still pages from where it would sort.
  const std::string after_50 = encode_list_reply(header(), three, "50", kKey);
  CHECK(parsed(after_50).listed.size() == 1);
}

TEST_CASE("a session's local address is optional, and comes back as it went") {
  const std::vector<ListedSession> all = {
      {.id = "1", .peer = address("192.0.2.1"), .identity = "a", .local = address("198.51.100.21")},
      {.id = "2", .peer = address("192.0.2.2"), .identity = "b"},
      {.id = "3", .peer = address("2001:db8::3"), .identity = "c", .local = address("2001:db8::1")},
  };
  const std::string datagram = encode_list_reply(header(), all, std::nullopt, kKey);
  CHECK(datagram.find("session id=1 peer=192.0.2.1 local=198.51.100.21 identity=a\n") !=
        std::string::npos);
  CHECK(datagram.find("session id=2 peer=192.0.2.2 identity=b\n") != std::string::npos);
  const auto page = parsed(datagram);
  REQUIRE(page.listed.size() == 3);
  CHECK(page.listed[0].local == address("198.51.100.21"));
  CHECK_FALSE(page.listed[1].local);
  CHECK(page.listed[2].local == address("2001:db8::1"));
  // Any order, as every token: local last parses too.
  CHECK(
      parses(sign_lines("IKESTEER-REPLY/1 member=m seq=1 time=2 result=ok\n"
                        "session id=1 identity=a peer=::1 local=::2\n")));
}

TEST_CASE("list pages: after beyond the end, and no sessions at all") {
  const std::vector<ListedSession> two = {
      {.id = "1", .peer = address("192.0.2.1"), .identity = "a"},
      {.id = "2", .peer = address("192.0.2.2"), .identity = "b"},
  };
  for (const auto after : {"2"sv, "3"sv, "100"sv, "zz"sv}) {
    CAPTURE(after);
    const std::string datagram = encode_list_reply(header(), two, after, kKey);
    CHECK(datagram.find(" sessions=2 more=0\n") != std::string::npos);
    const auto page = parsed(datagram);
    CHECK(page.listed.empty());
    CHECK_FALSE(page.more);
    CHECK(page.sessions == 2U);
  }
  const std::string empty = encode_list_reply(header(), {}, std::nullopt, kKey);
  const auto none = parsed(empty);
  CHECK(none.listed.empty());
  CHECK_FALSE(none.more);
  CHECK(none.sessions == 0U);
  CHECK(page_through({}).empty());
}

TEST_CASE("list pages: the largest sessions still fit, at least one a page") {
  // Every field at its longest: the longest id, address text and encoded identity.
  std::vector<std::string> ids;
  for (char c = 'a'; c <= 'z'; ++c) ids.push_back(std::string(kMaxSessionIdSize, c));
  const std::string identity(200, ' ');  // each byte an escape: cut to 85 escapes
  std::vector<ListedSession> all;
  for (const auto& id : ids)
    all.push_back({.id = id,
                   .peer = address("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"),
                   .identity = identity,
                   .local = address("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255")});
  const std::string member(63, 'm');
  const AgentReply big = header(member, UINT64_MAX, INT64_MAX);
  std::optional<std::string> after;
  std::size_t listed = 0;
  for (bool more = true; more;) {
    const std::string datagram = encode_list_reply(big, all, after, kKey);
    CHECK(datagram.size() <= kMaxAgentReplySize);
    const auto page = parsed(datagram);
    REQUIRE_FALSE(page.listed.empty());
    for (const auto& s : page.listed) CHECK(s.identity.size() == 255);
    listed += page.listed.size();
    after = std::string(page.listed.back().id);
    more = page.more;
  }
  CHECK(listed == all.size());
}

TEST_CASE("identities: percent-encoded, cut to 255 characters never inside an escape") {
  CHECK(percent_encode_identity("alice@example.org") == "alice@example.org");
  CHECK(percent_encode_identity("C=CH, O=example, CN=bob") == "C=CH,%20O=example,%20CN=bob");
  CHECK(percent_encode_identity("a%b\n\xff\x00"sv) == "a%25b%0A%FF%00");
  CHECK(percent_encode_identity("-._~@:=,+/AZaz09") == "-._~@:=,+/AZaz09");
  CHECK(percent_encode_identity("") == "");

  const std::string plain(300, 'a');
  CHECK(percent_encode_identity(plain) == std::string(255, 'a'));
  // An escape that would end past 255 is left out whole.
  for (std::size_t keep : {252U, 253U, 254U, 255U}) {
    CAPTURE(keep);
    const std::string raw = std::string(keep, 'a') + " b";
    const std::string encoded = percent_encode_identity(raw);
    CHECK(encoded.size() <= kMaxEncodedIdentitySize);
    if (keep <= 252) {
      CHECK(encoded == std::string(keep, 'a') + "%20" + (keep == 252 ? "" : "b"));
    } else {
      CHECK(encoded == std::string(std::min<std::size_t>(keep, 255), 'a'));
    }
  }
  const std::string utf8 = [] {
    std::string s;
    for (int i = 0; i < 100; ++i) s += "\xc3\xa9";  // é
    return s;
  }();
  const std::string cut = percent_encode_identity(utf8);
  CHECK(cut.size() == 255);  // 85 escapes
  CHECK(percent_decode(cut) == utf8.substr(0, 85));
}

TEST_CASE("percent_decode undoes percent_encode_identity and refuses bad escapes") {
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte += static_cast<char>(b);
  for (std::size_t at = 0; at < every_byte.size(); at += 60) {
    const std::string raw = every_byte.substr(at, 60);  // 60 bytes: at most 180 encoded
    CHECK(percent_decode(percent_encode_identity(raw)) == raw);
  }
  CHECK(percent_decode("") == "");
  CHECK(percent_decode("%41%42c") == "ABc");
  for (const auto bad : {"%"sv, "%4"sv, "a%"sv, "%4g"sv, "%4a"sv, "%%"sv, "a b"sv, "a!b"sv,
                         "\xc3\xa9"sv, "a\nb"sv}) {
    CAPTURE(bad);
    CHECK_FALSE(percent_decode(bad).has_value());
  }
}

}  // namespace
}  // namespace ikesteer::health
