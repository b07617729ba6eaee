// What the agent asks the local charon over VICI: its established IKE SAs, and to redirect
// one of them to another member (RFC 5685 REDIRECT in an INFORMATIONAL exchange; strongSwan
// clients follow it make-before-break). Each call opens its own connection and finishes
// within the timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "agent/session_backend.hpp"
#include "agent/strongswan/list_sa.hpp"
#include "agent/strongswan/vici_connection.hpp"
#include "common/result.hpp"

namespace ikesteer::agent::strongswan {

struct CharonOptions {
  std::string vici_uri = std::string(kDefaultViciUri);
  std::chrono::milliseconds timeout{5000};  // for a whole call
};

class CharonClient final : public SessionBackend {
 public:
  explicit CharonClient(CharonOptions options) : options_(std::move(options)) {}

  Result<SessionList, std::string> list_sessions() const override;
  // session_id: a Session::id of this charon; gateway: an IP address or a DNS name, as the
  // client will be told (charon accepts nothing else; checked with health::is_gateway).
  // How each failure is classified: see redirect_answer.hpp; an id charon cannot hold is an
  // unknown session, one the agent could not deliver an unreachable daemon.
  Result<RedirectDone, RedirectError> redirect(std::string_view session_id,
                                               std::string_view gateway) const override;

 private:
  Result<ViciConnection, std::string> connect() const;
  CharonOptions options_;
};

}  // namespace ikesteer::agent::strongswan
