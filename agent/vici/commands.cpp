#include "agent/vici/commands.hpp"

#include <utility>

namespace ikesteer::vici {

Packet list_sas_request() {
  Packet packet{.type = PacketType::CmdRequest, .name = std::string(kListSasCommand)};
  packet.message.add_value("noblock", "yes");  // charon checks the key only
  return packet;
}

Packet redirect_request(const RedirectRequest& request) {
  Packet packet{.type = PacketType::CmdRequest, .name = std::string(kRedirectCommand)};
  Section& m = packet.message;
  if (!request.ike_id.empty()) m.add_value("ike-id", request.ike_id);
  if (!request.peer_ip.empty()) m.add_value("peer-ip", request.peer_ip);
  if (!request.peer_id.empty()) m.add_value("peer-id", request.peer_id);
  m.add_value("gateway", request.gateway);
  return packet;
}

Packet event_register(std::string name) {
  return {.type = PacketType::EventRegister, .name = std::move(name)};
}

Packet event_unregister(std::string name) {
  return {.type = PacketType::EventUnregister, .name = std::move(name)};
}

CommandReply read_command_reply(const Section& response) {
  return {.success = response.value("success") == "yes",
          .errmsg = std::string(response.value("errmsg").value_or(""))};
}

}  // namespace ikesteer::vici
