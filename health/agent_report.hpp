// The member agent protocol: a member reports its own state, load and capacity to ikesteer in
// a UDP datagram, authenticated with a per-member key and protected against replay.
//
// Protocol v2 (v1 is the same without sessions=; ikesteer accepts both, agents send v2). One
// datagram, printable ASCII, one line, at most 512 bytes including an optional
// trailing "\n":
//
//   IKESTEER-AGENT/2 member=<name> seq=<u64> time=<unix seconds> state=<up|drain|maintenance|down>
//                    [load=<0..1>] [capacity=<u32>] [sessions=<u32>] mac=<64 lowercase hex>
//
// - After the version token come key=value tokens, each preceded by exactly one space. member,
//   seq, time and state are required; load, capacity and sessions are optional. Each key
//   appears at most once, in any order, except mac, which is always last. An unknown key is an
//   error: a new field needs a new version token.
// - member: 1..63 characters of [A-Za-z0-9_.-]. seq, time, capacity: decimal digits only
//   (time at most 2^63 - 1; capacity is new clients per second; sessions: the established IKE
//   SAs the member holds now, absent when its IKE daemon could not be asked). load: "0" or "1" with
//   an optional fraction, at most 1 ("0", "0.35", "1", "1.000"; no sign, exponent, ".5" or "0.").
// - mac = HMAC-SHA256(member key, every byte before " mac="), in lowercase hex. The MAC covers
//   the version token and the member name, so a report cannot be moved to another member or
//   protocol version.
//
// Replay protection (AgentGate): a report is admitted only if its seq is above every seq
// admitted before for that member and its time is within max_skew of ikesteer's clock. The
// last seq lives in memory only: after ikesteer restarts, reports captured in the last
// max_skew seconds can each be admitted once more (in increasing seq order). A replay then only
// repeats what the member said within max_skew, and the agent's next report supersedes it.
// Agents must use a seq that grows across their own restarts, e.g. the unix time in
// milliseconds or microseconds (examples/agent/ikesteer-agent.sh uses microseconds).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/hmac.hpp"
#include "common/result.hpp"
#include "health/member_state.hpp"

namespace ikesteer::health {

inline constexpr std::string_view kAgentVersion1 = "IKESTEER-AGENT/1";
inline constexpr std::string_view kAgentVersion = "IKESTEER-AGENT/2";
inline constexpr std::size_t kMaxAgentReportSize = 512;
inline constexpr std::chrono::seconds kDefaultAgentMaxSkew{30};

// Why a report was not acted on. Words from to_string() are metric labels.
enum class AgentReject : std::uint8_t {
  Malformed,      // not a report, command or reply of the grammar (the parse_agent_* functions)
  UnknownMember,  // no member by that name has an agent key (the caller's lookup)
  BadMac,         // the MAC does not match the member's key
  Replayed,       // seq not above the last admitted one
  Stale,          // time further than max_skew from ours, either way
};

std::string_view to_string(AgentReject r) noexcept;

// A parsed report. member and signed_part point into the datagram: valid as long as it is.
struct AgentReport {
  unsigned version = 2;  // 1 or 2
  std::string_view member;
  std::uint64_t seq = 0;
  std::int64_t time = 0;  // unix seconds, as the agent's clock says
  AgentState state = AgentState::Up;
  std::optional<double> load;              // 0..1
  std::optional<std::uint32_t> capacity;   // new clients per second
  std::optional<std::uint32_t> sessions;   // v2 only: established IKE SAs
  HmacSha256 mac{};                        // as sent, not yet checked
  std::span<const std::byte> signed_part;  // the bytes the MAC covers
};

// Syntax only: the MAC, seq and time are checked by AgentGate.
Result<AgentReport, AgentReject> parse_agent_report(std::span<const std::byte> datagram) noexcept;
// A signed v2 report (report.version, mac and signed_part are ignored), without a newline.
std::string encode_agent_report(const AgentReport& report, std::span<const std::byte> key);

// Constant-time check of `mac` over `signed_part` under `key`, for any message of the protocol.
bool verify_agent_mac(std::span<const std::byte> key, std::span<const std::byte> signed_part,
                      const HmacSha256& mac) noexcept;

// The authentication and replay state of one member's agent. Not thread-safe.
class AgentGate {
 public:
  // key: the member's agent key (config `agent_key`; non-empty).
  explicit AgentGate(std::vector<std::byte> key,
                     std::chrono::seconds max_skew = kDefaultAgentMaxSkew);

  // report: as parse_agent_report() returned it (the fields must be those signed_part says).
  // Checks, in this order, the MAC (in constant time), that seq is above every seq admitted
  // before, and that |time - now_unix| <= max_skew (now_unix: ikesteer's wall clock,
  // std::chrono::system_clock, in unix seconds). Only an admitted report may change any
  // state; a rejected one changes nothing here either (not even the last seq).
  Result<void, AgentReject> admit(const AgentReport& report, std::int64_t now_unix) noexcept;
  // The same for any signed message of the protocol (commands, at the agent).
  Result<void, AgentReject> admit(std::span<const std::byte> signed_part, const HmacSha256& mac,
                                  std::uint64_t seq, std::int64_t time,
                                  std::int64_t now_unix) noexcept;

  // The seq of the last admitted report; empty before the first.
  std::optional<std::uint64_t> last_seq() const noexcept { return last_seq_; }

 private:
  std::vector<std::byte> key_;
  std::uint64_t max_skew_;
  std::optional<std::uint64_t> last_seq_;
};

}  // namespace ikesteer::health
