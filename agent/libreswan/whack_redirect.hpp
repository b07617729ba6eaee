// `whack --name CONN --redirect-to GATEWAY` of libreswan 4.10: what to run and how to read its
// answer. Pure: no I/O.
//
// Facts of pluto 4.10 (programs/pluto/ikev2_redirect.c, find_and_active_redirect_states):
// - it sends the REDIRECT (INFORMATIONAL) to every established IKE SA whose connection's name
//   equals CONN; an instance "rw[2]" is never a name there, so the IKE SAs of a road-warrior
//   template can be redirected only all together (`--name rw`);
// - GATEWAY is a list (comma or space separated) it hands out round robin, and it checks
//   nothing: the client is left to reject a bad one;
// - whack exits 0 whatever happened; the answer is one line, "redirections sent for N tunnels
//   of connection "CONN"" or "no active tunnels found for connection "CONN"".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/session_backend.hpp"

namespace ikesteer::agent::libreswan {

// A protocol session id (health::is_session_id) not starting with '-' (whack would read an
// option).
bool is_whack_session_id(std::string_view id);

// The arguments after the whack binary and its --ctlsocket.
std::vector<std::string> redirect_arguments(std::string_view session_id, std::string_view gateway);

// whack's stdout (exit status 0) as a RedirectReply: success with `matches` IKE SAs when pluto
// says it sent redirections, a refusal with pluto's words otherwise.
RedirectReply read_redirect_answer(std::string_view session_id, std::string_view out);

}  // namespace ikesteer::agent::libreswan
