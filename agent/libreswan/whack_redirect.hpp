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
//   of connection "CONN"" or "no active tunnels found for connection "CONN"";
// - whack exits 33 when it cannot talk to pluto (no control socket, connect refused: measured).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/libreswan/run_command.hpp"
#include "agent/session_backend.hpp"
#include "common/result.hpp"

namespace ikesteer::agent::libreswan {

// A protocol session id (health::is_session_id) not starting with '-' (whack would read an
// option).
bool is_whack_session_id(std::string_view id);

// The arguments after the whack binary and its --ctlsocket.
std::vector<std::string> redirect_arguments(std::string_view session_id, std::string_view gateway);

// whack's exit status when it could not talk to pluto at all.
inline constexpr int kWhackCannotReachPluto = 33;

// What a finished `whack --name CONN --redirect-to GW` run means: done with `matches` IKE SAs
// when pluto says it sent redirections; UnknownSession when it found no established IKE SA of
// that connection; DaemonRefused when it found none for an instance ("rw[2]": pluto cannot
// redirect it on its own, the session still exists) or answered anything else;
// DaemonUnreachable when whack could not reach pluto.
Result<RedirectDone, RedirectError> read_redirect_answer(std::string_view session_id,
                                                         const CommandOutput& whack);

}  // namespace ikesteer::agent::libreswan
