#include "agent/strongswan/charon_client.hpp"

#include <cstddef>
#include <utility>

#include "agent/strongswan/redirect_answer.hpp"
#include "agent/vici/commands.hpp"
#include "health/agent_command.hpp"

namespace ikesteer::agent::strongswan {
namespace {

// More list-sa events than any member holds IKE SAs; a bound on what one call keeps.
constexpr std::size_t kMaxSessionList = 1 << 20;

std::string packet_type_name(vici::PacketType t) {
  switch (t) {
    case vici::PacketType::CmdRequest:
      return "CMD_REQUEST";
    case vici::PacketType::CmdResponse:
      return "CMD_RESPONSE";
    case vici::PacketType::CmdUnknown:
      return "CMD_UNKNOWN";
    case vici::PacketType::EventRegister:
      return "EVENT_REGISTER";
    case vici::PacketType::EventUnregister:
      return "EVENT_UNREGISTER";
    case vici::PacketType::EventConfirm:
      return "EVENT_CONFIRM";
    case vici::PacketType::EventUnknown:
      return "EVENT_UNKNOWN";
    case vici::PacketType::Event:
      return "EVENT";
  }
  return "?";
}

Failure<std::string> unexpected(const vici::Packet& p, std::string_view waiting_for) {
  return fail("charon sent " + packet_type_name(p.type) + " while we waited for " +
              std::string(waiting_for));
}

}  // namespace

Result<ViciConnection, std::string> CharonClient::connect() const {
  return ViciConnection::open(options_.vici_uri, ViciConnection::Clock::now() + options_.timeout);
}

// list-sas streams one list-sa event per IKE SA to a connection registered for list-sa, then
// answers with an empty CMD_RESPONSE.
Result<SessionList, std::string> CharonClient::list_sessions() const {
  auto connection = connect();
  if (!connection) return fail(connection.error());
  ViciConnection& vici = *connection;

  if (auto sent = vici.send(vici::event_register(std::string(vici::kListSaEvent))); !sent)
    return fail(sent.error());
  auto confirm = vici.receive();
  if (!confirm) return fail(confirm.error());
  if (confirm->type == vici::PacketType::EventUnknown)
    return fail(std::string("charon does not know the list-sa event"));
  if (confirm->type != vici::PacketType::EventConfirm)
    return unexpected(*confirm, "the confirmation of list-sa");

  if (auto sent = vici.send(vici::list_sas_request()); !sent) return fail(sent.error());
  SessionList listed;
  for (std::size_t events = 0;; ++events) {
    auto packet = vici.receive();
    if (!packet) return fail(packet.error());
    if (packet->type == vici::PacketType::CmdResponse) return listed;
    if (packet->type == vici::PacketType::CmdUnknown)
      return fail(std::string("charon does not know the list-sas command"));
    if (packet->type != vici::PacketType::Event || packet->name != vici::kListSaEvent)
      return unexpected(*packet, "list-sa events");
    if (events == kMaxSessionList)
      return fail("charon listed more than " + std::to_string(kMaxSessionList) + " IKE SAs");
    read_list_sa_event(packet->message, listed);
  }
}

Result<RedirectDone, RedirectError> CharonClient::redirect(std::string_view session_id,
                                                           std::string_view gateway) const {
  const auto unreachable = [](std::string message) {
    return fail(RedirectError{RedirectFailure::DaemonUnreachable, std::move(message)});
  };
  const auto refused = [](std::string message) {
    return fail(RedirectError{RedirectFailure::DaemonRefused, std::move(message)});
  };
  // charon reads a bad ike-id as 0, "any IKE SA": never send one. It lists no such id either.
  if (!is_ike_sa_id(session_id))
    return fail(RedirectError{
        RedirectFailure::UnknownSession,
        "'" + std::string(session_id) + "' is not a charon IKE SA id (1 to 2147483647)"});
  if (!health::is_gateway(gateway))
    return refused("gateway '" + std::string(gateway) + "' is not an IP address or a DNS name");
  auto connection = connect();
  if (!connection) return unreachable(connection.error());
  ViciConnection& vici = *connection;

  vici::RedirectRequest request;
  request.ike_id = session_id;  // the one selector: exactly this IKE SA
  request.gateway = gateway;
  if (auto sent = vici.send(vici::redirect_request(request)); !sent)
    return unreachable(sent.error());
  auto response = vici.receive();
  if (!response) return unreachable(response.error());
  if (response->type == vici::PacketType::CmdUnknown)
    return refused("charon does not know the redirect command");
  if (response->type != vici::PacketType::CmdResponse)
    return refused(unexpected(*response, "the answer to redirect").error);
  return read_redirect_answer(response->message);
}

}  // namespace ikesteer::agent::strongswan
