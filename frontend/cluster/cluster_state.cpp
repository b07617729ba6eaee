#include "frontend/cluster/cluster_state.hpp"

#include "health/member_verdict.hpp"

namespace ikesteer::frontend {

std::vector<std::string_view> check_names(const MemberConfig& m) {
  std::vector<std::string_view> names;
  if (!m.host.empty()) names.push_back("resolve");
  for (const ProbeConfig& p : m.probes) names.push_back(to_string(p.type));
  if (!m.agent_key.empty()) names.push_back("agent");
  return names;
}

ClusterState initial_cluster_state(const Config& config, TimePoint now) {
  ClusterState cluster;
  for (const MemberConfig& m : config.members) {
    std::vector<health::ProbeView> probes;
    for (std::string_view name : check_names(m))
      probes.push_back({name, health::ProbeState::Unknown, false, ""});
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
