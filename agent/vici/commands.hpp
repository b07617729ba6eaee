// The requests the member agent sends charon and how it reads the answers (README
// "Client-initiated commands", "Server-issued events"; charon's vici_query.c, vici_control.c).
#pragma once

#include <string>
#include <string_view>

#include "agent/vici/message.hpp"
#include "agent/vici/packet.hpp"

namespace ikesteer::vici {

inline constexpr std::string_view kListSasCommand = "list-sas";
inline constexpr std::string_view kListSaEvent = "list-sa";
inline constexpr std::string_view kRedirectCommand = "redirect";

// list-sas with noblock set: charon does not wait for IKE SAs another thread holds. It
// streams one list-sa event per IKE SA to a client registered for list-sa, then answers with
// an empty CMD_RESPONSE.
Packet list_sas_request();

// Which IKE SAs to redirect, and where. An empty selector is left out; charon needs at least
// one and redirects the IKEv2 SAs that match all of them. The README leaves gateway out, but
// charon refuses a redirect without it ("missing target gateway").
struct RedirectRequest {
  std::string ike_id;   // the IKE SA's uniqueid
  std::string peer_ip;  // an address, a CIDR subnet or a range
  std::string peer_id;  // matched against the peer's EAP identity, else its IKE identity
  std::string gateway;  // an IPv4 or IPv6 address or an FQDN
};
Packet redirect_request(const RedirectRequest& request);

Packet event_register(std::string name);
Packet event_unregister(std::string name);

// A command's answer: success = "yes" or "no", errmsg on failure (redirect adds matches).
struct CommandReply {
  bool success = false;
  std::string errmsg;
};
CommandReply read_command_reply(const Section& response);

}  // namespace ikesteer::vici
