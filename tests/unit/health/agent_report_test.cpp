// The member agent protocol: parsing, MAC, replay and clock checks, and the reference agent
// script's output against the parser.
#include "health/agent_report.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent_test_support.hpp"
#include "common/hmac.hpp"

namespace ikesteer::health {
namespace {

using namespace std::chrono_literals;
using namespace std::string_view_literals;

using test::bytes;
using test::from_hex;
using test::kKey;
using test::kKeyHex;
using test::kNow;
using test::rejection;
using test::sign;
using test::to_hex;

// The report points into line: no temporaries.
Result<AgentReport, AgentReject> parse(std::string_view line) {
  return parse_agent_report(bytes(line));
}
Result<AgentReport, AgentReject> parse(std::string&& line) = delete;

bool parses(std::string_view line) {
  return parse_agent_report(bytes(line)).has_value();
}

// Why parsing failed; empty if it did not.
std::optional<AgentReject> parse_error(std::string_view line) {
  const auto r = parse_agent_report(bytes(line));
  if (r.has_value()) return std::nullopt;
  return r.error();
}

AgentReport parsed(std::string_view line) {
  auto r = parse(line);
  REQUIRE(r.has_value());
  return *r;
}

// A signed report for m1 with the given seq and time, with the datagram it points into. Not
// copyable: the report must not outlive its line.
struct SignedReport {
  SignedReport(std::uint64_t seq, std::int64_t time, std::span<const std::byte> key = kKey)
      : line(sign("IKESTEER-AGENT/1 member=m1 seq=" + std::to_string(seq) +
                      " time=" + std::to_string(time) + " state=up",
                  key)),
        report(parsed(line)) {}
  SignedReport(const SignedReport&) = delete;
  SignedReport& operator=(const SignedReport&) = delete;

  const std::string line;
  const AgentReport report;
};

TEST_CASE("hmac_sha256 matches RFC 4231; equal_constant_time compares bytes") {
  // RFC 4231 §4.3, test case 2.
  const auto mac = hmac_sha256(bytes("Jefe"), bytes("what do ya want for nothing?"));
  REQUIRE(mac.has_value());
  CHECK(to_hex(*mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(hmac_sha256({}, {}).has_value());

  auto other = *mac;
  CHECK(equal_constant_time(*mac, other));
  other[31] ^= std::byte{1};
  CHECK_FALSE(equal_constant_time(*mac, other));
  CHECK_FALSE(equal_constant_time(*mac, std::span(other).first(31)));
  CHECK(equal_constant_time({}, {}));
}

TEST_CASE("a report signed with openssl dgst parses and is admitted") {
  // printf '%s' "<line before mac>" | openssl dgst -sha256 -mac HMAC -macopt hexkey:<kKeyHex>
  constexpr std::string_view kGolden =
      "IKESTEER-AGENT/1 member=gw-1 seq=1700000000123 time=1700000000 state=drain load=0.35 "
      "capacity=250 mac=217ae666872383bde20371a211c97757081d49f1f8d1ff8dfda0ccb94cea6699\n";
  const auto r = parse(kGolden);
  REQUIRE(r.has_value());
  CHECK(r->member == "gw-1");
  CHECK(r->seq == 1700000000123U);
  CHECK(r->time == 1700000000);
  CHECK(r->state == AgentState::Drain);
  CHECK(r->load == 0.35);
  CHECK(r->capacity == 250U);
  CHECK(std::string_view(reinterpret_cast<const char*>(r->signed_part.data()),
                         r->signed_part.size()) == kGolden.substr(0, kGolden.find(" mac=")));
  CHECK(r->signed_part.data() == bytes(kGolden).data());

  AgentGate gate(kKey);
  CHECK(gate.admit(*r, kNow).has_value());
  CHECK(gate.last_seq() == 1700000000123U);

  AgentGate other(from_hex("00112233445566778899aabbccddee00"));
  CHECK(rejection(other.admit(*r, kNow)) == AgentReject::BadMac);
}

TEST_CASE("fields come in any order, load and capacity are optional") {
  const auto line = sign("IKESTEER-AGENT/1 state=maintenance time=0 seq=0 member=A.b_c-9");
  const auto r = parse(line);
  REQUIRE(r.has_value());
  CHECK(r->member == "A.b_c-9");
  CHECK(r->seq == 0U);
  CHECK(r->time == 0);
  CHECK(r->state == AgentState::Maintenance);
  CHECK_FALSE(r->load.has_value());
  CHECK_FALSE(r->capacity.has_value());
  CHECK(parses(line + "\n"));

  for (auto [word, state] : {std::pair{"up"sv, AgentState::Up},
                             {"drain"sv, AgentState::Drain},
                             {"maintenance"sv, AgentState::Maintenance},
                             {"down"sv, AgentState::Down}}) {
    const std::string with_state =
        sign("IKESTEER-AGENT/1 member=m seq=1 time=2 state=" + std::string(word));
    const auto s = parse(with_state);
    REQUIRE(s.has_value());
    CHECK(s->state == state);
  }
}

TEST_CASE("numbers at their limits") {
  const std::string line = sign(
      "IKESTEER-AGENT/1 member=m seq=18446744073709551615 time=9223372036854775807 state=up "
      "capacity=4294967295 load=1.000");
  const auto r = parse(line);
  REQUIRE(r.has_value());
  CHECK(r->seq == std::numeric_limits<std::uint64_t>::max());
  CHECK(r->time == std::numeric_limits<std::int64_t>::max());
  CHECK(r->capacity == std::numeric_limits<std::uint32_t>::max());
  CHECK(r->load == 1.0);

  // A plain pair: doctest's CAPTURE cannot capture a structured binding (clang).
  for (const auto& load : {std::pair{"0"sv, 0.0},
                           {"1"sv, 1.0},
                           {"0.0"sv, 0.0},
                           {"0.5"sv, 0.5},
                           {"0.999"sv, 0.999},
                           {"0.0001"sv, 0.0001}}) {
    CAPTURE(load.first);
    const std::string with_load =
        sign("IKESTEER-AGENT/1 member=m seq=1 time=2 state=up load=" + std::string(load.first));
    const auto l = parse(with_load);
    REQUIRE(l.has_value());
    CHECK(l->load == load.second);
  }
  const std::string zeros = sign("IKESTEER-AGENT/1 member=m seq=007 time=2 state=up capacity=0");
  const auto padded = parse(zeros);
  REQUIRE(padded.has_value());
  CHECK(padded->seq == 7U);
  CHECK(padded->capacity == 0U);
}

TEST_CASE("malformed reports are rejected even when correctly signed") {
  const std::string_view kBodies[] = {
      // version
      "IKESTEER-AGENT/3 member=m seq=1 time=2 state=up",
      "IKESTEER-AGENT/ member=m seq=1 time=2 state=up",
      "IKESTEER-AGENT/1/2 member=m seq=1 time=2 state=up",
      "IKESTEER-AGENT/10 member=m seq=1 time=2 state=up",
      "ikesteer-agent/1 member=m seq=1 time=2 state=up",
      "member=m seq=1 time=2 state=up",
      "IKESTEER-AGENT/1",
      // required, duplicate, unknown keys
      "IKESTEER-AGENT/1 seq=1 time=2 state=up",
      "IKESTEER-AGENT/1 member=m time=2 state=up",
      "IKESTEER-AGENT/1 member=m seq=1 state=up",
      "IKESTEER-AGENT/1 member=m seq=1 time=2",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up seq=3",
      "IKESTEER-AGENT/1 member=m member=m seq=1 time=2 state=up",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up load=0.1 load=0.1",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up foo=1",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up Load=0.1",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up =1",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up load",
      // separators
      "IKESTEER-AGENT/1  member=m seq=1 time=2 state=up",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up ",
      " IKESTEER-AGENT/1 member=m seq=1 time=2 state=up",
      "IKESTEER-AGENT/1 member=m seq=1\ttime=2 state=up",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up\r",
      "IKESTEER-AGENT/1 member=m seq==1 time=2 state=up",
      // numbers
      "IKESTEER-AGENT/1 member=m seq= time=2 state=up",
      "IKESTEER-AGENT/1 member=m seq=-1 time=2 state=up",
      "IKESTEER-AGENT/1 member=m seq=+1 time=2 state=up",
      "IKESTEER-AGENT/1 member=m seq=1x time=2 state=up",
      "IKESTEER-AGENT/1 member=m seq=0x10 time=2 state=up",
      "IKESTEER-AGENT/1 member=m seq=18446744073709551616 time=2 state=up",
      "IKESTEER-AGENT/1 member=m seq=1 time=-2 state=up",
      "IKESTEER-AGENT/1 member=m seq=1 time=2.5 state=up",
      "IKESTEER-AGENT/1 member=m seq=1 time=9223372036854775808 state=up",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up capacity=4294967296",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up capacity=-1",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up capacity=1.5",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up capacity=",
      "IKESTEER-AGENT/2 member=m seq=1 time=2 state=up sessions=4294967296",
      "IKESTEER-AGENT/2 member=m seq=1 time=2 state=up sessions=-1",
      "IKESTEER-AGENT/2 member=m seq=1 time=2 state=up sessions=",
      "IKESTEER-AGENT/2 member=m seq=1 time=2 state=up sessions=1 sessions=1",
      // load outside 0..1 or not a plain decimal
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up load=1.01",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up load=1.0000000000000000000001",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up load=2",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up load=-0.1",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up load=-0",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up load=.5",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up load=0.",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up load=00.5",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up load=0.3.5",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up load=0,5",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up load=1e-1",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up load=nan",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up load=inf",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up load=",
      // state
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=Up",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=draining",
      "IKESTEER-AGENT/1 member=m seq=1 time=2 state=",
      // member
      "IKESTEER-AGENT/1 member= seq=1 time=2 state=up",
      "IKESTEER-AGENT/1 member=gw/1 seq=1 time=2 state=up",
      "IKESTEER-AGENT/1 member=gw=1 seq=1 time=2 state=up",
      "IKESTEER-AGENT/1 member=gw\xc3\xa9 seq=1 time=2 state=up",
      "IKESTEER-AGENT/1 member=gw\x7f seq=1 time=2 state=up",
      "IKESTEER-AGENT/1 member=gw\0 seq=1 time=2 state=up"sv,
  };
  for (std::string_view body : kBodies) {
    CAPTURE(body);
    CHECK(parse_error(sign(body)) == AgentReject::Malformed);
  }
  const std::string longest(63, 'm');
  CHECK(parses(sign("IKESTEER-AGENT/1 member=" + longest + " seq=1 time=2 state=up")));
  CHECK_FALSE(parses(sign("IKESTEER-AGENT/1 member=" + longest + "m seq=1 time=2 state=up")));
}

TEST_CASE("the mac must be last, once, and 64 lowercase hex digits") {
  const std::string body = "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up";
  const std::string line = sign(body);
  const std::string hex = line.substr(line.size() - 64);
  const std::string upper = [&] {
    std::string u = hex;
    for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return u;
  }();
  const std::string kLines[] = {
      body,
      body + " mac=",
      body + " mac=" + hex.substr(1),
      body + " mac=" + hex + "0",
      body + " mac=" + upper,
      body + " mac=" + hex.substr(0, 63) + "g",
      body + " mac=" + hex + " load=0.5",
      body + " mac=" + hex + " mac=" + hex,
      body + " mac=" + hex + " ",
      body + " mac=" + hex + "\n\n",
      body + " mac=" + hex + "\r\n",
      body + "  mac=" + hex,
      body + " MAC=" + hex,
      "IKESTEER-AGENT/1 mac=" + hex,
      "",
      "\n",
  };
  for (const auto& l : kLines) {
    CAPTURE(l);
    CHECK(parse_error(l) == AgentReject::Malformed);
  }
  CHECK(parses(body + " mac=" + hex));
}

TEST_CASE("a report is at most 512 bytes, counting the newline") {
  // load=0.000... pads the line to any length.
  const auto of_size = [](std::size_t size) {
    const std::string head = "IKESTEER-AGENT/1 member=m seq=1 time=2 state=up load=0.";
    const std::size_t fixed = head.size() + 5 + 64;  // " mac=" + hex
    REQUIRE(size > fixed);
    return sign(head + std::string(size - fixed, '0'));
  };
  CHECK(of_size(512).size() == 512);
  CHECK(parses(of_size(512)));
  CHECK(parses(of_size(511) + "\n"));
  CHECK(parse_error(of_size(512) + "\n") == AgentReject::Malformed);
  CHECK(parse_error(of_size(513)) == AgentReject::Malformed);
}

TEST_CASE("the gate rejects a wrong mac, whatever was changed") {
  const std::string line = sign("IKESTEER-AGENT/1 member=m1 seq=5 time=1700000000 state=up");
  AgentGate gate(kKey);

  std::string flipped = line;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  std::string renamed = line;
  renamed.replace(renamed.find("m1"), 2, "m2");
  std::string reseq = line;
  reseq.replace(reseq.find("seq=5"), 5, "seq=6");
  std::string restate = line;
  restate.replace(restate.find("state=up"), 8, "state=down");
  for (const auto& l : {flipped, renamed, reseq, restate}) {
    CAPTURE(l);
    CHECK(rejection(gate.admit(parsed(l), kNow)) == AgentReject::BadMac);
  }
  CHECK_FALSE(gate.last_seq().has_value());

  const SignedReport other_key(9, kNow, from_hex("ffeeddccbbaa99887766554433221100"));
  CHECK(rejection(gate.admit(other_key.report, kNow)) == AgentReject::BadMac);
  CHECK_FALSE(gate.last_seq().has_value());

  CHECK(gate.admit(parsed(line), kNow).has_value());
  CHECK(gate.last_seq() == 5U);
}

TEST_CASE("the gate admits each seq once, in increasing order") {
  AgentGate gate(kKey);
  const SignedReport a(100, kNow);
  CHECK(gate.admit(a.report, kNow).has_value());
  CHECK(gate.last_seq() == 100U);

  CHECK(rejection(gate.admit(a.report, kNow + 1)) == AgentReject::Replayed);
  CHECK(rejection(gate.admit(SignedReport(99, kNow).report, kNow)) == AgentReject::Replayed);
  CHECK(rejection(gate.admit(SignedReport(0, kNow).report, kNow)) == AgentReject::Replayed);
  CHECK(gate.last_seq() == 100U);

  CHECK(gate.admit(SignedReport(101, kNow).report, kNow).has_value());
  CHECK(gate.admit(SignedReport(5000, kNow).report, kNow).has_value());
  CHECK(gate.last_seq() == 5000U);
  // A replay that is also stale counts as a replay.
  CHECK(rejection(gate.admit(SignedReport(4000, 0).report, kNow)) == AgentReject::Replayed);

  AgentGate fresh(kKey);
  CHECK(fresh.admit(SignedReport(0, kNow).report, kNow).has_value());
  CHECK(fresh.last_seq() == 0U);
}

TEST_CASE("the gate rejects a time further than max_skew from now, both ways") {
  AgentGate gate(kKey);
  std::uint64_t seq = 1;
  for (std::int64_t skew : {-30, -1, 0, 1, 30}) {
    CAPTURE(skew);
    CHECK(gate.admit(SignedReport(seq, kNow + skew).report, kNow).has_value());
    CHECK(gate.last_seq() == seq++);
  }
  for (std::int64_t skew : {-31, 31, -3600, 3600}) {
    CAPTURE(skew);
    CHECK(rejection(gate.admit(SignedReport(seq, kNow + skew).report, kNow)) == AgentReject::Stale);
  }

  AgentGate tight(kKey, 2s);
  CHECK(rejection(tight.admit(SignedReport(1, kNow - 3).report, kNow)) == AgentReject::Stale);
  CHECK(tight.admit(SignedReport(1, kNow - 2).report, kNow).has_value());

  // Distances beyond the int64 range neither overflow nor pass.
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  AgentGate far(kKey);
  CHECK(rejection(far.admit(SignedReport(1, kMax).report, 0)) == AgentReject::Stale);
  CHECK(rejection(far.admit(SignedReport(1, kMax).report, kMin)) == AgentReject::Stale);
  CHECK(rejection(far.admit(SignedReport(1, 0).report, kMin)) == AgentReject::Stale);
  CHECK(far.admit(SignedReport(1, kMax).report, kMax - 30).has_value());
}

TEST_CASE("a rejected report does not advance the seq") {
  AgentGate gate(kKey);
  CHECK(gate.admit(SignedReport(10, kNow).report, kNow).has_value());
  CHECK(rejection(gate.admit(SignedReport(1000, kNow - 60).report, kNow)) == AgentReject::Stale);
  CHECK(rejection(gate.admit(SignedReport(2000, kNow, from_hex("ffff")).report, kNow)) ==
        AgentReject::BadMac);
  CHECK(gate.last_seq() == 10U);
  CHECK(gate.admit(SignedReport(11, kNow).report, kNow).has_value());
  CHECK(gate.last_seq() == 11U);
}

TEST_CASE("a v2 report signed with openssl dgst parses; v1 and v2 both set version") {
  // printf '%s' "<line before mac>" | openssl dgst -sha256 -mac HMAC -macopt hexkey:<kKeyHex>
  constexpr std::string_view kGolden =
      "IKESTEER-AGENT/2 member=gw-1 seq=1700000000123 time=1700000000 state=up load=0.350 "
      "capacity=250 sessions=1234 mac=fda1e36556a48caea3676b23082bb5f51ff5253018cd351b7ac6af4e887d"
      "8330";
  const auto r = parse(kGolden);
  REQUIRE(r.has_value());
  CHECK(r->version == 2U);
  CHECK(r->member == "gw-1");
  CHECK(r->load == 0.35);
  CHECK(r->capacity == 250U);
  CHECK(r->sessions == 1234U);
  AgentGate gate(kKey);
  CHECK(gate.admit(*r, kNow).has_value());

  const std::string v1 = sign("IKESTEER-AGENT/1 member=m seq=1 time=2 state=up");
  CHECK(parsed(v1).version == 1U);
  CHECK_FALSE(parsed(v1).sessions.has_value());
  const std::string v2 = sign("IKESTEER-AGENT/2 member=m seq=1 time=2 state=up");
  CHECK(parsed(v2).version == 2U);
  CHECK_FALSE(parsed(v2).sessions.has_value());
  const std::string v2_zero = sign("IKESTEER-AGENT/2 sessions=0 member=m seq=1 time=2 state=up");
  CHECK(parsed(v2_zero).sessions == 0U);
}

TEST_CASE("sessions= is an unknown key in v1") {
  for (std::string_view body : {"IKESTEER-AGENT/1 member=m seq=1 time=2 state=up sessions=3",
                                "IKESTEER-AGENT/1 sessions=0 member=m seq=1 time=2 state=up"}) {
    CAPTURE(body);
    CHECK(parse_error(sign(body)) == AgentReject::Malformed);
  }
}

TEST_CASE("encode_agent_report writes a signed v2 report that parses back") {
  AgentReport report;
  report.version = 1;  // ignored: always v2
  report.member = "gw-1";
  report.seq = 1700000000123;
  report.time = 1700000000;
  report.state = AgentState::Up;
  report.load = 0.35;
  report.capacity = 250;
  report.sessions = 1234;
  const std::string line = encode_agent_report(report, kKey);
  CHECK(
      line ==
      "IKESTEER-AGENT/2 member=gw-1 seq=1700000000123 time=1700000000 state=up load=0.350 "
      "capacity=250 sessions=1234 mac=fda1e36556a48caea3676b23082bb5f51ff5253018cd351b7ac6af4e887d"
      "8330");

  report.state = AgentState::Maintenance;
  report.load.reset();
  report.capacity.reset();
  report.sessions.reset();
  const std::string bare = encode_agent_report(report, kKey);
  CHECK(bare.find("load=") == std::string::npos);
  CHECK(bare.find("sessions=") == std::string::npos);
  const auto r = parsed(bare);
  CHECK(r.version == 2U);
  CHECK(r.state == AgentState::Maintenance);
  CHECK(r.seq == report.seq);
  CHECK(r.time == report.time);
  CHECK_FALSE(r.load.has_value());
  CHECK(AgentGate(kKey).admit(r, kNow).has_value());
}

TEST_CASE("encode_agent_report prints load with 3 decimals, within 0..1") {
  for (const auto& load : {std::pair{0.0, "0.000"sv},
                           {1.0, "1.000"sv},
                           {0.35, "0.350"sv},
                           {0.12345, "0.123"sv},
                           {0.9996, "1.000"sv},
                           {1.5, "1.000"sv},
                           {-0.2, "0.000"sv},
                           {std::numeric_limits<double>::infinity(), "1.000"sv},
                           {std::numeric_limits<double>::quiet_NaN(), "0.000"sv}}) {
    CAPTURE(load.first);
    AgentReport report;
    report.member = "m";
    report.load = load.first;
    const std::string line = encode_agent_report(report, kKey);
    CHECK(line.find(" load=" + std::string(load.second) + " ") != std::string::npos);
    CHECK(parses(line));
  }
}

TEST_CASE("the generic admit checks any signed message like a report") {
  const std::string body = "IKESTEER-COMMAND/1 member=m1 seq=7 time=1700000000 command=list";
  const auto mac = hmac_sha256(kKey, bytes(body));
  REQUIRE(mac.has_value());
  AgentGate gate(kKey);
  auto wrong = *mac;
  wrong[0] ^= std::byte{1};
  CHECK(rejection(gate.admit(bytes(body), wrong, 7, kNow, kNow)) == AgentReject::BadMac);
  CHECK(rejection(gate.admit(bytes(body), *mac, 7, kNow - 31, kNow)) == AgentReject::Stale);
  CHECK_FALSE(gate.last_seq().has_value());
  CHECK(gate.admit(bytes(body), *mac, 7, kNow, kNow).has_value());
  CHECK(gate.last_seq() == 7U);
  CHECK(rejection(gate.admit(bytes(body), *mac, 7, kNow, kNow)) == AgentReject::Replayed);
  CHECK(rejection(gate.admit(bytes(body), *mac, 6, kNow, kNow)) == AgentReject::Replayed);
  CHECK(gate.last_seq() == 7U);
  // The gate checks the MAC over the bytes given; seq and time are the caller's parse of them.
  CHECK(gate.admit(bytes(body), *mac, 8, kNow + 30, kNow).has_value());
  CHECK(verify_agent_mac(kKey, bytes(body), *mac));
  CHECK_FALSE(verify_agent_mac(kKey, bytes(body), wrong));
  CHECK_FALSE(verify_agent_mac(from_hex("ff"), bytes(body), *mac));
}

TEST_CASE("reject reasons have metric label words") {
  CHECK(to_string(AgentReject::Malformed) == "malformed");
  CHECK(to_string(AgentReject::UnknownMember) == "unknown_member");
  CHECK(to_string(AgentReject::BadMac) == "bad_mac");
  CHECK(to_string(AgentReject::Replayed) == "replayed");
  CHECK(to_string(AgentReject::Stale) == "stale");
}

// Runs the reference agent with --once --print; its line, or "" if it failed.
std::string run_agent(const std::string& args) {
  const std::string command = "bash '" IKESTEER_AGENT_SCRIPT "' --once --print " + args;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  std::array<char, 1024> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) out += buffer.data();
  return pclose(pipe) == 0 ? out : "";
}

TEST_CASE("the reference agent's reports are admitted") {
  if (std::system("command -v bash >/dev/null && command -v openssl >/dev/null") != 0) {
    MESSAGE("skipped: needs bash and openssl");
    return;
  }
  AgentGate gate(kKey);

  SUBCASE("all fields") {
    const std::string line =
        run_agent("-m gw-1 -k " + std::string(kKeyHex) + " -s maintenance -l 0.35 -c 250");
    CAPTURE(line);
    REQUIRE(line.ends_with('\n'));
    const auto r = parse(line);
    REQUIRE(r.has_value());
    CHECK(r->member == "gw-1");
    CHECK(r->state == AgentState::Maintenance);
    CHECK(r->load == 0.35);
    CHECK(r->capacity == 250U);
    CHECK(gate.admit(*r, std::time(nullptr)).has_value());

    const std::string next = run_agent("-m gw-1 -k " + std::string(kKeyHex));
    const auto n = parse(next);
    REQUIRE(n.has_value());
    CHECK(n->seq > r->seq);
    CHECK_FALSE(n->load.has_value());
    CHECK(gate.admit(*n, std::time(nullptr)).has_value());
  }

  SUBCASE("key and state from files, load from the load average") {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("ikesteer_agent_test." + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "key") << kKeyHex << "\n";
    std::ofstream(dir / "state") << "drain\n";
    const std::string line =
        run_agent("-m m1 --key-file " + (dir / "key").string() + " --state-file " +
                  (dir / "state").string() + " --load auto");
    std::filesystem::remove_all(dir);
    const auto r = parse(line);
    REQUIRE(r.has_value());
    CHECK(r->state == AgentState::Drain);
    REQUIRE(r->load.has_value());
    CHECK(gate.admit(*r, std::time(nullptr)).has_value());
  }

  SUBCASE("bad arguments fail") {
    const std::string key = " -k " + std::string(kKeyHex) + " 2>/dev/null";
    CHECK(run_agent("-m 'a b'" + key).empty());
    CHECK(run_agent("-m m1 -k 0011 2>/dev/null").empty());
    CHECK(run_agent("-m m1 -l 1.5" + key).empty());
    CHECK(run_agent("-m m1 -s draining" + key).empty());
  }
}

}  // namespace
}  // namespace ikesteer::health
