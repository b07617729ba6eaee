#include "frontend/coordination/shared_records.hpp"

#include <doctest/doctest.h>

#include "frontend/coordination/cluster_keys.hpp"
#include "frontend/operator/operator_overrides.hpp"

using namespace ikesteer;
using namespace ikesteer::frontend;

namespace {

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

std::vector<MemberConfig> members(std::initializer_list<const char*> names) {
  std::vector<MemberConfig> out;
  for (const char* n : names) {
    out.emplace_back();
    out.back().name = n;
  }
  return out;
}

MemberStatus status(health::MemberState state, std::optional<double> load = {}) {
  MemberStatus s;
  s.state = state;
  s.reason = "ike: ok";
  s.addresses = {ip("198.51.100.11"), ip("2001:db8::11")};
  s.load = load;
  return s;
}

const FencingToken kToken{"fe1", 7587869219561829125, 42};

}  // namespace

TEST_CASE("verdicts travel whole: state, reason, addresses, moved away, load and capacity") {
  ClusterState state;
  state.members.push_back(status(health::MemberState::Up, 0.31));
  state.members.push_back(status(health::MemberState::Down));
  state.members[1].moved_away = {ip("198.51.100.11")};
  state.members[1].capacity = 250;
  state.members[1].transitioning = true;
  const std::string text = encode_verdicts(shared_view(state), members({"m1", "m2"}), kToken);
  auto back = decode_verdicts(text);
  REQUIRE(back.has_value());
  CHECK(back->token == kToken);
  REQUIRE(back->members.size() == 2);
  const MemberStatus& m1 = back->members.at("m1");
  CHECK(m1.state == health::MemberState::Up);
  CHECK(m1.reason == "ike: ok");
  CHECK(m1.addresses == state.members[0].addresses);
  REQUIRE(m1.load.has_value());
  CHECK(*m1.load == doctest::Approx(0.30));  // shared in steps of 0.05
  const MemberStatus& m2 = back->members.at("m2");
  CHECK(m2.state == health::MemberState::Down);
  CHECK(m2.moved_away == std::vector{ip("198.51.100.11")});
  CHECK(m2.capacity == 250u);
  CHECK(m2.transitioning);
  CHECK_FALSE(m2.load.has_value());
}

TEST_CASE("a load swing inside one step writes nothing new") {
  ClusterState a, b;
  a.members.push_back(status(health::MemberState::Up, 0.41));
  b.members.push_back(status(health::MemberState::Up, 0.39));
  CHECK(encode_verdicts(shared_view(a), members({"m1"}), kToken) ==
        encode_verdicts(shared_view(b), members({"m1"}), kToken));
}

TEST_CASE("a follower steers on the leader's verdicts, by name, and on its own for the rest") {
  SharedVerdicts leader{kToken, {{"m2", status(health::MemberState::Down)}}};
  ClusterState own;
  own.members.push_back(status(health::MemberState::Up));
  own.members.push_back(status(health::MemberState::Up));
  own.members.push_back(status(health::MemberState::Draining));
  own.members[1].since = TimePoint(std::chrono::seconds(5));
  const ClusterState seen = followed(leader, members({"m1", "m2", "m3"}), own);
  CHECK(seen.members[0].state == health::MemberState::Up);
  CHECK(seen.members[1].state == health::MemberState::Down);
  CHECK(seen.members[1].since == TimePoint(std::chrono::seconds(5)));
  CHECK(seen.members[2].state == health::MemberState::Draining);  // the leader has no m3
}

TEST_CASE("owners: a member, nobody, or a front end by instance; the token and time kept") {
  const std::map<IpAddress, std::string> holders{{ip("198.51.100.11"), "m2"},
                                                 {ip("198.51.100.12"), "frontend:fe1"},
                                                 {ip("2001:db8::13"), "nobody"}};
  auto back = decode_owners(encode_owners(holders, kToken, 1'764'900'000'123));
  REQUIRE(back.has_value());
  CHECK(back->holders == holders);
  CHECK(back->token == kToken);
  CHECK(back->at_ms == 1'764'900'000'123);
}

TEST_CASE("instance records and move requests round-trip") {
  const InstanceRecord r{
      "fe2", "0.9.0", "http://192.0.2.12:8080", 1'764'900'000'000, {{"m1", "up"}, {"m2", "down"}}};
  CHECK(decode_instance(encode_instance(r)).value() == r);
  const MoveRequestRecord m{"192.0.2.99 (token ops)", 1'764'900'000'001};
  CHECK(decode_move_request(encode_move_request(m)).value() == m);
}

TEST_CASE("events travel with their time, kind, subject, message and fields") {
  Event e;
  e.id = 12;
  e.at = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'764'900'000'123));
  e.kind = "address_action";
  e.subject = "198.51.100.11";
  e.message = "address claim started";
  e.fields = {{"holder", "m2"}, {"instance", "fe2"}};
  const auto back = decode_event(encode_event(e));
  REQUIRE(back.has_value());
  CHECK(back->id == 0);  // the reader numbers it
  CHECK(back->at == e.at);
  CHECK(back->kind == e.kind);
  CHECK(back->subject == e.subject);
  CHECK(back->message == e.message);
  CHECK(back->fields == e.fields);
  CHECK(decode_event(R"({"at_ms":-1,"kind":"k","message":"m"})").error() == "event: bad time");
  CHECK(decode_event(R"({"at_ms":99999999999999999,"kind":"k","message":"m"})").error() ==
        "event: bad time");
}

TEST_CASE("event keys: a ring of slots per instance") {
  const ClusterKeys keys("/ikesteer/");
  CHECK(keys.event("fe1", 3) == "/ikesteer/events/fe1/03");
  CHECK(keys.event("fe1", 3 + ClusterKeys::kEventSlots) == "/ikesteer/events/fe1/03");
  CHECK(keys.event("fe1", 63) == "/ikesteer/events/fe1/63");
}

TEST_CASE("shared values that do not parse are errors, never crashes") {
  CHECK(decode_verdicts("").error() == "verdicts: not a JSON object");
  CHECK(decode_verdicts("[]").error() == "verdicts: not a JSON object");
  CHECK(decode_verdicts(R"({"members":{}})").error() == "verdicts: no token");
  CHECK(decode_verdicts(R"({"token":{"instance":"a","lease":"1","revision":2},"members":{}})")
            .error() == "verdicts: bad token");
  const std::string token = R"("token":{"instance":"a","lease":1,"revision":2})";
  CHECK(decode_verdicts("{" + token + R"(,"members":{"m1":{"state":"sideways"}}})").error() ==
        "verdicts: member m1: bad state");
  CHECK(decode_verdicts("{" + token + R"(,"members":{"m1":{"state":"up","load":2}}})").error() ==
        "verdicts: member m1: bad load");
  CHECK(decode_verdicts("{" + token + R"(,"members":{"m1":{"state":"up","addresses":[1]}}})")
            .error() == "verdicts: member m1: bad address list");
  CHECK(
      decode_verdicts("{" + token + R"(,"members":{"m1":{"state":"up","capacity":-1}}})").error() ==
      "verdicts: member m1: bad capacity");
  CHECK(decode_owners("{" + token + R"(,"holders":{"not-an-ip":"m1"}})").error() ==
        "owners: bad entry not-an-ip");
  CHECK(decode_instance(R"({"version":"1"})").error() == "instance: no name");
  CHECK(decode_verdicts(std::string(kMaxSharedRecord + 1, ' ')).error() == "verdicts: too large");
}

TEST_CASE("operator overrides have one text: the state file's, which etcd keeps in cluster mode") {
  auto o = OperatorOverrides::load("");
  REQUIRE(o.has_value());
  o->set("m1", {OperatorState::Drain, std::nullopt});
  o->set("m2", {std::nullopt, 2.5});
  auto back = OperatorOverrides::from_json(o->to_json(), "etcd");
  REQUIRE(back.has_value());
  CHECK(*back == *o);
  back->set("m1", {});  // an empty override removes the member's
  CHECK(back->members().size() == 1);
  CHECK(OperatorOverrides::from_json(R"({"members":{"m1":3}})", "etcd").error() ==
        "etcd: member m1: not an object");
}
