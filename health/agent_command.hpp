// The command side of the member agent protocol: ikesteer asks a member's agent for its
// established sessions and to move one to another member; the agent answers each command.
// Shared by ikesteer (encodes commands, parses replies) and ikesteer-agent (the reverse).
//
// Command, IKESTEER-COMMAND/1: ikesteer -> the agent's command address, one UDP datagram, one
// line of printable ASCII, at most 512 bytes including an optional trailing "\n":
//
//   IKESTEER-COMMAND/1 member=<name> seq=<u64> time=<unix s> command=list [after=<id>] mac=<hex>
//   IKESTEER-COMMAND/1 member=<name> seq=<u64> time=<unix s> command=move session=<id>
//                      gateway=<address or DNS name> mac=<hex>
//
// - The token rules are the report's (health/agent_report.hpp): the version, then " key=value"
//   tokens, each key at most once, any order, mac last; an unknown key is an error.
//   mac = HMAC-SHA256(member key, every byte before " mac="), 64 lowercase hex digits.
// - list: a page of the sessions whose id comes after `after` in id order (from the first
//   without it). move: `session` and `gateway` are required; `after` is not allowed with it,
//   nor `session`/`gateway` with list.
// - id: 1..64 characters of [A-Za-z0-9_.:#[]-] (charon: the IKE SA's unique id, decimal).
//   Id order: shorter first, then bytewise, so decimal ids sort numerically (id_less()).
// - gateway: an IP address literal, or a DNS name of letters, digits, hyphens and dots (at most
//   253 characters): what the client is told in the REDIRECT payload (RFC 5685 section 9).
//
// Reply, IKESTEER-REPLY/1: the agent -> the command's source address and port, one datagram of
// at most 1400 bytes (below common path MTUs, no IP fragments), lines ending in "\n":
//
//   IKESTEER-REPLY/1 member=<name> seq=<the command's seq> time=<unix s> result=<ok|refused|failed>
//                    [reason=<word>] [sessions=<u32>] [more=<0|1>]
//   session id=<id> peer=<IP address> [local=<IP address>] identity=<percent-encoded>
//                                                                      (list only; 0 or more)
//   mac=<hex>
//
// - mac = HMAC-SHA256(member key, every byte before the last line's "mac="), so it covers the
//   "\n" ending the line before it. Nothing may follow the 64 digits but one optional "\n".
// - result=ok: list: a page, in id order, `sessions` = how many the member holds in all,
//   more=1 when sessions after this page's last exist (ask again with after=<its id>). move:
//   the IKE daemon queued the REDIRECT (the client follows on its own, after the reply).
//   result=refused: the command carried the right MAC but was not acted on; reason is the
//   AgentReject word (replayed, stale, unknown_member). Commands without the right MAC, or
//   malformed, get no reply at all: the agent drops and counts them.
//   result=failed: the command was valid but the IKE daemon could not do it; reason is one of
//   kReplyFailureReasons.
// - Only result=ok carries sessions=, more= and session lines, and never reason=; refused and
//   failed always carry reason=.
// - local: the member's own address the IKE SA runs on (charon's local-host); an agent that
//   cannot tell leaves it out. ikesteer needs it to move the sessions on an address that is
//   about to go home (failback) and none other.
// - reason: 1..32 characters of [a-z_]. identity: the client's IKE identity for display,
//   percent-encoded (bytes outside [A-Za-z0-9-._~@:=,+/] as %XX, upper-case hex), cut to at
//   most 255 encoded characters (never inside an escape).
//
// Admission: the agent admits a command as ikesteer admits a report (AgentGate: MAC, seq above
// every seq admitted before, time within max_skew). ikesteer's seq grows across its restarts
// (it starts from the unix time in microseconds). ikesteer accepts a reply whose MAC is right
// and whose seq is a command it has sent and not yet seen answered.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/hmac.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "health/agent_report.hpp"

namespace ikesteer::health {

inline constexpr std::string_view kCommandVersion = "IKESTEER-COMMAND/1";
inline constexpr std::string_view kReplyVersion = "IKESTEER-REPLY/1";
inline constexpr std::size_t kMaxAgentCommandSize = 512;
inline constexpr std::size_t kMaxAgentReplySize = 1400;
inline constexpr std::size_t kMaxSessionIdSize = 64;
inline constexpr std::size_t kMaxEncodedIdentitySize = 255;

enum class CommandKind : std::uint8_t { List, Move };
enum class ReplyResult : std::uint8_t { Ok, Refused, Failed };

// Why a valid command could not be done (reply reason with result=failed).
inline constexpr std::array<std::string_view, 3> kReplyFailureReasons = {
    "unknown_session",     // the IKE daemon holds no such session (any more)
    "daemon_unreachable",  // the IKE daemon did not answer (restarting?)
    "daemon_refused",      // it answered with an error
};

std::string_view to_string(CommandKind k) noexcept;
std::string_view to_string(ReplyResult r) noexcept;

// A command's content. As parsed, the views point into the datagram; to encode, fill all but
// mac and signed_part.
struct AgentCommand {
  std::string_view member;
  std::uint64_t seq = 0;
  std::int64_t time = 0;
  CommandKind kind = CommandKind::List;
  std::optional<std::string_view> after;  // list only
  std::string_view session;               // move only
  std::string_view gateway;               // move only
  HmacSha256 mac{};
  std::span<const std::byte> signed_part;
};

// Syntax only (Malformed); the agent checks the member name, then AgentGate::admit.
Result<AgentCommand, AgentReject> parse_agent_command(std::span<const std::byte> datagram) noexcept;
// The signed datagram for `command` (its mac and signed_part are ignored), without a trailing
// newline. Precondition: the fields satisfy the grammar (checked by the tests, not here).
std::string encode_agent_command(const AgentCommand& command, std::span<const std::byte> key);

// One session of a list reply. To encode, identity holds the raw identity; as parsed, it holds
// the percent-encoded text from the datagram (percent_decode() gives the bytes back).
struct ListedSession {
  std::string_view id;
  IpAddress peer;
  std::string_view identity;
  std::optional<IpAddress> local{};  // the member's address the session runs on, when known
};

struct AgentReply {
  std::string_view member;
  std::uint64_t seq = 0;
  std::int64_t time = 0;
  ReplyResult result = ReplyResult::Ok;
  std::optional<std::string_view> reason;
  std::optional<std::uint32_t> sessions;
  bool more = false;
  std::vector<ListedSession> listed;  // as parsed: views into the datagram
  HmacSha256 mac{};
  std::span<const std::byte> signed_part;
};

// Syntax only (Malformed); check the MAC with verify_agent_mac().
Result<AgentReply, AgentReject> parse_agent_reply(std::span<const std::byte> datagram);
// A reply without sessions (move, or refused/failed), signed, without a trailing newline:
// reason and sessions when set, more=1 when more (reply.listed is ignored).
std::string encode_agent_reply(const AgentReply& reply, std::span<const std::byte> key);
// The list reply to a list command with `after`: the sessions (any order; ids unique) that come
// after `after` in id order, as many as fit in kMaxAgentReplySize (at least one when any do
// come after), with sessions=<all.size()> and more=0 or 1; result=ok; without a trailing
// newline. `header` gives member, seq and time; identities are raw (encoded here).
std::string encode_list_reply(const AgentReply& header, std::span<const ListedSession> all,
                              std::optional<std::string_view> after,
                              std::span<const std::byte> key);

bool is_session_id(std::string_view id) noexcept;
bool id_less(std::string_view a, std::string_view b) noexcept;
// An IP address literal, or a DNS name of letters, digits, hyphens and dots (at most 253).
bool is_gateway(std::string_view text) noexcept;
std::string percent_encode_identity(std::string_view raw);  // already cut to the limit
std::optional<std::string> percent_decode(std::string_view encoded);

}  // namespace ikesteer::health
