// The words of moving a member's established sessions, shared by the job that moves them, the
// agent command client and the operator side: states, command results, a job's progress.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.hpp"

namespace ikesteer::frontend {

// Where a member's move job stands. The names are the API's and the metrics' words.
enum class MoveState : std::uint8_t {
  Listing,     // reading the member's sessions for the first time
  Moving,      // sessions to move, or moves awaiting the agent's answer
  Verifying,   // every session asked; waiting for them to leave (re-listing)
  Empty,       // the agent says the member holds no session
  FailedSome,  // the sessions left could not be moved in move_attempts tries
  Stopped,     // undrained, activated, removed, or its agent lost its key
};
inline constexpr std::array<std::string_view, 6> kMoveStateNames = {
    "listing", "moving", "verifying", "empty", "failed_some", "stopped"};

// How an agent command ended: the agent's result, or no answer within command_timeout.
enum class CommandResult : std::uint8_t { Ok, Refused, Failed, Timeout };
inline constexpr std::array<std::string_view, 4> kCommandResultNames = {"ok", "refused", "failed",
                                                                        "timeout"};

inline std::string_view to_string(MoveState s) noexcept {
  return kMoveStateNames[static_cast<std::size_t>(s)];
}
inline std::string_view to_string(CommandResult r) noexcept {
  return kCommandResultNames[static_cast<std::size_t>(r)];
}

// One session of a list reply, copied out of the datagram.
struct ListedSessionCopy {
  std::string id;
  IpAddress peer;
  std::string identity;              // percent-encoded, as the agent sent it
  std::optional<IpAddress> local{};  // the member's address it runs on, when the agent says
};

// A command's outcome as the mover sees it. List: a page of sessions, the member's total and
// whether more follow.
struct CommandOutcome {
  CommandResult result = CommandResult::Timeout;
  std::string reason;  // the agent's reason word, if any
  std::vector<ListedSessionCopy> sessions;
  std::optional<std::uint32_t> total;
  bool more = false;
};

// Where a session goes: the member its client would be redirected to now, and the gateway that
// member's REDIRECT names for the client's address family.
struct MoveTarget {
  std::string member;
  std::string gateway;
};

// A failback's move job: only the sessions the member serves on `address`, which is about to
// go home to `home`, and none of them to `home` (whose gateway is that address, still held by
// the member: a redirect there would come back).
struct FailbackScope {
  IpAddress address;
  std::string home;
};

// One move job, for operators.
struct MoveProgress {
  std::string member;
  std::optional<IpAddress> address;  // a failback's job: only the sessions on this address
  MoveState state = MoveState::Listing;
  std::uint32_t total = 0;      // sessions at the first complete list
  std::uint32_t left = 0;       // sessions as of the last complete list
  std::uint64_t requested = 0;  // move commands the agent accepted
  std::uint64_t moved = 0;      // asked to move, and gone from the member since
  // Failures, by reason: a session given up after move_attempts, or found without an eligible
  // member to go to (once each time; it is tried again later).
  std::uint64_t failed_attempts = 0;
  std::uint64_t failed_no_target = 0;
  std::uint64_t failed() const noexcept { return failed_attempts + failed_no_target; }
  double moves_per_second = 0;  // accepted move commands over the last 10 s
  std::chrono::system_clock::time_point started_at{};
  std::string last_error;  // the last command that did not succeed; "" = none yet
  std::string stop_reason;
};

}  // namespace ikesteer::frontend
