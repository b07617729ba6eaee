// The rules of operators' write actions: which are refused and how, what each changes, and what
// the daemon must then do.
#include "frontend/operator/operator_actions.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace ikesteer;
using namespace ikesteer::frontend;

namespace {

using Kind = OperatorAction::Kind;

std::vector<MemberConfig> members() {
  std::vector<MemberConfig> list(2);
  list[0].name = "m1";
  list[1].name = "m2";
  return list;
}

// Overrides held in memory, with m2 drained already.
OperatorOverrides in_force() {
  auto o = OperatorOverrides::load("");
  REQUIRE(o.has_value());
  o->set_state("m2", OperatorState::Drain);
  return std::move(o).value();
}

ActionDecision decide(Kind kind, const std::string& member, double weight = 0) {
  return decide_action({kind, member, weight, "127.0.0.1", "testing"}, members(), in_force());
}

// The decision for a write action that is refused: the outcome, and nothing to do.
void check_refused(const ActionDecision& d, unsigned status, const std::string& message) {
  CHECK_FALSE(d.outcome.ok);
  CHECK(d.outcome.status == status);
  CHECK(d.outcome.message == message);
  CHECK_FALSE(d.overrides.has_value());
  CHECK_FALSE(d.fail_back);
}

// The decision for a state or weight change of m1: taken, and m2's override still there.
const MemberOverride& check_m1_changed(const ActionDecision& d, const std::string& what) {
  CHECK(d.outcome.ok);
  CHECK(d.outcome.status == 200);
  CHECK(d.outcome.message == "member m1: " + what);
  CHECK(d.what == what);
  CHECK_FALSE(d.fail_back);
  REQUIRE(d.overrides.has_value());
  const auto& overrides = d.overrides->members();
  REQUIRE(overrides.size() == 2);
  CHECK(overrides.at("m2").state == OperatorState::Drain);
  return overrides.at("m1");
}

}  // namespace

TEST_CASE("an unknown member is 404, whatever the action") {
  for (Kind kind : {Kind::Drain, Kind::Undrain, Kind::Maintenance, Kind::SetWeight, Kind::FailBack})
    check_refused(decide(kind, "m9", 2), 404, "no member named \"m9\"");
}

TEST_CASE("drain, undrain and maintenance set the member's operator state") {
  CHECK(check_m1_changed(decide(Kind::Drain, "m1"), "drain") ==
        MemberOverride{OperatorState::Drain, std::nullopt});
  CHECK(check_m1_changed(decide(Kind::Undrain, "m1"), "active") ==
        MemberOverride{OperatorState::Active, std::nullopt});
  CHECK(check_m1_changed(decide(Kind::Maintenance, "m1"), "maintenance") ==
        MemberOverride{OperatorState::Maintenance, std::nullopt});
}

TEST_CASE("a weight in (0, 1e6] is set") {
  CHECK(check_m1_changed(decide(Kind::SetWeight, "m1", 2.5), "weight 2.500000") ==
        MemberOverride{std::nullopt, 2.5});
  CHECK(check_m1_changed(decide(Kind::SetWeight, "m1", 1e6), "weight 1000000.000000") ==
        MemberOverride{std::nullopt, 1e6});
}

TEST_CASE("a weight of 0, negative, above 1e6 or NaN is 400") {
  for (double weight :
       {0.0, -1.0, std::nextafter(1e6, 2e6), 2e6, std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::quiet_NaN()})
    check_refused(decide(Kind::SetWeight, "m1", weight), 400, "weight must be > 0 and <= 1e6");
}

TEST_CASE("failback asks the health monitor, and changes no override") {
  const ActionDecision d = decide(Kind::FailBack, "m1");
  CHECK(d.outcome.ok);
  CHECK(d.outcome.status == 200);
  CHECK(d.outcome.message == "member m1: failback");
  CHECK(d.what == "failback");
  CHECK(d.fail_back);
  CHECK_FALSE(d.overrides.has_value());
}

TEST_CASE("move=sessions: with drain or maintenance of a member whose agent takes commands") {
  std::vector<MemberConfig> list = members();
  list[0].agent_key = std::vector<std::byte>(16, std::byte{1});
  list[0].agent_commands = Endpoint{*IpAddress::parse("192.0.2.11"), 5556};
  auto with_move = [&](Kind kind, const std::string& member) {
    OperatorAction a{kind, member, 0, "127.0.0.1", "patching"};
    a.move_sessions = true;
    return decide_action(a, list, in_force());
  };
  ActionDecision d = with_move(Kind::Drain, "m1");
  CHECK(d.outcome.ok);
  CHECK(d.move_sessions);
  CHECK_FALSE(d.stop_moving);
  CHECK(d.what == "drain, moving its sessions");
  CHECK(with_move(Kind::Maintenance, "m1").move_sessions);
  check_refused(with_move(Kind::Drain, "m2"), 409,
                "member m2 has no agent_commands (and agent_key) configured: its sessions cannot "
                "be moved");
  check_refused(with_move(Kind::Undrain, "m1"), 400,
                "move=sessions goes with drain or maintenance only");
  check_refused(with_move(Kind::Drain, "m9"), 404, "no member named \"m9\"");
  // A plain drain moves nothing; undrain stops a move.
  CHECK_FALSE(decide(Kind::Drain, "m1").move_sessions);
  CHECK(decide(Kind::Undrain, "m1").stop_moving);
}
