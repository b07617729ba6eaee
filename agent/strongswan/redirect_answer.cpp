#include "agent/strongswan/redirect_answer.hpp"

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

#include "agent/vici/commands.hpp"

namespace ikesteer::agent::strongswan {
namespace {

std::optional<std::uint32_t> matches_of(const vici::Section& response) {
  const auto text = response.value("matches");
  if (!text) return std::nullopt;
  std::uint32_t n = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc{} || end != text->data() + text->size()) return std::nullopt;
  return n;
}

}  // namespace

Result<RedirectDone, RedirectError> read_redirect_answer(const vici::Section& response) {
  const vici::CommandReply reply = vici::read_command_reply(response);
  const std::optional<std::uint32_t> matches = matches_of(response);
  if (reply.success && matches && *matches >= 1) return RedirectDone{.matches = *matches};
  const std::string said = reply.errmsg.empty() ? std::string("no reason given") : reply.errmsg;
  // Only the search for the IKE SA answers matches=0: charon holds no such IKE SA.
  if (matches == std::optional<std::uint32_t>(0))
    return fail(RedirectError{RedirectFailure::UnknownSession, said});
  return fail(
      RedirectError{RedirectFailure::DaemonRefused,
                    reply.success ? "charon answered success without a count of IKE SAs" : said});
}

}  // namespace ikesteer::agent::strongswan
