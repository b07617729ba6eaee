// `whack --name CONN --redirect-to GATEWAY`: what is run, what is refused before, and how
// pluto 4.10's answers (captured from tests/integration/agent_whack.sh) are read.
#include "agent/libreswan/whack_redirect.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

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

TEST_CASE("pluto sent the REDIRECT: success, with how many IKE SAs") {
  const RedirectReply one =
      read_redirect_answer("c102", "005 redirections sent for 1 tunnels of connection \"c102\"\n");
  CHECK(one.success);
  CHECK(one.matches == 1);
  CHECK(one.errmsg.empty());
  // `--name rw` on a member with two instances of the template moves both.
  const RedirectReply all =
      read_redirect_answer("rw", "005 redirections sent for 2 tunnels of connection \"rw\"\n");
  CHECK(all.success);
  CHECK(all.matches == 2);
}

TEST_CASE("pluto found nothing: a refusal in its words, explained for an instance") {
  const RedirectReply none =
      read_redirect_answer("c999", "005 no active tunnels found for connection \"c999\"\n");
  CHECK_FALSE(none.success);
  CHECK(none.matches == 0);
  CHECK(none.errmsg == "no active tunnels found for connection \"c999\"");
  const RedirectReply instance =
      read_redirect_answer("rw[2]", "005 no active tunnels found for connection \"rw[2]\"\n");
  CHECK_FALSE(instance.success);
  CHECK(instance.errmsg.find("no active tunnels found for connection \"rw[2]\"") == 0);
  CHECK(instance.errmsg.find("instance") != std::string::npos);
}

TEST_CASE("anything else is no success") {
  CHECK(read_redirect_answer("c1", "").errmsg == "whack printed nothing");
  CHECK_FALSE(read_redirect_answer("c1", "005 redirections sent for 0 tunnels\n").success);
  CHECK_FALSE(read_redirect_answer("c1", "005 redirections sent for many tunnels\n").success);
  const RedirectReply odd = read_redirect_answer("c1", "something\nelse");
  CHECK_FALSE(odd.success);
  CHECK(odd.errmsg == "something; else");
}

}  // namespace
}  // namespace ikesteer::agent::libreswan
