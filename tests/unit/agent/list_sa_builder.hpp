// list-sa events as charon builds them (vici_query.c list_ike, list_child), for the tests.
#pragma once

#include <string>

#include "agent/vici/commands.hpp"
#include "agent/vici/packet.hpp"

namespace ikesteer::agent::test {

struct IkeSaFields {
  std::string name = "rw";
  std::string uniqueid = "17";
  std::string version = "2";
  std::string state = "ESTABLISHED";
  std::string local_host = "198.51.100.11";
  std::string remote_host = "203.0.113.101";
  std::string remote_id = "c101.clients.example";
  std::string remote_eap_id{};    // left out when empty
  std::string remote_xauth_id{};  // left out when empty
  std::string established = "1234";
  int child_sas = 1;
};

// One IKE SA section with charon's keys in charon's order; an empty field is left out.
inline void add_ike_sa(vici::Section& root, const IkeSaFields& f) {
  vici::Section& sa = root.add_section(f.name);
  const auto put = [&sa](const char* key, const std::string& value) {
    if (!value.empty()) sa.add_value(key, value);
  };
  put("uniqueid", f.uniqueid);
  put("version", f.version);
  put("state", f.state);
  put("local-host", f.local_host);
  sa.add_value("local-port", "500");
  sa.add_value("local-id", "vpn.cluster.example");
  put("remote-host", f.remote_host);
  sa.add_value("remote-port", "500");
  put("remote-id", f.remote_id);
  put("remote-eap-id", f.remote_eap_id);
  put("remote-xauth-id", f.remote_xauth_id);
  sa.add_value("initiator-spi", "8a3c5e7f0b1d2e4f");
  sa.add_value("responder-spi", "51e0c2a9d4b7f603");
  sa.add_value("encr-alg", "AES_CBC");
  sa.add_value("encr-keysize", "128");
  sa.add_value("integ-alg", "HMAC_SHA2_256_128");
  sa.add_value("prf-alg", "PRF_HMAC_SHA2_256");
  sa.add_value("dh-group", "CURVE_25519");
  put("established", f.established);
  sa.add_value("rekey-time", "12830");
  sa.add_list("tasks-queued", {});
  vici::Section& children = sa.add_section("child-sas");
  for (int i = 0; i < f.child_sas; ++i) {
    vici::Section& child = children.add_section("ch-" + std::to_string(40 + i));
    child.add_value("name", "ch");
    child.add_value("uniqueid", std::to_string(40 + i));
    child.add_value("state", "INSTALLED");
    child.add_value("mode", "TUNNEL");
    child.add_list("local-ts", {"10.99.0.0/24"});
    child.add_list("remote-ts", {"203.0.113.101/32"});
  }
}

inline vici::Packet list_sa_event(const IkeSaFields& f) {
  vici::Packet p{.type = vici::PacketType::Event, .name = std::string(vici::kListSaEvent)};
  add_ike_sa(p.message, f);
  return p;
}

}  // namespace ikesteer::agent::test
