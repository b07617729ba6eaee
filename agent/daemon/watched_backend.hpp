// The member's IKE daemon as the agent daemon uses it: every call goes to the backend, and an
// outage (a list that could not be had) is logged once when it starts and once when the daemon
// answers again, however many reports and commands meet it in between. Lists come every report
// interval, so they alone tell; a failed redirect may have other causes (a malformed id).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "agent/session_backend.hpp"

namespace ikesteer::agent::daemon {

class WatchedBackend final : public SessionBackend {
 public:
  explicit WatchedBackend(std::unique_ptr<SessionBackend> backend) : backend_(std::move(backend)) {}

  Result<SessionList, std::string> list_sessions() const override;
  Result<RedirectDone, RedirectError> redirect(std::string_view session_id,
                                               std::string_view gateway) const override;

 private:
  // The interface is const (a query of the daemon); what we remember of its outages is not
  // the daemon's state, hence mutable.
  void note_answer() const;
  void note_outage(std::string_view error) const;

  std::unique_ptr<SessionBackend> backend_;
  mutable bool in_outage_ = false;
  mutable std::chrono::steady_clock::time_point outage_since_{};
};

}  // namespace ikesteer::agent::daemon
