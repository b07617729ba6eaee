// `whack --name CONN --redirect-to GATEWAY`: what is run, what is refused before, and how
// pluto 4.10's answers (captured from tests/integration/agent_whack.sh) are read.
#include "agent/libreswan/whack_redirect.hpp"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "agent/libreswan/whack_client.hpp"
#include "health/agent_command.hpp"

namespace ikesteer::agent::libreswan {
namespace {

TEST_CASE("the arguments: the connection and one gateway, each its own argument") {
  CHECK(redirect_arguments("rw[2]", "198.51.100.12") ==
        std::vector<std::string>{"--name", "rw[2]", "--redirect-to", "198.51.100.12"});
}

TEST_CASE("session ids whack may be given") {
  CHECK(is_whack_session_id("c102"));
  CHECK(is_whack_session_id("rw[2]"));
  CHECK(is_whack_session_id("road.warrior_v6:east#1-a"));
  CHECK(is_whack_session_id(std::string(64, 'a')));
  CHECK_FALSE(is_whack_session_id(""));
  CHECK_FALSE(is_whack_session_id(std::string(65, 'a')));
  CHECK_FALSE(is_whack_session_id("--status"));  // whack would read an option
  CHECK_FALSE(is_whack_session_id("c 102"));
  CHECK_FALSE(is_whack_session_id("c\"102"));
  CHECK_FALSE(is_whack_session_id("c102\n"));
}

TEST_CASE("one gateway (health::is_gateway), never a list pluto would hand out round robin") {
  CHECK(health::is_gateway("198.51.100.12"));
  CHECK(health::is_gateway("2001:db8::12"));
  CHECK(health::is_gateway("m2.vpn.example"));
  CHECK_FALSE(health::is_gateway(""));
  CHECK_FALSE(health::is_gateway("198.51.100.12,198.51.100.13"));
  CHECK_FALSE(health::is_gateway("bad gw!"));
  CHECK_FALSE(health::is_gateway("-m2.example"));
  CHECK_FALSE(health::is_gateway("m2..example"));
  CHECK_FALSE(health::is_gateway(std::string(254, 'a')));
}

CommandOutput printed(std::string out, int exit_status = 0, std::string err = "") {
  return CommandOutput{.exit_status = exit_status, .out = std::move(out), .err = std::move(err)};
}

RedirectFailure failure_of(std::string_view id, const CommandOutput& whack) {
  const auto answer = read_redirect_answer(id, whack);
  REQUIRE_FALSE(answer);
  return answer.error().failure;
}

TEST_CASE("pluto sent the REDIRECT: done, with how many IKE SAs") {
  const auto one = read_redirect_answer(
      "c102", printed("005 redirections sent for 1 tunnels of connection \"c102\"\n"));
  REQUIRE(one);
  CHECK(one->matches == 1);
  // `--name rw` on a member with two instances of the template moves both.
  const auto all = read_redirect_answer(
      "rw", printed("005 redirections sent for 2 tunnels of connection \"rw\"\n"));
  REQUIRE(all);
  CHECK(all->matches == 2);
}

TEST_CASE("pluto found no IKE SA of a connection: an unknown session, in its words") {
  const auto none = read_redirect_answer(
      "c999", printed("005 no active tunnels found for connection \"c999\"\n"));
  REQUIRE_FALSE(none);
  CHECK(none.error().failure == RedirectFailure::UnknownSession);
  CHECK(none.error().message == "no active tunnels found for connection \"c999\"");
}

TEST_CASE("an instance pluto cannot redirect alone: refused, not unknown (it still exists)") {
  const auto instance = read_redirect_answer(
      "rw[2]", printed("005 no active tunnels found for connection \"rw[2]\"\n"));
  REQUIRE_FALSE(instance);
  CHECK(instance.error().failure == RedirectFailure::DaemonRefused);
  CHECK(instance.error().message.find("no active tunnels found for connection \"rw[2]\"") == 0);
  CHECK(instance.error().message.find("instance") != std::string::npos);
}

TEST_CASE("whack could not reach pluto: unreachable (exit status 33, measured with 4.10)") {
  const auto answer = read_redirect_answer(
      "c1", printed("", 33, "whack: Pluto is not running (no \"/run/pluto/pluto.ctl\")\n"));
  REQUIRE_FALSE(answer);
  CHECK(answer.error().failure == RedirectFailure::DaemonUnreachable);
  CHECK(answer.error().message ==
        "whack exited with status 33: whack: Pluto is not running (no \"/run/pluto/pluto.ctl\")");
  CHECK(failure_of("c1", printed("", 33, "whack: is Pluto running?  connect() failed\n")) ==
        RedirectFailure::DaemonUnreachable);
}

TEST_CASE("anything else pluto answers is a refusal") {
  CHECK(failure_of("c1", printed("")) == RedirectFailure::DaemonRefused);
  CHECK(read_redirect_answer("c1", printed("")).error().message == "whack printed nothing");
  CHECK(failure_of("c1", printed("005 redirections sent for 0 tunnels\n")) ==
        RedirectFailure::DaemonRefused);
  CHECK(failure_of("c1", printed("005 redirections sent for many tunnels\n")) ==
        RedirectFailure::DaemonRefused);
  CHECK(read_redirect_answer("c1", printed("something\nelse")).error().message ==
        "something; else");
  // A coded line of pluto's (RC_* 10..) ends whack with that status: an answer, not an outage.
  const auto coded = read_redirect_answer("c1", printed("021 no connection named \"c1\"\n", 21));
  REQUIRE_FALSE(coded);
  CHECK(coded.error().failure == RedirectFailure::DaemonRefused);
  CHECK(coded.error().message == "whack exited with status 21: no connection named \"c1\"");
  // Not done unless whack exited 0, whatever it printed.
  CHECK(failure_of("c1", printed("005 redirections sent for 1 tunnels\n", 21)) ==
        RedirectFailure::DaemonRefused);
  // "no active tunnels" with a status other than 0 is not pluto's clean "none found".
  CHECK(failure_of("c1", printed("no active tunnels found for connection \"c1\"\n", 21)) ==
        RedirectFailure::DaemonRefused);
}

TEST_CASE(
    "WhackClient: an id whack would misread names no session; a whack that cannot run "
    "means no answer") {
  const WhackClient client({.whack = "/nonexistent/whack", .ctlsocket = "/nonexistent/pluto.ctl"});
  const auto bad_id = client.redirect("--status", "198.51.100.12");
  REQUIRE_FALSE(bad_id);
  CHECK(bad_id.error().failure == RedirectFailure::UnknownSession);
  const auto bad_gateway = client.redirect("c1", "198.51.100.12,198.51.100.13");
  REQUIRE_FALSE(bad_gateway);
  CHECK(bad_gateway.error().failure == RedirectFailure::DaemonRefused);
  const auto no_whack = client.redirect("c1", "198.51.100.12");
  REQUIRE_FALSE(no_whack);
  CHECK(no_whack.error().failure == RedirectFailure::DaemonUnreachable);
}

}  // namespace
}  // namespace ikesteer::agent::libreswan
