// `whack --status` of libreswan 4.10 read into Sessions: a pure parser, no I/O.
//
// whack prints each line with a three-digit code ("000 "). What the agent needs is in two parts:
//   state lines     #1: "rw"[2] 203.0.113.101:500 STATE_V2_ESTABLISHED_IKE_SA (established IKE
//                   SA); REKEY in 28528s; REPLACE in 28798s; newest; idle;
//                   #2: "c102":500 STATE_V2_ESTABLISHED_CHILD_SA (...); ...; IKE SA #1; idle;
//   connection      "rw"[2]: 198.51.100.11[@vpn.cluster.example]...203.0.113.101[@c101...]; ...
//   lines           "rw"[2]:   ike_life: 28800s; ipsec_life: ...
//                   "rw"[2]:   our idtype: ID_FQDN; our id=@vpn...; their idtype: ID_FQDN;
//                   their id=@c101.clients.example
// The host pair's left side is this member's own address (the session's local address).
// A Session's id is its connection as `whack --name` takes it: "c102", or "rw[2]" for an
// instance of the road-warrior template "rw" (its name is then "rw").
#pragma once

#include <string_view>

#include "agent/session_backend.hpp"

namespace ikesteer::agent::libreswan {

// One Session per connection with an established IKEv2 SA (the newest, when a connection has
// more than one: the others are skipped, so that ids stay unique). IKE SAs not established and
// IKEv1 SAs are skipped; state lines that cannot be read go to `malformed`.
SessionList read_whack_status(std::string_view status);

}  // namespace ikesteer::agent::libreswan
