#include "agent/libreswan/whack_client.hpp"

#include "agent/libreswan/whack_redirect.hpp"
#include "agent/libreswan/whack_status.hpp"
#include "health/agent_command.hpp"

namespace ikesteer::agent::libreswan {
namespace {

std::string first_line(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  return std::string(text.substr(0, text.find('\n')));
}

}  // namespace

Result<CommandOutput, std::string> WhackClient::run_whack(
    std::vector<std::string> arguments) const {
  std::vector<std::string> argv;
  argv.reserve(arguments.size() + 3);
  argv.push_back(options_.whack);
  argv.emplace_back("--ctlsocket");
  argv.push_back(options_.ctlsocket);
  for (std::string& a : arguments) argv.push_back(std::move(a));
  return run_command(argv, {.timeout = options_.timeout, .max_output = options_.max_output});
}

Result<SessionList, std::string> WhackClient::list_sessions() const {
  auto ran = run_whack({"--status"});
  if (!ran) return fail(ran.error());
  // whack exits non-zero when it cannot reach pluto or pluto reports an error (code 20-99).
  if (ran->exit_status != 0) {
    const std::string said = first_line(ran->err.empty() ? ran->out : ran->err);
    return fail("whack exited with status " + std::to_string(ran->exit_status) +
                (said.empty() ? std::string() : ": " + said));
  }
  return read_whack_status(ran->out);
}

Result<RedirectDone, RedirectError> WhackClient::redirect(std::string_view session_id,
                                                          std::string_view gateway) const {
  if (!is_whack_session_id(session_id))
    return fail(
        RedirectError{RedirectFailure::UnknownSession,
                      "'" + std::string(session_id) + "' is not a libreswan connection name"});
  // One address or name (health::is_gateway), never a list: pluto would spread a list over the
  // IKE SAs and check none of it.
  if (!health::is_gateway(gateway))
    return fail(
        RedirectError{RedirectFailure::DaemonRefused,
                      "gateway '" + std::string(gateway) + "' is not one IP address or DNS name"});
  auto ran = run_whack(redirect_arguments(session_id, gateway));
  if (!ran) return fail(RedirectError{RedirectFailure::DaemonUnreachable, ran.error()});
  return read_redirect_answer(session_id, *ran);
}

}  // namespace ikesteer::agent::libreswan
