// Fuzzes agent report parsing and admission under a fixed key (the corpus seeds are signed with
// it). Checks that a parsed report's fields and signed part stay within the datagram and the
// protocol's ranges, that re-signing the signed part under the key yields a report that parses
// to the same fields and is never refused for its MAC, and that the gate's seq moves only on
// admission and never admits the same report twice.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/hmac.hpp"
#include "health/agent_report.hpp"

namespace {

using namespace ikesteer;
using namespace ikesteer::health;

// The seeds in corpus/agent are signed with this key.
constexpr std::string_view kKey = "fuzz-agent-key-0";

void check(bool condition) {
  if (!condition) __builtin_trap();
}

std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span(s));
}

bool same_fields(const AgentReport& a, const AgentReport& b) {
  return a.member == b.member && a.seq == b.seq && a.time == b.time && a.state == b.state &&
         a.load == b.load && a.capacity == b.capacity;
}

void check_report(const AgentReport& r, std::span<const std::byte> datagram) {
  check(r.signed_part.data() == datagram.data());
  check(r.signed_part.size() < datagram.size());
  const auto* begin = reinterpret_cast<const char*>(datagram.data());
  check(r.member.data() > begin && r.member.data() + r.member.size() <= begin + datagram.size());
  check(!r.member.empty() && r.member.size() <= 63);
  check(r.time >= 0);
  check(!r.load || (*r.load >= 0 && *r.load <= 1));
}

// Admits r with the clock `offset` seconds from its time (saturated), checking the seq rules.
void admit(AgentGate& gate, const AgentReport& r, std::int64_t offset) {
  std::int64_t now = 0;
  if (__builtin_add_overflow(r.time, offset, &now)) now = INT64_MAX;
  const auto before = gate.last_seq();
  const auto first = gate.admit(r, now);
  if (first) {
    check(!before || r.seq > *before);
    check(gate.last_seq() == r.seq);
    const auto again = gate.admit(r, now);
    check(!again && again.error() == AgentReject::Replayed);
  } else {
    check(first.error() != AgentReject::Malformed && first.error() != AgentReject::UnknownMember);
  }
  check(first || gate.last_seq() == before);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto datagram = std::as_bytes(std::span(data, size));
  const auto parsed = parse_agent_report(datagram);
  if (!parsed) {
    check(parsed.error() == AgentReject::Malformed);
    return 0;
  }
  check(size <= kMaxAgentReportSize);
  check_report(*parsed, datagram);
  const std::int64_t offset = static_cast<std::int64_t>(size % 80) - 40;

  AgentGate gate({bytes(kKey).begin(), bytes(kKey).end()});
  admit(gate, *parsed, offset);

  const auto mac = hmac_sha256(bytes(kKey), parsed->signed_part);
  check(mac.has_value());
  std::string resigned(reinterpret_cast<const char*>(parsed->signed_part.data()),
                       parsed->signed_part.size());
  resigned += " mac=";
  for (const auto b : *mac) {
    resigned += "0123456789abcdef"[std::to_integer<unsigned>(b) >> 4];
    resigned += "0123456789abcdef"[std::to_integer<unsigned>(b) & 0xf];
  }
  check(resigned.size() <= size);  // at most the trailing newline is gone
  const auto again = parse_agent_report(bytes(resigned));
  check(again.has_value());
  check_report(*again, bytes(resigned));
  check(same_fields(*parsed, *again));
  AgentGate fresh({bytes(kKey).begin(), bytes(kKey).end()});
  check(fresh.admit(*again, again->time).has_value());
  admit(gate, *again, offset);
  return 0;
}
