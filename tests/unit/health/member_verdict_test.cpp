// One member's state from its probes, agent and operator, rule by rule of the precedence.
#include "health/member_verdict.hpp"

#include <doctest/doctest.h>

#include <vector>

namespace ikesteer::health {
namespace {

const ProbeView kIkeUp{"ike", ProbeState::Up, false, "INVALID_KE_PAYLOAD"};
const ProbeView kTcpUp{"tcp", ProbeState::Up, false, "connected"};
const ProbeView kIkeDown{"ike", ProbeState::Down, false, "timeout"};
const ProbeView kHttpDown{"http", ProbeState::Down, false, "status 503"};
const ProbeView kTcpUnknown{"tcp", ProbeState::Unknown, false, ""};

MemberVerdict eval(std::vector<ProbeView> probes, OperatorState op = OperatorState::Active,
                   std::optional<AgentState> agent = std::nullopt) {
  return evaluate({op, probes, agent});
}

MemberVerdict v(MemberState state, const char* reason) {
  return {state, false, reason};
}

TEST_CASE("1. operator maintenance overrides everything") {
  CHECK(eval({kIkeDown}, OperatorState::Maintenance, AgentState::Down) ==
        v(MemberState::Maintenance, "operator: maintenance"));
  CHECK(eval({}, OperatorState::Maintenance) ==
        v(MemberState::Maintenance, "operator: maintenance"));
}

TEST_CASE("2. a down probe makes the member down, named by the first down probe") {
  CHECK(eval({kIkeUp, kHttpDown, kIkeDown}) == v(MemberState::Down, "http: status 503"));
  // Over an agent saying up, maintenance or drain, an operator drain and unknown probes.
  CHECK(eval({kTcpUnknown, kIkeDown}, OperatorState::Drain, AgentState::Up) ==
        v(MemberState::Down, "ike: timeout"));
  CHECK(eval({kIkeDown}, OperatorState::Active, AgentState::Maintenance) ==
        v(MemberState::Down, "ike: timeout"));
  CHECK(eval({kIkeDown}, OperatorState::Active, AgentState::Drain) ==
        v(MemberState::Down, "ike: timeout"));
  CHECK(eval({{"exec", ProbeState::Down, false, ""}}) == v(MemberState::Down, "exec: down"));
}

TEST_CASE("2. a hostname that does not resolve makes the member down") {
  const ProbeView resolve_down{"resolve", ProbeState::Down, false, "NXDOMAIN"};
  CHECK(eval({resolve_down, kIkeUp}, OperatorState::Active, AgentState::Up) ==
        v(MemberState::Down, "resolve: NXDOMAIN"));
  CHECK(eval({resolve_down, kTcpUnknown}, OperatorState::Drain) ==
        v(MemberState::Down, "resolve: NXDOMAIN"));
}

TEST_CASE("3. the agent's maintenance and down come after failed checks") {
  CHECK(eval({kIkeUp}, OperatorState::Active, AgentState::Maintenance) ==
        v(MemberState::Maintenance, "agent: maintenance"));
  CHECK(eval({kIkeUp}, OperatorState::Drain, AgentState::Down) ==
        v(MemberState::Down, "agent: down"));
  // Over unknown probes: the agent's word is a verdict already.
  CHECK(eval({kTcpUnknown}, OperatorState::Active, AgentState::Down) ==
        v(MemberState::Down, "agent: down"));
  CHECK(eval({}, OperatorState::Drain, AgentState::Maintenance) ==
        v(MemberState::Maintenance, "agent: maintenance"));
}

TEST_CASE("4. a probe without a verdict makes the member unknown") {
  CHECK(eval({kIkeUp, kTcpUnknown}) == v(MemberState::Unknown, "tcp: no verdict yet"));
  CHECK(eval({kTcpUnknown}, OperatorState::Drain, AgentState::Drain) ==
        v(MemberState::Unknown, "tcp: no verdict yet"));
  CHECK(eval({kTcpUnknown}, OperatorState::Active, AgentState::Up) ==
        v(MemberState::Unknown, "tcp: no verdict yet"));
}

TEST_CASE("5. drain, by the operator first, then by the agent") {
  CHECK(eval({kIkeUp}, OperatorState::Drain) == v(MemberState::Draining, "operator: drain"));
  CHECK(eval({kIkeUp}, OperatorState::Drain, AgentState::Drain) ==
        v(MemberState::Draining, "operator: drain"));
  CHECK(eval({kIkeUp}, OperatorState::Active, AgentState::Drain) ==
        v(MemberState::Draining, "agent: drain"));
  CHECK(eval({}, OperatorState::Drain) == v(MemberState::Draining, "operator: drain"));
}

TEST_CASE("6. otherwise up, named by the first probe, the agent, or nothing") {
  CHECK(eval({kIkeUp, kTcpUp}) == v(MemberState::Up, "ike: INVALID_KE_PAYLOAD"));
  CHECK(eval({kTcpUp, kIkeUp}, OperatorState::Active, AgentState::Up) ==
        v(MemberState::Up, "tcp: connected"));
  CHECK(eval({{"http", ProbeState::Up, false, ""}}) == v(MemberState::Up, "http: up"));
  CHECK(eval({}, OperatorState::Active, AgentState::Up) == v(MemberState::Up, "agent: up"));
  CHECK(eval({}) == v(MemberState::Up, "no checks"));
}

TEST_CASE("transitioning is set when any probe is, whatever the state") {
  const ProbeView flaky_up{"tcp", ProbeState::Up, true, "refused"};
  const ProbeView recovering{"ike", ProbeState::Down, true, "INVALID_KE_PAYLOAD"};
  CHECK(eval({kIkeUp, flaky_up}) ==
        MemberVerdict{MemberState::Up, true, "ike: INVALID_KE_PAYLOAD"});
  CHECK(eval({recovering}) == MemberVerdict{MemberState::Down, true, "ike: INVALID_KE_PAYLOAD"});
  CHECK(eval({flaky_up}, OperatorState::Maintenance).transitioning);
  CHECK_FALSE(eval({kIkeUp, kTcpUp}).transitioning);
  CHECK_FALSE(eval({}).transitioning);
}

}  // namespace
}  // namespace ikesteer::health
