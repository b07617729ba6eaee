// What the agent asks the local libreswan pluto through its command-line client whack: its
// established IKE SAs (`whack --status`) and to redirect one connection's IKE SA to another
// member (`whack --name CONN --redirect-to GATEWAY`, an RFC 5685 REDIRECT in an INFORMATIONAL
// exchange). whack runs with an argument vector, never through a shell, bounded in time and
// output. See whack_status.hpp and whack_redirect.hpp for what pluto 4.10 prints and does.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/libreswan/run_command.hpp"
#include "agent/session_backend.hpp"
#include "common/result.hpp"

namespace ikesteer::agent::libreswan {

struct WhackOptions {
  std::string whack = "/usr/libexec/ipsec/whack";  // where libreswan 4.10 installs it
  std::string ctlsocket = "/run/pluto/pluto.ctl";  // pluto's control socket
  std::chrono::milliseconds timeout{5000};         // for each whack run
  // --status prints ~20 lines per connection instance: room for tens of thousands of clients.
  std::size_t max_output = std::size_t{64} << 20;
};

class WhackClient final : public SessionBackend {
 public:
  explicit WhackClient(WhackOptions options) : options_(std::move(options)) {}

  Result<SessionList, std::string> list_sessions() const override;
  // session_id: a Session::id this pluto listed (a connection name); gateway: one IP address or
  // DNS name. pluto redirects every established IKE SA of that connection: `matches` says how
  // many. Failures are classified by read_redirect_answer (whack_redirect.hpp); an id whack
  // would misread names no session, a whack that could not run or finish means no answer.
  Result<RedirectDone, RedirectError> redirect(std::string_view session_id,
                                               std::string_view gateway) const override;

 private:
  // whack run to its end, whatever its exit status.
  Result<CommandOutput, std::string> run_whack(std::vector<std::string> arguments) const;
  WhackOptions options_;
};

}  // namespace ikesteer::agent::libreswan
