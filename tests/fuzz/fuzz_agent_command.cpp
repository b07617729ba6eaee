// Fuzzes the agent's command and reply parsing (health/agent_command.hpp) under a fixed key (the
// corpus seeds are signed with it); every input is tried as both. Checks that a parsed message's
// views and signed part stay within the datagram and its fields within the grammar, that a
// command encoded from the parsed fields parses to the same fields with a MAC that checks, that
// a re-signed reply parses to the same fields, and that a list page built from a parsed reply's
// sessions parses back within 1400 bytes, in id order.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/hmac.hpp"
#include "health/agent_command.hpp"
#include "health/agent_report.hpp"

namespace {

using namespace ikesteer;
using namespace ikesteer::health;

// The seeds in corpus/agent_command are signed with this key.
constexpr std::string_view kKey = "fuzz-agent-key-0";

void check(bool condition) {
  if (!condition) __builtin_trap();
}

std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span(s));
}

std::span<const std::byte> key() {
  return bytes(kKey);
}

bool within(std::string_view view, std::span<const std::byte> datagram) {
  const auto* begin = reinterpret_cast<const char*>(datagram.data());
  return view.empty() ||
         (view.data() >= begin && view.data() + view.size() <= begin + datagram.size());
}

bool is_prefix(std::span<const std::byte> part, std::span<const std::byte> datagram) {
  return part.data() == datagram.data() && part.size() < datagram.size();
}

// part + marker + its MAC under the key, in hex.
std::string resigned(std::span<const std::byte> part, std::string_view marker) {
  const auto mac = hmac_sha256(key(), part);
  check(mac.has_value());
  std::string out(reinterpret_cast<const char*>(part.data()), part.size());
  out += marker;
  for (const auto b : *mac) {
    out += "0123456789abcdef"[std::to_integer<unsigned>(b) >> 4];
    out += "0123456789abcdef"[std::to_integer<unsigned>(b) & 0xf];
  }
  return out;
}

bool same_fields(const AgentCommand& a, const AgentCommand& b) {
  return a.member == b.member && a.seq == b.seq && a.time == b.time && a.kind == b.kind &&
         a.after == b.after && a.session == b.session && a.gateway == b.gateway;
}

bool same_fields(const AgentReply& a, const AgentReply& b) {
  if (a.member != b.member || a.seq != b.seq || a.time != b.time || a.result != b.result ||
      a.reason != b.reason || a.sessions != b.sessions || a.more != b.more ||
      a.listed.size() != b.listed.size())
    return false;
  for (std::size_t i = 0; i < a.listed.size(); ++i)
    if (a.listed[i].id != b.listed[i].id || a.listed[i].peer != b.listed[i].peer ||
        a.listed[i].identity != b.listed[i].identity)
      return false;
  return true;
}

void check_command(const AgentCommand& c, std::span<const std::byte> datagram) {
  check(datagram.size() <= kMaxAgentCommandSize);
  check(is_prefix(c.signed_part, datagram));
  check(within(c.member, datagram) && !c.member.empty() && c.member.size() <= 63);
  check(c.time >= 0);
  if (c.kind == CommandKind::List) {
    check(c.session.empty() && c.gateway.empty());
    check(!c.after || (within(*c.after, datagram) && is_session_id(*c.after)));
  } else {
    check(!c.after);
    check(within(c.session, datagram) && is_session_id(c.session));
    check(within(c.gateway, datagram) && is_gateway(c.gateway));
  }
}

void fuzz_command(std::span<const std::byte> datagram) {
  const auto parsed = parse_agent_command(datagram);
  if (!parsed) {
    check(parsed.error() == AgentReject::Malformed);
    return;
  }
  check_command(*parsed, datagram);

  // The fields encode to a command that parses back to them, signed.
  const std::string encoded = encode_agent_command(*parsed, key());
  check(encoded.size() <= kMaxAgentCommandSize);
  const auto again = parse_agent_command(bytes(encoded));
  check(again.has_value());
  check_command(*again, bytes(encoded));
  check(same_fields(*parsed, *again));
  check(verify_agent_mac(key(), again->signed_part, again->mac));
  check(encode_agent_command(*again, key()) == encoded);

  // Admission: once, never twice.
  AgentGate gate({key().begin(), key().end()});
  const auto first =
      gate.admit(again->signed_part, again->mac, again->seq, again->time, again->time);
  check(first.has_value());
  const auto replay =
      gate.admit(again->signed_part, again->mac, again->seq, again->time, again->time);
  check(!replay && replay.error() == AgentReject::Replayed);
}

void check_reply(const AgentReply& r, std::span<const std::byte> datagram) {
  check(datagram.size() <= kMaxAgentReplySize);
  check(is_prefix(r.signed_part, datagram));
  check(within(r.member, datagram) && !r.member.empty() && r.member.size() <= 63);
  check(r.time >= 0);
  check(r.result == ReplyResult::Ok ? !r.reason : r.reason && r.listed.empty());
  check(!r.reason || within(*r.reason, datagram));
  for (const auto& s : r.listed) {
    check(within(s.id, datagram) && is_session_id(s.id));
    check(within(s.identity, datagram) && s.identity.size() <= kMaxEncodedIdentitySize);
    check(percent_decode(s.identity).has_value());
  }
}

// A list page of the parsed sessions (their ids unique) parses back: the first of them in id
// order, within 1400 bytes.
void check_list_page(const AgentReply& r) {
  std::vector<std::string> identities;
  std::vector<ListedSession> all;
  for (const auto& s : r.listed) identities.push_back(*percent_decode(s.identity));
  for (std::size_t i = 0; i < r.listed.size(); ++i)
    all.push_back({.id = r.listed[i].id, .peer = r.listed[i].peer, .identity = identities[i]});
  std::vector<std::string_view> ids;
  for (const auto& s : all) ids.push_back(s.id);
  std::sort(ids.begin(), ids.end(), id_less);
  if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) return;

  const std::string page = encode_list_reply(r, all, std::nullopt, key());
  check(page.size() <= kMaxAgentReplySize);
  const auto parsed = parse_agent_reply(bytes(page));
  check(parsed.has_value());
  check_reply(*parsed, bytes(page));
  check(parsed->result == ReplyResult::Ok && parsed->sessions == all.size());
  check(!all.empty() ? !parsed->listed.empty() : !parsed->more);
  check(parsed->more == (parsed->listed.size() < all.size()));
  for (std::size_t i = 0; i < parsed->listed.size(); ++i) check(parsed->listed[i].id == ids[i]);
}

void fuzz_reply(std::span<const std::byte> datagram) {
  const auto parsed = parse_agent_reply(datagram);
  if (!parsed) {
    check(parsed.error() == AgentReject::Malformed);
    return;
  }
  check_reply(*parsed, datagram);

  // Re-signed, the same lines parse to the same fields, with a MAC that checks.
  const std::string again_text = resigned(parsed->signed_part, "mac=");
  check(again_text.size() <= datagram.size());  // at most the trailing newline is gone
  const auto again = parse_agent_reply(bytes(again_text));
  check(again.has_value());
  check(same_fields(*parsed, *again));
  check(verify_agent_mac(key(), again->signed_part, again->mac));

  if (parsed->listed.empty()) {
    const std::string encoded = encode_agent_reply(*parsed, key());
    const auto round = parse_agent_reply(bytes(encoded));
    check(round.has_value());
    check(same_fields(*parsed, *round));
  }
  if (parsed->result == ReplyResult::Ok) check_list_page(*parsed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto datagram = std::as_bytes(std::span(data, size));
  fuzz_command(datagram);
  fuzz_reply(datagram);
  return 0;
}
