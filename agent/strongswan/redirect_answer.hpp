// charon's answer to a VICI `redirect` request, as the agent reads it. Pure: no I/O.
//
// What strongSwan 5.9.8 answers (src/libcharon/plugins/vici/vici_control.c, redirect):
// - it queued a redirect job for each matching IKEv2 SA: success=yes, matches=N (N >= 1);
// - none matched (no IKE SA with that unique id): success=no, matches=0,
//   errmsg "no matching SAs to redirect found";
// - a request it cannot take (no or bad gateway, no selector): success=no and an errmsg,
//   without matches.
#pragma once

#include "agent/session_backend.hpp"
#include "agent/vici/message.hpp"
#include "common/result.hpp"

namespace ikesteer::agent::strongswan {

// Done with matches=N; UnknownSession when charon matched nothing; DaemonRefused for any other
// answer, with charon's errmsg.
Result<RedirectDone, RedirectError> read_redirect_answer(const vici::Section& response);

}  // namespace ikesteer::agent::strongswan
