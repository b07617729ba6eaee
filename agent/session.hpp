// An established IKE SA on this member, as the agent lists it and moves it: what ikesteer needs
// to choose a target member and to ask for the move. Backend-neutral: strongSwan (VICI) fills
// it today; libreswan (whack) will.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/ip_address.hpp"

namespace ikesteer::agent {

struct Session {
  std::string id;          // the IKE daemon's own id of the IKE SA (charon: its uniqueid)
  std::string name;        // the connection (configuration) the IKE SA belongs to
  IpAddress peer_address;  // the client's outer address
  std::optional<IpAddress> local_address{};  // the member's address it runs on, when known
  std::string peer_id;                       // the client's IKE identity
  std::string peer_eap_id;                   // its EAP (or IKEv1 XAuth) identity; empty without one
  std::uint64_t established_seconds = 0;
  std::size_t child_sas = 0;  // CHILD SAs the IKE SA carries
  bool operator==(const Session&) const = default;
};

}  // namespace ikesteer::agent
