// What the agent needs from the member's IKE daemon, whichever it is: its established IKE SAs,
// and to redirect one of them to another member (RFC 5685 REDIRECT in an INFORMATIONAL
// exchange). strongSwan's charon answers over VICI (agent/strongswan/), libreswan's pluto
// through whack (agent/libreswan/). Each call finishes within the backend's timeout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/session.hpp"
#include "common/result.hpp"

namespace ikesteer::agent {

struct SessionList {
  std::vector<Session> sessions;       // established IKEv2 SAs: the ones that can be moved
  std::size_t skipped = 0;             // not established (yet or any more), or IKEv1
  std::vector<std::string> malformed;  // one line per IKE SA that could not be read, and why
};

// The daemon queued the redirect of `matches` (at least one) IKE SAs; the client follows on its
// own, after the answer.
struct RedirectDone {
  std::uint32_t matches = 1;
};

// Why a redirect was not done. Each kind is one of the agent's reply reasons
// (health::kReplyFailureReasons), so the backend, which knows its daemon's answers, decides.
enum class RedirectFailure : std::uint8_t {
  UnknownSession,     // the daemon holds no such session (any more), or the id names none it could
  DaemonUnreachable,  // it could not be asked, or did not answer in time
  DaemonRefused,      // it answered with an error, or cannot move that session
};

struct RedirectError {
  RedirectFailure failure = RedirectFailure::DaemonRefused;
  std::string message;  // for the log: the daemon's words or what went wrong on the way
};

class SessionBackend {
 public:
  virtual ~SessionBackend() = default;
  virtual Result<SessionList, std::string> list_sessions() const = 0;
  // session_id: a Session::id this backend listed; gateway: health::is_gateway() holds.
  virtual Result<RedirectDone, RedirectError> redirect(std::string_view session_id,
                                                       std::string_view gateway) const = 0;
};

}  // namespace ikesteer::agent
