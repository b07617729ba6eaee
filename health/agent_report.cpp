#include "health/agent_report.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <system_error>
#include <utility>

namespace ikesteer::health {

namespace {

enum Field : unsigned { kMember, kSeq, kTime, kState, kLoad, kCapacity, kFieldCount };
constexpr std::array<std::string_view, kFieldCount> kFieldNames = {"member", "seq",  "time",
                                                                   "state",  "load", "capacity"};
constexpr unsigned kRequired = (1U << kMember) | (1U << kSeq) | (1U << kTime) | (1U << kState);
constexpr std::string_view kMacMarker = " mac=";
constexpr std::size_t kMaxNameSize = 63;

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// Decimal digits only (no sign, no spaces), within T's range.
template <class T>
std::optional<T> parse_unsigned(std::string_view s) noexcept {
  if (!all_digits(s)) return std::nullopt;
  T value{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

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

// The wire words are AgentState's names.
std::optional<AgentState> parse_state(std::string_view s) noexcept {
  for (auto state : {AgentState::Up, AgentState::Drain, AgentState::Maintenance, AgentState::Down})
    if (s == to_string(state)) return state;
  return std::nullopt;
}

std::optional<std::string_view> parse_name(std::string_view s) noexcept {
  const bool valid =
      !s.empty() && s.size() <= kMaxNameSize && std::all_of(s.begin(), s.end(), [](char c) {
        return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
               c == '.' || c == '-';
      });
  if (!valid) return std::nullopt;
  return s;
}

std::optional<HmacSha256> parse_mac(std::string_view s) noexcept {
  HmacSha256 mac{};
  if (s.size() != 2 * mac.size()) return std::nullopt;
  const auto nibble = [](char c) -> int {
    if (is_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < mac.size(); ++i) {
    const int hi = nibble(s[2 * i]);
    const int lo = nibble(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    mac[i] = static_cast<std::byte>(hi << 4 | lo);
  }
  return mac;
}

template <class T, class Out>
bool assign(std::optional<T> parsed, Out& out) noexcept {
  if (!parsed) return false;
  out = *parsed;
  return true;
}

// Sets `field` from `value`; false if the value is invalid.
bool set_field(AgentReport& r, Field field, std::string_view value) noexcept {
  switch (field) {
    case kMember:
      return assign(parse_name(value), r.member);
    case kSeq:
      return assign(parse_unsigned<std::uint64_t>(value), r.seq);
    case kTime:
      return assign(parse_unsigned<std::int64_t>(value), r.time);
    case kState:
      return assign(parse_state(value), r.state);
    case kLoad:
      return assign(parse_load(value), r.load);
    case kCapacity:
      return assign(parse_unsigned<std::uint32_t>(value), r.capacity);
    case kFieldCount:
      break;
  }
  return false;
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
  if (datagram.size() > kMaxAgentReportSize) return malformed;
  std::string_view line(reinterpret_cast<const char*>(datagram.data()), datagram.size());
  if (line.ends_with('\n')) line.remove_suffix(1);
  // Printable ASCII and single spaces only: no control bytes, no second line.
  if (!std::all_of(line.begin(), line.end(), [](char c) { return c >= 0x20 && c <= 0x7e; }))
    return malformed;

  // mac is the last token and no value holds a space, so the first " mac=" starts it; anything
  // after the MAC's 64 digits fails parse_mac.
  const auto mac_at = line.find(kMacMarker);
  if (mac_at == std::string_view::npos) return malformed;
  AgentReport report;
  const auto mac = parse_mac(line.substr(mac_at + kMacMarker.size()));
  if (!mac) return malformed;
  report.mac = *mac;
  report.signed_part = datagram.first(mac_at);

  std::string_view rest = line.substr(0, mac_at);
  if (!rest.starts_with(kAgentVersion1)) return malformed;
  rest.remove_prefix(kAgentVersion1.size());
  unsigned seen = 0;
  while (!rest.empty()) {
    if (rest.front() != ' ') return malformed;  // also "IKESTEER-AGENT/10"
    rest.remove_prefix(1);
    const std::string_view token = rest.substr(0, rest.find(' '));
    rest.remove_prefix(token.size());
    const auto eq = token.find('=');
    if (eq == std::string_view::npos) return malformed;
    const auto name = std::find(kFieldNames.begin(), kFieldNames.end(), token.substr(0, eq));
    if (name == kFieldNames.end()) return malformed;
    const auto field = static_cast<Field>(name - kFieldNames.begin());
    if ((seen & (1U << field)) != 0) return malformed;
    seen |= 1U << field;
    if (!set_field(report, field, token.substr(eq + 1))) return malformed;
  }
  if ((seen & kRequired) != kRequired) return malformed;
  return report;
}

AgentGate::AgentGate(std::vector<std::byte> key, std::chrono::seconds max_skew)
    : key_(std::move(key)),
      max_skew_(static_cast<std::uint64_t>(std::max<std::int64_t>(max_skew.count(), 0))) {}

Result<void, AgentReject> AgentGate::admit(const AgentReport& report,
                                           std::int64_t now_unix) noexcept {
  const auto expected = hmac_sha256(key_, report.signed_part);
  if (!expected || !equal_constant_time(*expected, report.mac)) return fail(AgentReject::BadMac);
  if (last_seq_ && report.seq <= *last_seq_) return fail(AgentReject::Replayed);
  // |time - now| without overflow: the true distance is below 2^64, so modular arithmetic on
  // the two's complement values gives it exactly.
  const auto t = static_cast<std::uint64_t>(report.time);
  const auto n = static_cast<std::uint64_t>(now_unix);
  if ((report.time >= now_unix ? t - n : n - t) > max_skew_) return fail(AgentReject::Stale);
  last_seq_ = report.seq;
  return {};
}

}  // namespace ikesteer::health
