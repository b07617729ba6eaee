#include "frontend/cluster/cluster_state.hpp"

#include "health/member_verdict.hpp"

namespace ikesteer::frontend {

std::vector<CheckKind> check_kinds(const MemberConfig& m) {
  std::vector<CheckKind> kinds;
  if (!m.host.empty()) kinds.push_back(CheckKind::Resolve);
  for (const ProbeConfig& p : m.probes) kinds.push_back(check_kind(p.type));
  if (!m.agent_key.empty()) kinds.push_back(CheckKind::Agent);
  return kinds;
}

ClusterState initial_cluster_state(const Config& config, TimePoint now) {
  ClusterState cluster;
  for (const MemberConfig& m : config.members) {
    std::vector<health::ProbeView> probes;
    for (CheckKind kind : check_kinds(m))
      probes.push_back({to_string(kind), health::ProbeState::Unknown, false, ""});
    const health::MemberVerdict verdict =
        health::evaluate({.operator_state = m.state, .probes = probes, .agent = std::nullopt});
    MemberStatus status;
    status.state = verdict.state;
    status.reason = verdict.reason;
    status.addresses = m.addresses;
    status.since = now;
    cluster.members.push_back(std::move(status));
  }
  return cluster;
}

}  // namespace ikesteer::frontend
