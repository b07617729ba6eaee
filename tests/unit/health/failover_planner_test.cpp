// Who holds each movable address: release before claim, fencing, targets by mode, stranded
// addresses, cascades, failback and restarts, driven through the public API with a fake clock.
#include "health/failover_planner.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <utility>
#include <vector>

#include "test_support.hpp"

namespace ikesteer::health {
namespace {

using namespace std::chrono_literals;
using test::kT0;
using Phase = FailoverPlanner::Phase;
using enum MemberState;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

FailoverAddress at(Holder home, FailoverMode mode, Holder survivor = kNobody) {
  return {IpAddress::parse("198.51.100.11").value(), home, mode, survivor};
}

PlannerOptions named(PlannerOptions o = {}) {
  o.member_names = {"m0", "m1", "m2", "m3"};
  return o;
}

std::vector<MemberSnapshot> members(std::initializer_list<MemberState> states,
                                    std::vector<double> loads = {}) {
  std::vector<MemberSnapshot> out;
  for (const MemberState s : states) {
    out.push_back({s, out.size() < loads.size() ? loads[out.size()] : 0.0});
  }
  return out;
}

const FailoverAction& only(const std::vector<FailoverAction>& actions) {
  REQUIRE(actions.size() == 1);
  return actions.front();
}

void check_action(const FailoverAction& a, ActionKind kind, Holder holder, const char* reason) {
  CHECK(a.kind == kind);
  CHECK(a.holder == holder);
  CHECK(a.reason == reason);
}

// Completes the action and its follow-ups successfully; returns what ran, in order.
std::vector<std::pair<ActionKind, Holder>> finish(FailoverPlanner& p, const FailoverAction& first,
                                                  TimePoint now) {
  std::vector<std::pair<ActionKind, Holder>> ran;
  std::vector<FailoverAction> pending{first};
  while (!pending.empty()) {
    const FailoverAction a = pending.back();
    pending.pop_back();
    ran.emplace_back(a.kind, a.holder);
    for (auto& next : p.completed(a.id, true, now)) pending.push_back(std::move(next));
  }
  return ran;
}

using Run = std::vector<std::pair<ActionKind, Holder>>;
constexpr auto kRelease = ActionKind::Release;
constexpr auto kClaim = ActionKind::Claim;
constexpr auto kVerify = ActionKind::Verify;
constexpr auto kMove = ActionKind::MoveSessions;

// m0's address moved to m1 (member mode), completed at kT0.
FailoverPlanner moved_to_m1(PlannerOptions options = {}) {
  FailoverPlanner p({at(0, FailoverMode::Member, 1)}, named(std::move(options)));
  const auto release = only(p.update(members({Down, Up}), kT0));
  REQUIRE(finish(p, release, kT0) == Run{{kRelease, 0}, {kClaim, 1}, {kVerify, 1}});
  REQUIRE(p.status(0).phase == Phase::Away);
  return p;
}

TEST_CASE("nothing moves while any member is unknown") {
  FailoverPlanner p({at(0, FailoverMode::Member, 1)}, named());
  CHECK(p.update(members({Unknown, Unknown}), kT0).empty());
  CHECK(p.update(members({Down, Unknown}), kT0 + 1s).empty());
  CHECK(p.update(members({Down, Up, Unknown}), kT0 + 2s).empty());
  CHECK(p.status(0).phase == Phase::Home);
  CHECK(p.status(0).owner == 0);
  check_action(only(p.update(members({Down, Up, Up}), kT0 + 3s)), kRelease, 0, "m0 down");
}

TEST_CASE("release first, claim after it succeeded, then verify") {
  FailoverPlanner p({at(0, FailoverMode::Member, 1)}, named());
  const auto release = only(p.update(members({Down, Up}), kT0));
  check_action(release, kRelease, 0, "m0 down");
  CHECK(release.address == 0);
  CHECK(p.status(0).phase == Phase::Releasing);
  CHECK(p.status(0).owner == 0);
  CHECK(p.status(0).target == 1);
  CHECK(p.status(0).since == kT0);
  CHECK(p.update(members({Down, Up}), kT0 + 1s).empty());  // one action in flight

  const auto claim = only(p.completed(release.id, true, kT0 + 1s));
  check_action(claim, kClaim, 1, "m0 down");
  CHECK(claim.id != release.id);
  CHECK(p.status(0).phase == Phase::Claiming);
  CHECK(p.status(0).owner == kNobody);
  CHECK(p.update(members({Down, Up}), kT0 + 1s).empty());

  const auto verify = only(p.completed(claim.id, true, kT0 + 2s));
  check_action(verify, kVerify, 1, "m0 down");
  CHECK(p.status(0).phase == Phase::Verifying);
  CHECK(p.status(0).owner == 1);
  CHECK_FALSE(p.status(0).verified.has_value());

  CHECK(p.completed(verify.id, true, kT0 + 3s).empty());
  const auto& s = p.status(0);
  CHECK(s.phase == Phase::Away);
  CHECK(s.owner == 1);
  CHECK(s.target == kNobody);
  CHECK(s.verified == true);
  CHECK(s.since == kT0 + 3s);
  CHECK(p.update(members({Down, Up}), kT0 + 4s).empty());
}

TEST_CASE("a failed verify is recorded; the address stays claimed") {
  FailoverPlanner p({at(0, FailoverMode::Member, 1)}, named());
  const auto release = only(p.update(members({Down, Up}), kT0));
  const auto claim = only(p.completed(release.id, true, kT0));
  const auto verify = only(p.completed(claim.id, true, kT0));
  CHECK(p.completed(verify.id, false, kT0).empty());
  CHECK(p.status(0).phase == Phase::Away);
  CHECK(p.status(0).owner == 1);
  CHECK(p.status(0).verified == false);
}

TEST_CASE("after a failed release the claim waits for fencing") {
  FailoverPlanner p({at(0, FailoverMode::Member, 1)}, named({.fencing = 5s}));
  const auto release = only(p.update(members({Down, Up}), kT0));
  CHECK(p.completed(release.id, false, kT0 + 1s).empty());
  CHECK(p.status(0).phase == Phase::Fencing);
  CHECK(p.status(0).owner == 0);  // it may still hold the address
  CHECK(p.status(0).reason == "release from m0 failed (m0 down)");
  CHECK(p.update(members({Down, Up}), kT0 + 5999ms).empty());

  check_action(only(p.update(members({Down, Up}), kT0 + 6s)), kClaim, 1,
               "fencing over: release from m0 failed");
  CHECK(p.status(0).phase == Phase::Claiming);
  CHECK(p.status(0).owner == kNobody);
}

TEST_CASE("a target that failed during fencing is chosen anew") {
  FailoverPlanner p({at(0, FailoverMode::Member, 1)}, named());
  const auto release = only(p.update(members({Down, Up, Up}), kT0));
  CHECK(p.completed(release.id, false, kT0).empty());
  CHECK(p.update(members({Down, Down, Up}), kT0 + 5s).size() == 1);
  CHECK(p.status(0).target == 2);
}

TEST_CASE("adopt: the front end takes the address") {
  FailoverPlanner p({at(0, FailoverMode::Adopt)}, named());
  const auto release = only(p.update(members({Maintenance, Up}), kT0));
  check_action(release, kRelease, 0, "m0 maintenance");
  CHECK(finish(p, release, kT0) == Run{{kRelease, 0}, {kClaim, kFrontend}, {kVerify, kFrontend}});
  CHECK(p.status(0).owner == kFrontend);
  CHECK(p.status(0).phase == Phase::Away);
}

TEST_CASE("draining members keep their addresses") {
  FailoverPlanner p({at(0, FailoverMode::Adopt)}, named());
  CHECK(p.update(members({Draining, Up}), kT0).empty());
  CHECK(p.status(0).phase == Phase::Home);
}

TEST_CASE("member mode: the named survivor, else the least-loaded up member") {
  FailoverPlanner p({at(0, FailoverMode::Member, 1), at(2, FailoverMode::Member, 1)}, named());
  // Address 0 goes to its survivor m1 even though m3 is less loaded.
  const auto first = p.update(members({Down, Up, Up, Up}, {0, 0.9, 0.5, 0.1}), kT0);
  REQUIRE(first.size() == 1);
  CHECK(p.status(0).target == 1);

  // m1 draining is not up: address 1 falls back to the least loaded, m3.
  const auto second = p.update(members({Down, Draining, Down, Up}, {0, 0, 0.2, 0.4}), kT0);
  REQUIRE(second.size() == 1);
  CHECK(second[0].address == 1);
  CHECK(finish(p, second[0], kT0) == Run{{kRelease, 2}, {kClaim, 3}, {kVerify, 3}});
}

TEST_CASE("least-loaded: the lowest load among up members, ties to the lowest index") {
  const auto target = [](std::vector<MemberSnapshot> ms) {
    FailoverPlanner p({at(0, FailoverMode::LeastLoaded)}, named());
    const auto actions = p.update(ms, kT0);
    REQUIRE(actions.size() == 1);
    return p.status(0).target;
  };
  CHECK(target(members({Down, Up, Up, Up}, {0, 0.7, 0.2, 0.2})) == 2);
  CHECK(target(members({Down, Up, Up}, {0, 0.6, kNaN})) == 2);  // unknown load counts as 0.5
  CHECK(target(members({Down, Up, Up}, {0, 0.4, kNaN})) == 1);
  CHECK(target(members({Down, Draining, Maintenance, Up}, {0, 0, 0, 0.9})) == 3);
}

TEST_CASE("without a target the address is stranded and retried after `retry`") {
  FailoverPlanner p({at(0, FailoverMode::LeastLoaded)}, named({.retry = 2s}));
  CHECK(p.update(members({Down, Down}), kT0).empty());
  CHECK(p.status(0).phase == Phase::Stranded);
  CHECK(p.status(0).owner == 0);  // never released: nowhere to go
  CHECK(p.status(0).reason == "nowhere to go (m0 down)");
  CHECK(p.update(members({Down, Up}), kT0 + 1999ms).empty());
  check_action(only(p.update(members({Down, Up}), kT0 + 2s)), kRelease, 0, "m0 down");
  CHECK(p.status(0).target == 1);
}

TEST_CASE("a stranded address whose holder recovers stays put") {
  FailoverPlanner p({at(0, FailoverMode::LeastLoaded)}, named());
  CHECK(p.update(members({Down, Down}), kT0).empty());
  CHECK(p.update(members({Up, Down}), kT0 + 1s).empty());
  CHECK(p.status(0).phase == Phase::Home);
  CHECK(p.status(0).reason == "m0 up");
}

TEST_CASE("mode none never moves") {
  FailoverPlanner p({at(0, FailoverMode::None)}, named());
  CHECK(p.update(members({Down, Up}), kT0).empty());
  CHECK(p.update(members({Down, Up}), kT0 + 1h).empty());
  CHECK(p.fail_back(0, kT0 + 1h).empty());
  CHECK(p.status(0).phase == Phase::Home);
}

TEST_CASE("a failed claim strands the address; the retry chooses the target anew") {
  FailoverPlanner p({at(0, FailoverMode::LeastLoaded)}, named({.retry = 2s}));
  const auto release = only(p.update(members({Down, Up, Up}, {0, 0.1, 0.5}), kT0));
  const auto claim = only(p.completed(release.id, true, kT0));
  CHECK(claim.holder == 1);
  CHECK(p.completed(claim.id, false, kT0 + 1s).empty());
  CHECK(p.status(0).phase == Phase::Stranded);
  CHECK(p.status(0).owner == kNobody);
  CHECK(p.status(0).reason == "claim by m1 failed (m0 down)");

  CHECK(p.update(members({Down, Down, Up}), kT0 + 2999ms).empty());
  const auto retry = only(p.update(members({Down, Down, Up}), kT0 + 3s));
  check_action(retry, kClaim, 2, "retry: m0 down");
  CHECK(finish(p, retry, kT0 + 3s) == Run{{kClaim, 2}, {kVerify, 2}});
  CHECK(p.status(0).owner == 2);
  CHECK(p.status(0).phase == Phase::Away);
}

TEST_CASE("a stranded address with nobody up waits, then is claimed") {
  FailoverPlanner p({at(0, FailoverMode::Member, 1)}, named({.retry = 2s}));
  const auto release = only(p.update(members({Down, Up}), kT0));
  const auto claim = only(p.completed(release.id, true, kT0));
  CHECK(p.completed(claim.id, false, kT0).empty());
  CHECK(p.update(members({Down, Down}), kT0 + 2s).empty());
  CHECK(p.status(0).reason == "nowhere to go (m0 down)");
  CHECK(p.update(members({Down, Up}), kT0 + 3s).empty());
  check_action(only(p.update(members({Down, Up}), kT0 + 4s)), kClaim, 1, "retry: m0 down");
}

TEST_CASE("a survivor that fails passes the address on") {
  FailoverPlanner p = moved_to_m1();
  const auto release = only(p.update(members({Down, Down, Up}), kT0 + 1s));
  check_action(release, kRelease, 1, "m1 down");
  CHECK(finish(p, release, kT0 + 1s) == Run{{kRelease, 1}, {kClaim, 2}, {kVerify, 2}});
  CHECK(p.status(0).owner == 2);
  CHECK(p.status(0).phase == Phase::Away);
}

TEST_CASE("auto failback once home has been up for failback_hold, not before") {
  FailoverPlanner p = moved_to_m1({.failback_hold = 10s});
  const TimePoint back = kT0 + 1min;
  CHECK(p.update(members({Up, Up}), back).empty());
  CHECK(p.update(members({Up, Up}), back + 9999ms).empty());
  const auto move = only(p.update(members({Up, Up}), back + 10s));
  check_action(move, kMove, 1, "failback: moving m1's sessions on 198.51.100.11");
  CHECK(p.status(0).target == 0);
  CHECK(p.status(0).phase == Phase::Emptying);
  CHECK(finish(p, move, back + 10s) == Run{{kMove, 1}, {kRelease, 1}, {kClaim, 0}, {kVerify, 0}});
  CHECK(p.status(0).phase == Phase::Home);
  CHECK(p.status(0).owner == 0);
  CHECK(p.status(0).sessions_moved == true);
  CHECK(p.status(0).reason == "failback: m0 up for 10 s");
  CHECK(p.update(members({Up, Up}), back + 1h).empty());
}

TEST_CASE("a flap of home restarts the failback hold") {
  FailoverPlanner p = moved_to_m1({.failback_hold = 10s});
  const TimePoint back = kT0 + 1min;
  CHECK(p.update(members({Up, Up}), back).empty());
  CHECK(p.update(members({Down, Up}), back + 5s).empty());
  CHECK(p.update(members({Up, Up}), back + 6s).empty());
  CHECK(p.update(members({Up, Up}), back + 15s).empty());
  CHECK(only(p.update(members({Up, Up}), back + 16s)).kind == kMove);
}

TEST_CASE("a failed failback release leaves the address with its healthy holder") {
  FailoverPlanner p = moved_to_m1({.failback_hold = 0s, .retry = 2s});
  const auto move = only(p.update(members({Up, Up}), kT0 + 1s));
  const auto release = only(p.completed(move.id, true, kT0 + 1s));
  CHECK(p.completed(release.id, false, kT0 + 1s).empty());
  CHECK(p.status(0).phase == Phase::Away);
  CHECK(p.status(0).owner == 1);
  CHECK(p.status(0).reason == "release from m1 failed; it keeps the address");
  CHECK(p.update(members({Up, Up}), kT0 + 2999ms).empty());
  CHECK(only(p.update(members({Up, Up}), kT0 + 3s)).kind == kMove);
}

TEST_CASE("manual failback moves a member's addresses home on request") {
  FailoverPlanner p = moved_to_m1({.auto_failback = false});
  CHECK(p.update(members({Up, Up}), kT0 + 1s).empty());
  CHECK(p.update(members({Up, Up}), kT0 + 1h).empty());
  CHECK(p.fail_back(1, kT0 + 1h).empty());  // m1 has no addresses away
  const auto move = only(p.fail_back(0, kT0 + 1h));
  check_action(move, kMove, 1, "failback: moving m1's sessions on 198.51.100.11");
  CHECK(p.fail_back(0, kT0 + 1h).empty());  // already in flight
  CHECK(finish(p, move, kT0 + 1h) == Run{{kMove, 1}, {kRelease, 1}, {kClaim, 0}, {kVerify, 0}});
  CHECK(p.status(0).phase == Phase::Home);
}

TEST_CASE("manual failback works in auto mode before the hold, not while home is down") {
  FailoverPlanner p = moved_to_m1();
  CHECK(p.update(members({Down, Up}), kT0 + 1s).empty());
  CHECK(p.fail_back(0, kT0 + 1s).empty());
  CHECK(p.update(members({Up, Up}), kT0 + 2s).empty());
  const auto move = only(p.fail_back(0, kT0 + 3s));
  CHECK(move.kind == kMove);
  check_action(only(p.completed(move.id, true, kT0 + 3s)), kRelease, 1, "failback: operator");
}

TEST_CASE("failback: the release waits for the session move, and follows it even when it failed") {
  FailoverPlanner p = moved_to_m1({.failback_hold = 0s});
  const auto move = only(p.update(members({Up, Up}), kT0 + 1s));
  CHECK(move.kind == kMove);
  // Nothing else starts for the address while its sessions move, however long that takes.
  CHECK(p.update(members({Up, Up}), kT0 + 1h).empty());
  CHECK(p.fail_back(0, kT0 + 1h).empty());
  CHECK(p.status(0).owner == 1);
  CHECK(p.status(0).phase == Phase::Emptying);
  const auto release = only(p.completed(move.id, false, kT0 + 1h));
  check_action(release, kRelease, 1, "failback: m0 up for 0 s");
  CHECK(p.status(0).sessions_moved == false);
  CHECK(p.status(0).phase == Phase::Releasing);
  CHECK(p.take_abandoned().empty());
}

TEST_CASE("failback: a holder that fails while its sessions move lets go of the address now") {
  FailoverPlanner p({at(0, FailoverMode::LeastLoaded)}, named({.failback_hold = 10s}));
  const auto first = only(p.update(members({Down, Up, Up}, {0, 0.1, 0.5}), kT0));
  REQUIRE(finish(p, first, kT0) == Run{{kRelease, 0}, {kClaim, 1}, {kVerify, 1}});
  CHECK(p.update(members({Up, Up, Up}), kT0 + 1s).empty());
  const auto move = only(p.update(members({Up, Up, Up}), kT0 + 11s));
  check_action(move, kMove, 1, "failback: moving m1's sessions on 198.51.100.11");
  // m1 fails: its sessions are lost anyway, and the address must leave it now, not after the
  // move's timeout: straight home, with nothing to move first.
  const auto release = only(p.update(members({Up, Down, Up}), kT0 + 12s));
  check_action(release, kRelease, 1, "failback: m0 up for 10 s");
  CHECK(p.take_abandoned() == std::vector<std::uint64_t>{move.id});
  CHECK(p.take_abandoned().empty());
  CHECK(p.status(0).sessions_moved == false);
  CHECK(p.completed(move.id, true, kT0 + 13s).empty());  // abandoned: ignored
  CHECK(p.status(0).phase == Phase::Releasing);
  CHECK(finish(p, release, kT0 + 13s) == Run{{kRelease, 1}, {kClaim, 0}, {kVerify, 0}});
  CHECK(p.status(0).phase == Phase::Home);
}

TEST_CASE("failback: home that fails again while the sessions move stops the failback") {
  FailoverPlanner p = moved_to_m1({.failback_hold = 0s});
  const auto move = only(p.update(members({Up, Up}), kT0 + 1s));
  CHECK(p.update(members({Down, Up}), kT0 + 2s).empty());
  CHECK(p.take_abandoned() == std::vector<std::uint64_t>{move.id});
  CHECK(p.status(0).phase == Phase::Away);
  CHECK(p.status(0).owner == 1);
  CHECK(p.status(0).reason == "failback abandoned: m0 down");
  // A completion that crossed the abandonment is ignored; the next failback starts over.
  CHECK(p.completed(move.id, true, kT0 + 2s).empty());
  CHECK(only(p.update(members({Up, Up}), kT0 + 3s)).kind == kMove);
}

TEST_CASE("failback: a move that completes after home failed, before an update, releases nothing") {
  FailoverPlanner p({at(0, FailoverMode::Member, 1), at(0, FailoverMode::Member, 1)},
                    named({.auto_failback = false}), {1, 1});
  CHECK(p.update(members({Up, Up}), kT0).empty());
  const auto moves = p.fail_back(0, kT0 + 1s);
  REQUIRE(moves.size() == 2);
  // The first move completes while home is up; the second only after home went into
  // maintenance, which abandoned it, and its completion changes nothing.
  CHECK(only(p.completed(moves[0].id, true, kT0 + 2s)).kind == kRelease);
  CHECK(p.update(members({Maintenance, Up}), kT0 + 3s).empty());
  CHECK(p.take_abandoned() == std::vector<std::uint64_t>{moves[1].id});
  CHECK(p.completed(moves[1].id, true, kT0 + 3s).empty());
  CHECK(p.status(1).owner == 1);
  CHECK(p.status(1).phase == Phase::Away);
  CHECK(p.status(1).reason == "failback abandoned: m0 maintenance");
}

TEST_CASE("failback from the front end (adopt) releases at once: it holds no sessions") {
  FailoverPlanner p({at(0, FailoverMode::Adopt)}, named({.failback_hold = 0s}));
  const auto first = only(p.update(members({Down, Up}), kT0));
  REQUIRE(finish(p, first, kT0) == Run{{kRelease, 0}, {kClaim, kFrontend}, {kVerify, kFrontend}});
  const auto release = only(p.update(members({Up, Up}), kT0 + 1s));
  check_action(release, kRelease, kFrontend, "failback: m0 up for 0 s");
  CHECK_FALSE(p.status(0).sessions_moved);
}

TEST_CASE("initial owners resume after a restart") {
  FailoverPlanner p({at(0, FailoverMode::Member, 1), at(1, FailoverMode::Member, 0),
                     at(2, FailoverMode::LeastLoaded)},
                    named({.failback_hold = 10s}), {1, 1, kNobody});
  CHECK(p.status(0).phase == Phase::Away);
  CHECK(p.status(0).owner == 1);
  CHECK(p.status(0).reason == "held by m1 at start");
  CHECK(p.status(1).phase == Phase::Home);
  CHECK(p.status(2).phase == Phase::Stranded);
  CHECK(p.status(2).owner == kNobody);

  CHECK(p.update(members({Unknown, Unknown, Unknown}), kT0).empty());
  const auto claim = only(p.update(members({Up, Up, Down}, {0.3, 0.1, 0}), kT0 + 1s));
  CHECK(claim.address == 2);
  check_action(claim, kClaim, 1, "retry: no holder at start");

  CHECK(p.update(members({Up, Up, Down}), kT0 + 10999ms).empty());
  const auto failback = only(p.update(members({Up, Up, Down}), kT0 + 11s));
  CHECK(failback.address == 0);
  check_action(failback, kMove, 1, "failback: moving m1's sessions on 198.51.100.11");
}

TEST_CASE("unknown and finished action ids are ignored") {
  FailoverPlanner p({at(0, FailoverMode::Member, 1)}, named());
  CHECK(p.completed(0, true, kT0).empty());
  CHECK(p.completed(42, true, kT0).empty());
  const auto release = only(p.update(members({Down, Up}), kT0));
  CHECK(p.completed(release.id, true, kT0).size() == 1);
  CHECK(p.completed(release.id, true, kT0).empty());
  CHECK(p.status(0).phase == Phase::Claiming);
}

TEST_CASE("addresses move independently, and unnamed members are numbered in reasons") {
  FailoverPlanner p({at(0, FailoverMode::Adopt), at(1, FailoverMode::Adopt)}, {});
  const auto actions = p.update(members({Down, Down}), kT0);
  REQUIRE(actions.size() == 2);
  check_action(actions[0], kRelease, 0, "member 0 down");
  check_action(actions[1], kRelease, 1, "member 1 down");
  CHECK(actions[0].id != actions[1].id);
  CHECK(p.addresses().size() == 2);
}

}  // namespace
}  // namespace ikesteer::health
