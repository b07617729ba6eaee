// charon's answers to VICI `redirect` (strongSwan 5.9.8, vici_control.c) and the failure kind
// each becomes: only matches=0 says that charon holds no such IKE SA.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "agent/strongswan/redirect_answer.hpp"

namespace ikesteer::agent::strongswan {
namespace {

vici::Section answer(const std::vector<std::pair<std::string, std::string>>& values) {
  vici::Section s;
  for (const auto& [key, value] : values) s.add_value(key, value);
  return s;
}

TEST_CASE("queued for N IKE SAs: done") {
  const auto done = read_redirect_answer(answer({{"success", "yes"}, {"matches", "1"}}));
  REQUIRE(done);
  CHECK(done->matches == 1);
}

TEST_CASE("nothing matched: unknown session, with charon's words") {
  const auto none = read_redirect_answer(answer(
      {{"success", "no"}, {"matches", "0"}, {"errmsg", "no matching SAs to redirect found"}}));
  REQUIRE_FALSE(none);
  CHECK(none.error().failure == RedirectFailure::UnknownSession);
  CHECK(none.error().message == "no matching SAs to redirect found");
}

TEST_CASE("a request charon did not take (no matches key): refused") {
  for (const char* said :
       {"missing target gateway", "unsupported gateway identity", "missing redirect selector"}) {
    CAPTURE(said);
    const auto refused = read_redirect_answer(answer({{"success", "no"}, {"errmsg", said}}));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().failure == RedirectFailure::DaemonRefused);
    CHECK(refused.error().message == said);
  }
}

TEST_CASE("answers charon does not give are refusals, never a move or an unknown session") {
  for (const auto& values : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"success", "yes"}},
           {{"success", "yes"}, {"matches", "x"}},
           {{"success", "no"}},
           {{"success", "no"}, {"matches", "00x"}},
           {}}) {
    const auto refused = read_redirect_answer(answer(values));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().failure == RedirectFailure::DaemonRefused);
    CHECK_FALSE(refused.error().message.empty());
  }
  // success=yes with matches=0 does not happen (charon says no then): nothing was moved.
  const auto odd = read_redirect_answer(answer({{"success", "yes"}, {"matches", "0"}}));
  REQUIRE_FALSE(odd);
  CHECK(odd.error().failure == RedirectFailure::UnknownSession);
}

}  // namespace
}  // namespace ikesteer::agent::strongswan
