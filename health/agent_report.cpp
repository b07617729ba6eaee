#include "health/agent_report.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <system_error>
#include <utility>

#include "health/agent_tokens.hpp"

namespace ikesteer::health {

namespace {

using namespace agent_tokens;

enum Field : unsigned { kState = kCommonFieldCount, kLoad, kCapacity, kSessions, kFieldCount };
constexpr auto kFieldNames = with_common_fields({"state", "load", "capacity", "sessions"});
static_assert(kFieldNames.size() == kFieldCount);
constexpr unsigned kRequired = kCommonFields | (1U << kState);
constexpr std::array kAgentStates = {AgentState::Up, AgentState::Drain, AgentState::Maintenance,
                                     AgentState::Down};
// The version tokens, at index version - 1.
constexpr std::array kVersions = {kAgentVersion1, kAgentVersion};
// encode_agent_report prints load with this many decimals.
constexpr int kLoadDecimals = 3;

// "0" or "1", then optionally "." and digits, and no more than 1: the grammar alone keeps the
// value in 0..1 (no sign, exponent, inf or nan), so from_chars cannot leave the range.
std::optional<double> parse_load(std::string_view s) noexcept {
  const auto dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  if (whole != "0" && whole != "1") return std::nullopt;
  if (dot != std::string_view::npos && !all_digits(fraction)) return std::nullopt;
  if (whole == "1" && fraction.find_first_not_of('0') != std::string_view::npos)
    return std::nullopt;
  double value = 0;
  const auto [end, ec] =
      std::from_chars(s.data(), s.data() + s.size(), value, std::chars_format::fixed);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// Fixed decimals of load clamped to 0..1 (nan as 0), so that it parses back.
std::string format_load(double load) {
  const double clamped = std::isnan(load) ? 0.0 : std::clamp(load, 0.0, 1.0);
  std::array<char, 8> text{};  // "1.000"
  const auto written = std::to_chars(text.data(), text.data() + text.size(), clamped,
                                     std::chars_format::fixed, kLoadDecimals);
  return std::string(text.data(), written.ptr);
}

// Sets `field` from `value`; false if the value is invalid.
bool set_field(AgentReport& r, unsigned field, std::string_view value) noexcept {
  switch (field) {
    case kState:
      return assign(parse_word(value, kAgentStates), r.state);
    case kLoad:
      return assign(parse_load(value), r.load);
    case kCapacity:
      return assign(parse_unsigned<std::uint32_t>(value), r.capacity);
    case kSessions:
      return assign(parse_unsigned<std::uint32_t>(value), r.sessions);
    default:
      return set_common_field(r, field, value);
  }
}

}  // namespace

std::string_view to_string(AgentReject r) noexcept {
  switch (r) {
    case AgentReject::Malformed:
      return "malformed";
    case AgentReject::UnknownMember:
      return "unknown_member";
    case AgentReject::BadMac:
      return "bad_mac";
    case AgentReject::Replayed:
      return "replayed";
    case AgentReject::Stale:
      return "stale";
  }
  return "?";
}

Result<AgentReport, AgentReject> parse_agent_report(std::span<const std::byte> datagram) noexcept {
  const auto malformed = fail(AgentReject::Malformed);
  const auto line = split_signed_line(datagram, kMaxAgentReportSize);
  if (!line) return malformed;
  AgentReport report;
  report.mac = line->mac;
  report.signed_part = line->signed_part;

  const auto [version, rest] = split_head(line->body);
  const auto known = std::find(kVersions.begin(), kVersions.end(), version);
  if (known == kVersions.end()) return malformed;
  report.version = static_cast<unsigned>(known - kVersions.begin()) + 1;
  const auto seen = parse_fields(rest, kFieldNames, [&](unsigned field, std::string_view value) {
    return set_field(report, field, value);
  });
  if (!seen || (*seen & kRequired) != kRequired) return malformed;
  // sessions= is new in v2: v1 does not know the key.
  if (report.version == 1 && (*seen & (1U << kSessions)) != 0) return malformed;
  return report;
}

std::string encode_agent_report(const AgentReport& report, std::span<const std::byte> key) {
  std::string out(kAgentVersion);
  append_common_fields(out, report);
  append_field(out, kFieldNames[kState], to_string(report.state));
  if (report.load) append_field(out, kFieldNames[kLoad], format_load(*report.load));
  if (report.capacity) append_field(out, kFieldNames[kCapacity], *report.capacity);
  if (report.sessions) append_field(out, kFieldNames[kSessions], *report.sessions);
  append_mac(out, key, kMacMarker);
  return out;
}

bool verify_agent_mac(std::span<const std::byte> key, std::span<const std::byte> signed_part,
                      const HmacSha256& mac) noexcept {
  const auto expected = hmac_sha256(key, signed_part);
  return expected && equal_constant_time(*expected, mac);
}

AgentGate::AgentGate(std::vector<std::byte> key, std::chrono::seconds max_skew)
    : key_(std::move(key)),
      max_skew_(static_cast<std::uint64_t>(std::max<std::int64_t>(max_skew.count(), 0))) {}

Result<void, AgentReject> AgentGate::admit(const AgentReport& report,
                                           std::int64_t now_unix) noexcept {
  return admit(report.signed_part, report.mac, report.seq, report.time, now_unix);
}

Result<void, AgentReject> AgentGate::admit(std::span<const std::byte> signed_part,
                                           const HmacSha256& mac, std::uint64_t seq,
                                           std::int64_t time, std::int64_t now_unix) noexcept {
  if (!verify_agent_mac(key_, signed_part, mac)) return fail(AgentReject::BadMac);
  if (last_seq_ && seq <= *last_seq_) return fail(AgentReject::Replayed);
  // |time - now| without overflow: the true distance is below 2^64, so modular arithmetic on
  // the two's complement values gives it exactly.
  const auto t = static_cast<std::uint64_t>(time);
  const auto n = static_cast<std::uint64_t>(now_unix);
  if ((time >= now_unix ? t - n : n - t) > max_skew_) return fail(AgentReject::Stale);
  last_seq_ = seq;
  return {};
}

}  // namespace ikesteer::health
