#include "agent/libreswan/whack_redirect.hpp"

#include <charconv>
#include <cstdint>
#include <string>

#include "health/agent_command.hpp"

namespace ikesteer::agent::libreswan {
namespace {

std::string_view strip_code(std::string_view line) {
  if (line.size() >= 4 && line[3] == ' ' && line.find_first_not_of("0123456789") == 3)
    line.remove_prefix(4);
  return line;
}

}  // namespace

bool is_whack_session_id(std::string_view id) {
  return health::is_session_id(id) && id.front() != '-';
}

std::vector<std::string> redirect_arguments(std::string_view session_id, std::string_view gateway) {
  std::vector<std::string> args;
  args.emplace_back("--name");
  args.emplace_back(session_id);
  args.emplace_back("--redirect-to");
  args.emplace_back(gateway);
  return args;
}

Result<RedirectDone, RedirectError> read_redirect_answer(std::string_view session_id,
                                                         const CommandOutput& whack) {
  constexpr std::string_view kSent = "redirections sent for ";
  constexpr std::string_view kNone = "no active tunnels found";
  const bool instance = session_id.find('[') != std::string_view::npos;
  std::string_view out = whack.out;
  std::string said;
  bool none_found = false;
  while (!out.empty()) {
    const std::size_t newline = out.find('\n');
    const std::string_view line = strip_code(out.substr(0, newline));
    out.remove_prefix(newline == std::string_view::npos ? out.size() : newline + 1);
    if (line.empty()) continue;
    if (whack.exit_status == 0 && line.starts_with(kSent)) {
      const std::string_view count = line.substr(kSent.size());
      std::uint32_t n = 0;
      const auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
      if (ec == std::errc{} && end != count.data() && n > 0) return RedirectDone{.matches = n};
    }
    none_found = none_found || line.starts_with(kNone);
    if (!said.empty()) said += "; ";
    said += line;
  }
  if (!whack.err.empty()) {
    std::string_view err = whack.err;
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.remove_suffix(1);
    if (!said.empty()) said += "; ";
    said += err.substr(0, err.find('\n'));
  }
  if (said.empty()) said = "whack printed nothing";
  if (whack.exit_status != 0)
    said = "whack exited with status " + std::to_string(whack.exit_status) + ": " + said;
  if (whack.exit_status == kWhackCannotReachPluto)
    return fail(RedirectError{RedirectFailure::DaemonUnreachable, said});
  if (whack.exit_status == 0 && none_found && !instance)
    return fail(RedirectError{RedirectFailure::UnknownSession, said});
  if (none_found && instance)
    said +=
        " (libreswan 4.10 redirects by connection name only: an instance of a template cannot be "
        "redirected on its own)";
  return fail(RedirectError{RedirectFailure::DaemonRefused, said});
}

}  // namespace ikesteer::agent::libreswan
