#include "health/agent_command.hpp"

#include <algorithm>
#include <array>

#include "health/agent_tokens.hpp"

namespace ikesteer::health {

namespace {

using namespace agent_tokens;

enum Field : unsigned { kCommand = kCommonFieldCount, kAfter, kSession, kGateway, kFieldCount };
constexpr auto kFieldNames = with_common_fields({"command", "after", "session", "gateway"});
static_assert(kFieldNames.size() == kFieldCount);
constexpr unsigned bit(Field f) {
  return 1U << f;
}
constexpr unsigned kRequired = kCommonFields | bit(kCommand);
// The keys each command takes: list all of these, move exactly these.
constexpr unsigned kListKeys = kRequired | bit(kAfter);
constexpr unsigned kMoveKeys = kRequired | bit(kSession) | bit(kGateway);
constexpr std::array kCommandKinds = {CommandKind::List, CommandKind::Move};
constexpr std::size_t kMaxDnsName = 253;
constexpr std::size_t kMaxDnsLabel = 63;

bool is_letter_or_digit(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_dns_label(std::string_view label) noexcept {
  return !label.empty() && label.size() <= kMaxDnsLabel && label.front() != '-' &&
         label.back() != '-' && std::all_of(label.begin(), label.end(), [](char c) {
           return is_letter_or_digit(c) || c == '-';
         });
}

// Sets `field` from `value`; false if the value is invalid.
bool set_field(AgentCommand& c, unsigned field, std::string_view value) noexcept {
  switch (field) {
    case kCommand:
      return assign(parse_word(value, kCommandKinds), c.kind);
    case kAfter:
      return assign(if_valid(is_session_id(value), value), c.after);
    case kSession:
      return assign(if_valid(is_session_id(value), value), c.session);
    case kGateway:
      return assign(if_valid(is_gateway(value), value), c.gateway);
    default:
      return set_common_field(c, field, value);
  }
}

}  // namespace

std::string_view to_string(CommandKind k) noexcept {
  switch (k) {
    case CommandKind::List:
      return "list";
    case CommandKind::Move:
      return "move";
  }
  return "?";
}

Result<AgentCommand, AgentReject> parse_agent_command(
    std::span<const std::byte> datagram) noexcept {
  const auto malformed = fail(AgentReject::Malformed);
  const auto line = split_signed_line(datagram, kMaxAgentCommandSize);
  if (!line) return malformed;
  AgentCommand command;
  command.mac = line->mac;
  command.signed_part = line->signed_part;

  const auto [version, rest] = split_head(line->body);
  if (version != kCommandVersion) return malformed;
  const auto seen = parse_fields(rest, kFieldNames, [&](unsigned field, std::string_view value) {
    return set_field(command, field, value);
  });
  if (!seen || (*seen & kRequired) != kRequired) return malformed;
  const bool keys_fit =
      command.kind == CommandKind::List ? (*seen & ~kListKeys) == 0 : *seen == kMoveKeys;
  if (!keys_fit) return malformed;
  return command;
}

std::string encode_agent_command(const AgentCommand& command, std::span<const std::byte> key) {
  std::string out(kCommandVersion);
  append_common_fields(out, command);
  append_field(out, kFieldNames[kCommand], to_string(command.kind));
  switch (command.kind) {
    case CommandKind::List:
      if (command.after) append_field(out, kFieldNames[kAfter], *command.after);
      break;
    case CommandKind::Move:
      append_field(out, kFieldNames[kSession], command.session);
      append_field(out, kFieldNames[kGateway], command.gateway);
      break;
  }
  append_mac(out, key, kMacMarker);
  return out;
}

bool is_session_id(std::string_view id) noexcept {
  constexpr std::string_view kPunctuation = "_.:#[]-";
  return !id.empty() && id.size() <= kMaxSessionIdSize &&
         std::all_of(id.begin(), id.end(), [&](char c) {
           return is_letter_or_digit(c) || kPunctuation.find(c) != std::string_view::npos;
         });
}

bool id_less(std::string_view a, std::string_view b) noexcept {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

bool is_gateway(std::string_view text) noexcept {
  if (IpAddress::parse(text)) return true;
  if (text.empty() || text.size() > kMaxDnsName) return false;
  for (std::size_t start = 0;;) {
    const std::size_t dot = text.find('.', start);
    if (!is_dns_label(text.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace ikesteer::health
