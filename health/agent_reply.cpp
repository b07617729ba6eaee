// The reply side of health/agent_command.hpp: parsing, encoding, list pages, identities.
#include <algorithm>
#include <array>
#include <limits>

#include "health/agent_command.hpp"
#include "health/agent_tokens.hpp"

namespace ikesteer::health {

namespace {

using namespace agent_tokens;

enum Field : unsigned { kResult = kCommonFieldCount, kReason, kSessions, kMore, kFieldCount };
constexpr auto kFieldNames = with_common_fields({"result", "reason", "sessions", "more"});
static_assert(kFieldNames.size() == kFieldCount);
constexpr unsigned bit(Field f) {
  return 1U << f;
}
constexpr unsigned kRequired = kCommonFields | bit(kResult);
// The keys refused and failed take: no sessions= or more= (nor session lines).
constexpr unsigned kNotOkRequired = kRequired | bit(kReason);
constexpr std::array kReplyResults = {ReplyResult::Ok, ReplyResult::Refused, ReplyResult::Failed};
constexpr std::size_t kMaxReasonSize = 32;

enum SessionField : unsigned { kId, kPeer, kLocal, kIdentity, kSessionFieldCount };
constexpr std::array<std::string_view, kSessionFieldCount> kSessionFieldNames = {
    "id", "peer", "local", "identity"};
constexpr unsigned kRequiredSessionFields = (1U << kId) | (1U << kPeer) | (1U << kIdentity);
constexpr std::string_view kSessionHead = "session";
constexpr std::string_view kMacLineMarker = "mac=";

// The longest and the shortest lines, from the fields' limits, to size list pages.
constexpr std::size_t kMaxAddressText = 45;  // "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"
constexpr std::size_t field_size(std::string_view key, std::size_t value) {
  return 1 + key.size() + 1 + value;  // " key=value"
}
constexpr std::size_t kMaxListHeaderSize =
    kReplyVersion.size() + field_size(kFieldNames[kMember], kMaxNameSize) +
    field_size(kFieldNames[kSeq], kMaxDecimalSize) +
    field_size(kFieldNames[kTime], kMaxDecimalSize) + field_size(kFieldNames[kResult], 2) +
    field_size(kFieldNames[kSessions], kMaxDecimalSize) + field_size(kFieldNames[kMore], 1) + 1;
constexpr std::size_t kMaxSessionLineSize =
    kSessionHead.size() + field_size(kSessionFieldNames[kId], kMaxSessionIdSize) +
    field_size(kSessionFieldNames[kPeer], kMaxAddressText) +
    field_size(kSessionFieldNames[kLocal], kMaxAddressText) +
    field_size(kSessionFieldNames[kIdentity], kMaxEncodedIdentitySize) + 1;
constexpr std::size_t kMinSessionLineSize =
    kSessionHead.size() + field_size(kSessionFieldNames[kId], 1) +
    field_size(kSessionFieldNames[kPeer], 2) + field_size(kSessionFieldNames[kIdentity], 0) + 1;
constexpr std::size_t kMacLineSize = kMacLineMarker.size() + kMacHexSize;
static_assert(kMaxListHeaderSize + kMaxSessionLineSize + kMacLineSize <= kMaxAgentReplySize,
              "a list page always has room for one session");
constexpr std::size_t kMostPerPage = kMaxAgentReplySize / kMinSessionLineSize;

bool is_reason(std::string_view s) noexcept {
  return !s.empty() && s.size() <= kMaxReasonSize &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

bool is_unreserved(char c) noexcept {
  constexpr std::string_view kPunctuation = "-._~@:=,+/";
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         kPunctuation.find(c) != std::string_view::npos;
}

constexpr std::string_view kUpperHex = "0123456789ABCDEF";

// Checks the percent-encoding of `encoded` and, if out is given, decodes it into *out.
bool decode(std::string_view encoded, std::string* out) {
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    char c = encoded[i];
    if (c == '%') {
      if (encoded.size() - i < 3) return false;
      const auto hi = kUpperHex.find(encoded[i + 1]);
      const auto lo = kUpperHex.find(encoded[i + 2]);
      if (hi == std::string_view::npos || lo == std::string_view::npos) return false;
      c = static_cast<char>(hi << 4 | lo);
      i += 2;
    } else if (!is_unreserved(c)) {
      return false;
    }
    if (out) *out += c;
  }
  return true;
}

bool is_encoded_identity(std::string_view s) noexcept {
  return s.size() <= kMaxEncodedIdentitySize && decode(s, nullptr);
}

bool set_field(AgentReply& r, unsigned field, std::string_view value) noexcept {
  switch (field) {
    case kResult:
      return assign(parse_word(value, kReplyResults), r.result);
    case kReason:
      return assign(if_valid(is_reason(value), value), r.reason);
    case kSessions:
      return assign(parse_unsigned<std::uint32_t>(value), r.sessions);
    case kMore:
      return (value == "0" || value == "1") && assign(std::optional(value == "1"), r.more);
    default:
      return set_common_field(r, field, value);
  }
}

bool set_session_field(ListedSession& s, unsigned field, std::string_view value) {
  switch (field) {
    case kId:
      return assign(if_valid(is_session_id(value), value), s.id);
    case kPeer:
      return assign(IpAddress::parse(value), s.peer);
    case kLocal:
      return assign(IpAddress::parse(value), s.local);
    case kIdentity:
      return assign(if_valid(is_encoded_identity(value), value), s.identity);
    default:
      return false;
  }
}

bool parse_header(std::string_view line, AgentReply& reply) {
  const auto [version, rest] = split_head(line);
  if (version != kReplyVersion) return false;
  const auto seen = parse_fields(rest, kFieldNames, [&](unsigned field, std::string_view value) {
    return set_field(reply, field, value);
  });
  if (!seen || (*seen & kRequired) != kRequired) return false;
  if (reply.result == ReplyResult::Ok) return (*seen & bit(kReason)) == 0;
  return *seen == kNotOkRequired;
}

std::optional<ListedSession> parse_session(std::string_view line) {
  const auto [head, rest] = split_head(line);
  if (head != kSessionHead) return std::nullopt;
  ListedSession session;
  const auto seen =
      parse_fields(rest, kSessionFieldNames, [&](unsigned field, std::string_view value) {
        return set_session_field(session, field, value);
      });
  if (!seen || (*seen & kRequiredSessionFields) != kRequiredSessionFields) return std::nullopt;
  return session;
}

// The header line without more= and its "\n".
std::string header_line(const AgentReply& reply) {
  std::string out(kReplyVersion);
  append_common_fields(out, reply);
  append_field(out, kFieldNames[kResult], to_string(reply.result));
  if (reply.reason) append_field(out, kFieldNames[kReason], *reply.reason);
  if (reply.sessions) append_field(out, kFieldNames[kSessions], *reply.sessions);
  return out;
}

void append_more(std::string& out, bool more) {
  append_field(out, kFieldNames[kMore], more ? "1" : "0");
}

std::string session_line(const ListedSession& s) {
  std::string out(kSessionHead);
  append_field(out, kSessionFieldNames[kId], s.id);
  append_field(out, kSessionFieldNames[kPeer], s.peer.to_string());
  if (s.local) append_field(out, kSessionFieldNames[kLocal], s.local->to_string());
  append_field(out, kSessionFieldNames[kIdentity], percent_encode_identity(s.identity));
  out += '\n';
  return out;
}

// Ends the lines in `out` with the MAC line.
std::string sign_reply(std::string out, std::span<const std::byte> key) {
  append_mac(out, key, kMacLineMarker);
  return out;
}

}  // namespace

std::string_view to_string(ReplyResult r) noexcept {
  switch (r) {
    case ReplyResult::Ok:
      return "ok";
    case ReplyResult::Refused:
      return "refused";
    case ReplyResult::Failed:
      return "failed";
  }
  return "?";
}

Result<AgentReply, AgentReject> parse_agent_reply(std::span<const std::byte> datagram) {
  const auto malformed = fail(AgentReject::Malformed);
  if (datagram.size() > kMaxAgentReplySize) return malformed;
  std::string_view text = as_text(datagram);
  if (text.ends_with('\n')) text.remove_suffix(1);
  // The MAC line is the last; everything before it, up to its "\n", is signed.
  const auto mac_line_at = text.rfind('\n') + 1;  // 0 without a "\n": no header line
  const std::string_view mac_line = text.substr(mac_line_at);
  if (mac_line_at == 0 || !mac_line.starts_with(kMacLineMarker)) return malformed;
  const auto mac = parse_mac(mac_line.substr(kMacLineMarker.size()));
  if (!mac) return malformed;
  AgentReply reply;
  reply.mac = *mac;
  reply.signed_part = datagram.first(mac_line_at);

  std::string_view lines = text.substr(0, mac_line_at);
  if (!std::all_of(lines.begin(), lines.end(), [](char c) { return is_printable(c) || c == '\n'; }))
    return malformed;
  for (bool header = true; !lines.empty(); header = false) {
    const auto end = lines.find('\n');  // found: lines ends in "\n"
    const std::string_view line = lines.substr(0, end);
    lines.remove_prefix(end + 1);
    if (header) {
      if (!parse_header(line, reply)) return malformed;
      continue;
    }
    const auto session = parse_session(line);
    if (!session || reply.result != ReplyResult::Ok) return malformed;
    reply.listed.push_back(*session);
  }
  return reply;
}

std::string encode_agent_reply(const AgentReply& reply, std::span<const std::byte> key) {
  std::string out = header_line(reply);
  if (reply.more) append_more(out, true);
  out += '\n';
  return sign_reply(std::move(out), key);
}

std::string encode_list_reply(const AgentReply& header, std::span<const ListedSession> all,
                              std::optional<std::string_view> after,
                              std::span<const std::byte> key) {
  std::vector<const ListedSession*> pending;
  for (const auto& s : all)
    if (!after || id_less(*after, s.id)) pending.push_back(&s);
  // Only the first page's worth needs to be in order.
  const auto by_id = [](const ListedSession* a, const ListedSession* b) {
    return id_less(a->id, b->id);
  };
  const auto sorted = std::min(pending.size(), kMostPerPage);
  std::partial_sort(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(sorted),
                    pending.end(), by_id);

  AgentReply ok;
  ok.member = header.member;
  ok.seq = header.seq;
  ok.time = header.time;
  ok.sessions = static_cast<std::uint32_t>(
      std::min<std::size_t>(all.size(), std::numeric_limits<std::uint32_t>::max()));
  std::string out = header_line(ok);
  std::string page;
  std::size_t placed = 0;
  // more=0 and more=1 take the same room.
  const std::size_t room =
      kMaxAgentReplySize - out.size() - field_size(kFieldNames[kMore], 1) - 1 - kMacLineSize;
  for (; placed < sorted; ++placed) {
    const std::string line = session_line(*pending[placed]);
    if (page.size() + line.size() > room) break;
    page += line;
  }
  append_more(out, placed < pending.size());
  out += '\n';
  out += page;
  return sign_reply(std::move(out), key);
}

std::string percent_encode_identity(std::string_view raw) {
  std::string out;
  for (const char c : raw) {
    const bool plain = is_unreserved(c);
    if (out.size() + (plain ? 1 : 3) > kMaxEncodedIdentitySize) break;
    if (plain) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kUpperHex[byte >> 4];
      out += kUpperHex[byte & 0xf];
    }
  }
  return out;
}

std::optional<std::string> percent_decode(std::string_view encoded) {
  std::string out;
  if (!decode(encoded, &out)) return std::nullopt;
  return out;
}

}  // namespace ikesteer::health
