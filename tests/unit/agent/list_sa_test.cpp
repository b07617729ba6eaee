// charon's list-sa events read into Sessions: what is moved, what is skipped, what is refused.
#include "agent/strongswan/list_sa.hpp"

#include <doctest/doctest.h>

#include "agent/vici/decode.hpp"
#include "agent/vici/encode.hpp"
#include "list_sa_builder.hpp"

namespace ikesteer::agent::strongswan {
namespace {

using test::IkeSaFields;

SessionList read(const IkeSaFields& f) {
  SessionList listed;
  read_list_sa_event(test::list_sa_event(f).message, listed);
  return listed;
}

TEST_CASE("an established IKE SA, through the codec, is a Session with every field") {
  IkeSaFields f;
  f.name = "rw-eap";
  f.remote_eap_id = "carol@example.org";
  const auto encoded = vici::encode_packet(test::list_sa_event(f));
  REQUIRE(encoded);
  const auto decoded = vici::decode_packet(std::span(*encoded).subspan(vici::kLengthPrefixSize));
  REQUIRE(decoded);

  SessionList listed;
  read_list_sa_event(decoded->message, listed);
  REQUIRE(listed.sessions.size() == 1);
  CHECK(listed.skipped == 0);
  CHECK(listed.malformed.empty());
  const Session& s = listed.sessions[0];
  CHECK(s.id == "17");
  CHECK(s.name == "rw-eap");
  CHECK(s.peer_address == *IpAddress::parse("203.0.113.101"));
  CHECK(s.local_address == IpAddress::parse("198.51.100.11"));
  CHECK(s.peer_id == "c101.clients.example");
  CHECK(s.peer_eap_id == "carol@example.org");
  CHECK(s.established_seconds == 1234);
  CHECK(s.child_sas == 1);
}

TEST_CASE("the EAP identity is empty without one, and the XAuth one stands in for it") {
  CHECK(read({}).sessions.at(0).peer_eap_id.empty());
  IkeSaFields f;
  f.remote_xauth_id = "dave";
  CHECK(read(f).sessions.at(0).peer_eap_id == "dave");
}

TEST_CASE("CHILD SAs are counted, none included") {
  IkeSaFields f;
  f.child_sas = 3;
  CHECK(read(f).sessions.at(0).child_sas == 3);
  f.child_sas = 0;
  CHECK(read(f).sessions.at(0).child_sas == 0);
}

TEST_CASE("the local address is optional: left out or unreadable, the session is still listed") {
  IkeSaFields f;
  f.local_host = "";
  CHECK_FALSE(read(f).sessions.at(0).local_address);
  f.local_host = "%any";
  CHECK_FALSE(read(f).sessions.at(0).local_address);
  f.local_host = "2001:db8::1";
  CHECK(read(f).sessions.at(0).local_address == IpAddress::parse("2001:db8::1"));
}

TEST_CASE("an IPv6 peer") {
  IkeSaFields f;
  f.remote_host = "2001:db8::101";
  CHECK(read(f).sessions.at(0).peer_address == *IpAddress::parse("2001:db8::101"));
}

TEST_CASE("IKE SAs not ESTABLISHED, and IKEv1 ones, are skipped, not refused") {
  for (const char* state :
       {"CREATED", "CONNECTING", "PASSIVE", "REKEYING", "REKEYED", "DELETING", "DESTROYING"}) {
    CAPTURE(state);
    IkeSaFields f;
    f.state = state;
    f.established = "";  // charon adds it to ESTABLISHED IKE SAs only
    const SessionList listed = read(f);
    CHECK(listed.sessions.empty());
    CHECK(listed.skipped == 1);
    CHECK(listed.malformed.empty());
  }
  IkeSaFields v1;
  v1.version = "1";
  CHECK(read(v1).skipped == 1);
}

TEST_CASE("an IKE SA without what a move needs is refused with the reason") {
  struct Case {
    const char* what;
    IkeSaFields fields;
    const char* reason;
  };
  const auto with = [](auto change) {
    IkeSaFields f;
    change(f);
    return f;
  };
  const Case cases[] = {
      {"no state", with([](IkeSaFields& f) { f.state = ""; }), "no state or version"},
      {"no version", with([](IkeSaFields& f) { f.version = ""; }), "no state or version"},
      {"no uniqueid", with([](IkeSaFields& f) { f.uniqueid = ""; }), "no valid uniqueid"},
      {"uniqueid 0", with([](IkeSaFields& f) { f.uniqueid = "0"; }), "no valid uniqueid"},
      {"uniqueid x", with([](IkeSaFields& f) { f.uniqueid = "12x"; }), "no valid uniqueid"},
      {"no remote-host", with([](IkeSaFields& f) { f.remote_host = ""; }), "no valid remote-host"},
      {"bad remote-host", with([](IkeSaFields& f) { f.remote_host = "203.0.113"; }),
       "no valid remote-host"},
      {"no remote-id", with([](IkeSaFields& f) { f.remote_id = ""; }), "no remote-id"},
      {"no established", with([](IkeSaFields& f) { f.established = ""; }),
       "no valid established time"},
      {"bad established", with([](IkeSaFields& f) { f.established = "-5"; }),
       "no valid established time"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    const SessionList listed = read(c.fields);
    CHECK(listed.sessions.empty());
    CHECK(listed.skipped == 0);
    REQUIRE(listed.malformed.size() == 1);
    CHECK(listed.malformed[0] == std::string("IKE SA 'rw': ") + c.reason);
  }
}

TEST_CASE("events accumulate; values at the root are not IKE SAs") {
  SessionList listed;
  vici::Section first;
  first.add_value("stray", "value");
  test::add_ike_sa(first, {.name = "a", .uniqueid = "1"});
  read_list_sa_event(first, listed);
  vici::Section second;
  test::add_ike_sa(second, {.name = "b", .uniqueid = "2", .state = "CONNECTING"});
  test::add_ike_sa(second, {.name = "c", .uniqueid = "3", .remote_host = "203.0.113.103"});
  read_list_sa_event(second, listed);
  REQUIRE(listed.sessions.size() == 2);
  CHECK(listed.sessions[0].id == "1");
  CHECK(listed.sessions[1].id == "3");
  CHECK(listed.sessions[1].peer_address == *IpAddress::parse("203.0.113.103"));
  CHECK(listed.skipped == 1);
  CHECK(listed.malformed.empty());
}

TEST_CASE("an IKE SA id is what charon's redirect reads as one") {
  CHECK(is_ike_sa_id("1"));
  CHECK(is_ike_sa_id("17"));
  CHECK(is_ike_sa_id("2147483647"));
  CHECK_FALSE(is_ike_sa_id(""));
  CHECK_FALSE(is_ike_sa_id("0"));  // "no selector" to charon
  CHECK_FALSE(is_ike_sa_id("017"));
  CHECK_FALSE(is_ike_sa_id("2147483648"));
  CHECK_FALSE(is_ike_sa_id("-1"));
  CHECK_FALSE(is_ike_sa_id("+1"));
  CHECK_FALSE(is_ike_sa_id(" 1"));
  CHECK_FALSE(is_ike_sa_id("1 "));
}

}  // namespace
}  // namespace ikesteer::agent::strongswan
