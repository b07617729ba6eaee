// What the agent command client counts: commands by kind and how they ended, and replies it
// dropped, by reason.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "frontend/cluster/session_move.hpp"

namespace ikesteer::frontend {

// Why a datagram that came to the command client was not taken as a reply. The names are the
// metric labels.
enum class ReplyDrop : std::uint8_t {
  Malformed,      // not an IKESTEER-REPLY/1 (health::parse_agent_reply)
  UnknownMember,  // no member by that name with agent_commands
  BadMac,         // not signed with that member's key
  NotPending,     // no command of that member with that seq awaits an answer (late, replayed)
};
inline constexpr std::array<std::string_view, 4> kReplyDropNames = {"malformed", "unknown_member",
                                                                    "bad_mac", "not_pending"};
inline std::string_view to_string(ReplyDrop d) noexcept {
  return kReplyDropNames[static_cast<std::size_t>(d)];
}

struct AgentCommandCounters {
  std::array<std::uint64_t, kCommandResultNames.size()> list{};         // by CommandResult
  std::array<std::uint64_t, kCommandResultNames.size()> move{};         // by CommandResult
  std::array<std::uint64_t, kReplyDropNames.size()> replies_dropped{};  // by ReplyDrop
};

}  // namespace ikesteer::frontend
