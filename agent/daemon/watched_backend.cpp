#include "agent/daemon/watched_backend.hpp"

#include <cstdio>

#include "common/log.hpp"

namespace ikesteer::agent::daemon {

Result<SessionList, std::string> WatchedBackend::list_sessions() const {
  auto listed = backend_->list_sessions();
  if (listed)
    note_answer();
  else
    note_outage(listed.error());
  return listed;
}

Result<RedirectDone, RedirectError> WatchedBackend::redirect(std::string_view session_id,
                                                             std::string_view gateway) const {
  return backend_->redirect(session_id, gateway);
}

void WatchedBackend::note_answer() const {
  if (!in_outage_) return;
  in_outage_ = false;
  const std::chrono::duration<double> lasted = std::chrono::steady_clock::now() - outage_since_;
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1fs", lasted.count());
  log(LogLevel::Info, "agent", "the IKE daemon answers again", {{"outage", seconds}});
}

void WatchedBackend::note_outage(std::string_view error) const {
  if (in_outage_) return;
  in_outage_ = true;
  outage_since_ = std::chrono::steady_clock::now();
  log(LogLevel::Warn, "agent",
      "the IKE daemon does not answer: reports carry no session count until it does",
      {{"error", error}});
}

}  // namespace ikesteer::agent::daemon
