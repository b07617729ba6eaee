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

// The daemon's answer to a redirect. success means it queued the redirect of `matches` IKE SAs;
// the client follows on its own, after the answer.
struct RedirectReply {
  bool success = false;
  std::uint32_t matches = 0;
  std::string errmsg;
};

class SessionBackend {
 public:
  virtual ~SessionBackend() = default;
  virtual Result<SessionList, std::string> list_sessions() const = 0;
  // session_id: a Session::id this backend listed; gateway: health::is_gateway() holds.
  virtual Result<RedirectReply, std::string> redirect(std::string_view session_id,
                                                      std::string_view gateway) const = 0;
};

}  // namespace ikesteer::agent
