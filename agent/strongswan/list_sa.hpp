// Reads charon's list-sa events (vici README "list-sa"; vici_query.c) into Sessions. Pure: no
// socket, no exceptions. Each event's root holds one section per IKE SA, named by its
// connection:
//   <connection> { uniqueid, version, state, local-host, remote-host, remote-id, [remote-eap-id],
//                  [remote-xauth-id], [established], ..., child-sas { <name> {...} ... } }
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "agent/session_backend.hpp"
#include "agent/vici/message.hpp"

namespace ikesteer::agent::strongswan {

void read_list_sa_event(const vici::Section& event, SessionList& into);

// charon's IKE SA ids are u_int, and its redirect command reads ike-id as an int where 0 (and
// anything it cannot parse) means "no selector": only 1..INT32_MAX in decimal is an id.
bool is_ike_sa_id(std::string_view text) noexcept;

}  // namespace ikesteer::agent::strongswan
