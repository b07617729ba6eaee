// `whack --status` of libreswan 4.10 read into Sessions. The first listing is pluto's own
// output, captured on member m1 of tests/integration/agent_whack.sh (its connection list and
// states; the algorithm and configuration lines above them are left out).
#include "agent/libreswan/whack_status.hpp"

#include <doctest/doctest.h>

#include <string>

namespace ikesteer::agent::libreswan {
namespace {

// m1: the template "rw" with one instance (c101, a strongSwan client), and one connection per
// known client, c102 (strongSwan) and c103 (libreswan); IKE SAs only (no ESP here).
constexpr std::string_view kMember1Status = R"(
000 Connection list:
000  
000 "c102": 198.51.100.11[@vpn.cluster.example]...203.0.113.102[@c102.clients.example]; unrouted; eroute owner: #0
000 "c102":     oriented; my_ip=unset; their_ip=unset; my_updown=ipsec _updown;
000 "c102":   xauth us:none, xauth them:none,  my_username=[any]; their_username=[any]
000 "c102":   our auth:secret, their auth:secret, our autheap:none, their autheap:none;
000 "c102":   modecfg info: us:none, them:none, modecfg policy:push, dns:unset, domains:unset, cat:unset;
000 "c102":   sec_label:unset;
000 "c102":   ike_life: 28800s; ipsec_life: 28800s; ipsec_max_bytes: 2^63B; ipsec_max_packets: 2^63; replay_window: 128; rekey_margin: 540s; rekey_fuzz: 100%; keyingtries: 0;
000 "c102":   retransmit-interval: 500ms; retransmit-timeout: 60s; iketcp:no; iketcp-port:4500;
000 "c102":   initial-contact:no; cisco-unity:no; fake-strongswan:no; send-vendorid:no; send-no-esp-tfc:no;
000 "c102":   policy: IKEv2+PSK+ENCRYPT+TUNNEL+PFS+IKE_FRAG_ALLOW+ESN_NO+ESN_YES;
000 "c102":   v2-auth-hash-policy: none;
000 "c102":   conn_prio: 32,32; interface: eth0; metric: 0; mtu: unset; sa_prio:auto; sa_tfc:none;
000 "c102":   nflog-group: unset; mark: unset; vti-iface:unset; vti-routing:no; vti-shared:no; nic-offload:auto;
000 "c102":   our idtype: ID_FQDN; our id=@vpn.cluster.example; their idtype: ID_FQDN; their id=@c102.clients.example
000 "c102":   liveness: passive; dpdaction:hold; dpddelay:0s; retransmit-timeout:60s
000 "c102":   nat-traversal: encaps:auto; keepalive:20s
000 "c102":   newest IKE SA: #2; newest IPsec SA: #0; conn serial: $4;
000 "c102":   IKEv2 algorithm newest: AES_CBC_128-HMAC_SHA2_256-DH31
000 "c103": 198.51.100.11[@vpn.cluster.example]...203.0.113.103[@c103.clients.example]; unrouted; eroute owner: #0
000 "c103":     oriented; my_ip=unset; their_ip=unset; my_updown=ipsec _updown;
000 "c103":   xauth us:none, xauth them:none,  my_username=[any]; their_username=[any]
000 "c103":   our auth:secret, their auth:secret, our autheap:none, their autheap:none;
000 "c103":   modecfg info: us:none, them:none, modecfg policy:push, dns:unset, domains:unset, cat:unset;
000 "c103":   sec_label:unset;
000 "c103":   ike_life: 28800s; ipsec_life: 28800s; ipsec_max_bytes: 2^63B; ipsec_max_packets: 2^63; replay_window: 128; rekey_margin: 540s; rekey_fuzz: 100%; keyingtries: 0;
000 "c103":   retransmit-interval: 500ms; retransmit-timeout: 60s; iketcp:no; iketcp-port:4500;
000 "c103":   initial-contact:no; cisco-unity:no; fake-strongswan:no; send-vendorid:no; send-no-esp-tfc:no;
000 "c103":   policy: IKEv2+PSK+ENCRYPT+TUNNEL+PFS+IKE_FRAG_ALLOW+ESN_NO+ESN_YES;
000 "c103":   v2-auth-hash-policy: none;
000 "c103":   conn_prio: 32,32; interface: eth0; metric: 0; mtu: unset; sa_prio:auto; sa_tfc:none;
000 "c103":   nflog-group: unset; mark: unset; vti-iface:unset; vti-routing:no; vti-shared:no; nic-offload:auto;
000 "c103":   our idtype: ID_FQDN; our id=@vpn.cluster.example; their idtype: ID_FQDN; their id=@c103.clients.example
000 "c103":   liveness: passive; dpdaction:hold; dpddelay:0s; retransmit-timeout:60s
000 "c103":   nat-traversal: encaps:auto; keepalive:20s
000 "c103":   newest IKE SA: #3; newest IPsec SA: #0; conn serial: $6;
000 "c103":   IKEv2 algorithm newest: AES_GCM_16_256-HMAC_SHA2_512-MODP2048
000 "rw": 198.51.100.11[@vpn.cluster.example]...%any; unrouted; eroute owner: #0
000 "rw":     oriented; my_ip=unset; their_ip=unset; my_updown=ipsec _updown;
000 "rw":   xauth us:none, xauth them:none,  my_username=[any]; their_username=[any]
000 "rw":   our auth:secret, their auth:secret, our autheap:none, their autheap:none;
000 "rw":   modecfg info: us:none, them:none, modecfg policy:push, dns:unset, domains:unset, cat:unset;
000 "rw":   sec_label:unset;
000 "rw":   ike_life: 28800s; ipsec_life: 28800s; ipsec_max_bytes: 2^63B; ipsec_max_packets: 2^63; replay_window: 128; rekey_margin: 540s; rekey_fuzz: 100%; keyingtries: 0;
000 "rw":   retransmit-interval: 500ms; retransmit-timeout: 60s; iketcp:no; iketcp-port:4500;
000 "rw":   initial-contact:no; cisco-unity:no; fake-strongswan:no; send-vendorid:no; send-no-esp-tfc:no;
000 "rw":   policy: IKEv2+PSK+ENCRYPT+TUNNEL+PFS+IKE_FRAG_ALLOW+ESN_NO+ESN_YES;
000 "rw":   v2-auth-hash-policy: none;
000 "rw":   conn_prio: 32,0; interface: eth0; metric: 0; mtu: unset; sa_prio:auto; sa_tfc:none;
000 "rw":   nflog-group: unset; mark: unset; vti-iface:unset; vti-routing:no; vti-shared:no; nic-offload:auto;
000 "rw":   our idtype: ID_FQDN; our id=@vpn.cluster.example; their idtype: %none; their id=(none)
000 "rw":   liveness: passive; dpdaction:hold; dpddelay:0s; retransmit-timeout:60s
000 "rw":   nat-traversal: encaps:auto; keepalive:20s
000 "rw":   newest IKE SA: #0; newest IPsec SA: #0; conn serial: $2;
000 "rw"[2]: 198.51.100.11[@vpn.cluster.example]...203.0.113.101[@c101.clients.example]; unrouted; eroute owner: #0
000 "rw"[2]:     oriented; my_ip=unset; their_ip=unset; my_updown=ipsec _updown;
000 "rw"[2]:   xauth us:none, xauth them:none,  my_username=[any]; their_username=[any]
000 "rw"[2]:   our auth:secret, their auth:secret, our autheap:none, their autheap:none;
000 "rw"[2]:   modecfg info: us:none, them:none, modecfg policy:push, dns:unset, domains:unset, cat:unset;
000 "rw"[2]:   sec_label:unset;
000 "rw"[2]:   ike_life: 28800s; ipsec_life: 28800s; ipsec_max_bytes: 2^63B; ipsec_max_packets: 2^63; replay_window: 128; rekey_margin: 540s; rekey_fuzz: 100%; keyingtries: 0;
000 "rw"[2]:   retransmit-interval: 500ms; retransmit-timeout: 60s; iketcp:no; iketcp-port:4500;
000 "rw"[2]:   initial-contact:no; cisco-unity:no; fake-strongswan:no; send-vendorid:no; send-no-esp-tfc:no;
000 "rw"[2]:   policy: IKEv2+PSK+ENCRYPT+TUNNEL+PFS+IKE_FRAG_ALLOW+ESN_NO+ESN_YES;
000 "rw"[2]:   v2-auth-hash-policy: none;
000 "rw"[2]:   conn_prio: 32,32; interface: eth0; metric: 0; mtu: unset; sa_prio:auto; sa_tfc:none;
000 "rw"[2]:   nflog-group: unset; mark: unset; vti-iface:unset; vti-routing:no; vti-shared:no; nic-offload:auto;
000 "rw"[2]:   our idtype: ID_FQDN; our id=@vpn.cluster.example; their idtype: ID_FQDN; their id=@c101.clients.example
000 "rw"[2]:   liveness: passive; dpdaction:hold; dpddelay:0s; retransmit-timeout:60s
000 "rw"[2]:   nat-traversal: encaps:auto; keepalive:20s
000 "rw"[2]:   newest IKE SA: #1; newest IPsec SA: #0; conn serial: $8, instantiated from: $2;
000 "rw"[2]:   IKEv2 algorithm newest: AES_CBC_128-HMAC_SHA2_256-DH31
000  
000 Total IPsec connections: loaded 4, active 0
000  
000 State Information: DDoS cookies not required, Accepting new IKE connections
000 IKE SAs: total(3), half-open(0), open(0), authenticated(3), anonymous(0)
000 IPsec SAs: total(0), authenticated(0), anonymous(0)
000  
000 #2: "c102":500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); REKEY in 28529s; REPLACE in 28799s; newest; idle;
000 #3: "c103":500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); REKEY in 28529s; REPLACE in 28799s; newest; idle;
000 #1: "rw"[2] 203.0.113.101:500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); REKEY in 28529s; REPLACE in 28799s; newest; idle;
000  
000 Bare Shunt list:
000  
)";

// m2 after c102 and c103 were redirected to it, both now instances of its template "rw": its
// state lines and the connection lines the parser reads, as pluto printed them.
constexpr std::string_view kMember2States = R"(
000 "rw"[2]:   ike_life: 28800s; ipsec_life: 28800s; ipsec_max_bytes: 2^63B; ipsec_max_packets: 2^63; replay_window: 128; rekey_margin: 540s; rekey_fuzz: 100%; keyingtries: 0;
000 "rw"[2]:   our idtype: ID_FQDN; our id=@vpn.cluster.example; their idtype: ID_FQDN; their id=@c102.clients.example
000 "rw"[4]:   ike_life: 28800s; ipsec_life: 28800s; ipsec_max_bytes: 2^63B; ipsec_max_packets: 2^63; replay_window: 128; rekey_margin: 540s; rekey_fuzz: 100%; keyingtries: 0;
000 "rw"[4]:   our idtype: ID_FQDN; our id=@vpn.cluster.example; their idtype: ID_FQDN; their id=@c103.clients.example
000 #1: "rw"[2] 203.0.113.102:500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); REKEY in 28527s; REPLACE in 28797s; newest; idle;
000 #2: "rw"[4] 203.0.113.103:500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); REKEY in 28529s; REPLACE in 28799s; newest; idle;
)";

const Session* find(const SessionList& listed, std::string_view id) {
  for (const Session& s : listed.sessions)
    if (s.id == id) return &s;
  return nullptr;
}

TEST_CASE(
    "pluto's own status: one session per established IKE SA, named as whack --name takes it") {
  const SessionList listed = read_whack_status(kMember1Status);
  CHECK(listed.sessions.size() == 3);
  CHECK(listed.skipped == 0);
  CHECK(listed.malformed.empty());

  const Session* instance = find(listed, "rw[2]");
  REQUIRE(instance != nullptr);
  CHECK(instance->name == "rw");
  CHECK(instance->peer_address == *IpAddress::parse("203.0.113.101"));
  CHECK(instance->local_address == IpAddress::parse("198.51.100.11"));
  CHECK(instance->peer_id == "c101.clients.example");
  CHECK(instance->established_seconds == 1);  // ike_life 28800s, REPLACE in 28799s
  CHECK(instance->child_sas == 0);

  // A connection of its own prints no address in its state line: the host pair gives it.
  const Session* own = find(listed, "c102");
  REQUIRE(own != nullptr);
  CHECK(own->name == "c102");
  CHECK(own->peer_address == *IpAddress::parse("203.0.113.102"));
  CHECK(own->local_address == IpAddress::parse("198.51.100.11"));
  CHECK(own->peer_id == "c102.clients.example");
  CHECK(own->peer_eap_id.empty());

  const Session* libreswan_client = find(listed, "c103");
  REQUIRE(libreswan_client != nullptr);
  CHECK(libreswan_client->peer_address == *IpAddress::parse("203.0.113.103"));
}

TEST_CASE("instances after a redirect: each its own id, the template's name") {
  const SessionList listed = read_whack_status(kMember2States);
  REQUIRE(listed.sessions.size() == 2);
  CHECK(listed.sessions[0].id == "rw[2]");
  CHECK(listed.sessions[0].peer_address == *IpAddress::parse("203.0.113.102"));
  CHECK(listed.sessions[0].peer_id == "c102.clients.example");
  CHECK(listed.sessions[0].established_seconds == 3);
  CHECK(listed.sessions[1].id == "rw[4]");
  CHECK(listed.sessions[1].name == "rw");
  CHECK(listed.sessions[1].peer_id == "c103.clients.example");
}

// The lines below follow show_state() and jam_connection() of pluto 4.10 (Child SAs cannot be
// established on this kernel, so they were not captured).
TEST_CASE("Child SAs are counted on their IKE SA") {
  const SessionList listed = read_whack_status(
      "000 \"c102\":   ike_life: 3600s; ipsec_life: 28800s;\n"
      "000 \"c102\": 198.51.100.11[@vpn]...203.0.113.102[@c102]; erouted; eroute owner: #5\n"
      "000 #4: \"c102\":500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); REKEY in 2990s; "
      "REPLACE in 3000s; newest; idle;\n"
      "000 #5: \"c102\":500 STATE_V2_ESTABLISHED_CHILD_SA (established Child SA); REKEY in "
      "28000s; REPLACE in 28790s; newest; eroute owner; IKE SA #4; idle;\n"
      "000 #6: \"c102\":500 STATE_V2_ESTABLISHED_CHILD_SA (established Child SA); REPLACE in "
      "28795s; IKE SA #4; idle;\n"
      "000 #7: \"other\":500 STATE_V2_ESTABLISHED_CHILD_SA (established Child SA); IKE SA #9;\n");
  REQUIRE(listed.sessions.size() == 1);
  CHECK(listed.sessions[0].child_sas == 2);
  CHECK(listed.sessions[0].established_seconds == 600);
  CHECK(listed.skipped == 0);
}

TEST_CASE("IKE SAs not established and IKEv1 SAs are skipped; a second IKE SA keeps the newest") {
  const SessionList listed = read_whack_status(
      "000 #1: \"rw\"[1] 203.0.113.101:500 STATE_V2_PARENT_R1 (sent IKE_SA_INIT reply); idle;\n"
      "000 #2: \"v1\"[1] 203.0.113.102:500 STATE_MAIN_R3 (ISAKMP SA established); idle;\n"
      "000 #3: \"v1\"[1] 203.0.113.102:500 STATE_QUICK_R2 (IPsec SA established); idle;\n"
      "000 #9: \"rw\"[3] 203.0.113.103:4500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA);\n"
      "000 #8: \"rw\"[3] 203.0.113.103:4500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA);\n");
  REQUIRE(listed.sessions.size() == 1);
  CHECK(listed.sessions[0].id == "rw[3]");
  CHECK(listed.skipped == 3);                          // #1, #2 and the older #8
  CHECK(listed.sessions[0].established_seconds == 0);  // no ike_life, no REPLACE: unknown
}

TEST_CASE("addresses in every form pluto prints them, with or without the code prefix") {
  const SessionList listed = read_whack_status(
      "\"v6\": [2001:db8::1]:4500[@vpn]...[2001:db8::101]:4500[@c]===10.0.0.0/24; unrouted\n"
      "\"hop\": 198.51.100.11[@vpn]---198.51.100.1...198.51.100.1---203.0.113.9<peer.example>"
      "[@c9]; unrouted\n"
      "#1: \"v6\":4500(tcp) STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); idle;\n"
      "#2: \"hop\":500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); idle;\n"
      "#3: \"rw\"[7] 2001:db8::7:500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); idle;\n");
  CHECK(listed.malformed.empty());
  REQUIRE(listed.sessions.size() == 3);
  CHECK(find(listed, "v6")->peer_address == *IpAddress::parse("2001:db8::101"));
  CHECK(find(listed, "hop")->peer_address == *IpAddress::parse("203.0.113.9"));
  CHECK(find(listed, "rw[7]")->peer_address == *IpAddress::parse("2001:db8::7"));
  CHECK(find(listed, "v6")->local_address == IpAddress::parse("2001:db8::1"));
  CHECK(find(listed, "hop")->local_address == IpAddress::parse("198.51.100.11"));
  CHECK_FALSE(find(listed, "rw[7]")->local_address);  // no host pair line: not guessed
}

TEST_CASE("what cannot be read is reported, never guessed, and nothing throws") {
  const SessionList listed = read_whack_status(
      "000 #1: \"c1\":500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); idle;\n"
      "000 #2: \"rw\"[x] 203.0.113.1:500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA);\n"
      "000 #3: \"unterminated STATE_V2_ESTABLISHED_IKE_SA\n"
      "000 #4: \"rw\"[4] <address>:500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA);\n"
      "000 #\n"
      "000 \"\n"
      "000 \"c1\": \n"
      "000 \"c1\":...\n");
  CHECK(listed.sessions.empty());
  REQUIRE(listed.malformed.size() == 5);
  CHECK(listed.malformed[0].find("#2") != std::string::npos);
  CHECK(read_whack_status("").sessions.empty());
  CHECK(read_whack_status("\n\n000 \n").malformed.empty());
}

}  // namespace
}  // namespace ikesteer::agent::libreswan
