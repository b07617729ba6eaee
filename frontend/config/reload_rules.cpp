#include "frontend/config/reload_rules.hpp"

namespace ikesteer::frontend {
namespace {

std::vector<IpAddress> adopted(const Config& c) {
  std::vector<IpAddress> out;
  for (const MemberConfig& m : c.members)
    if (m.failover == health::FailoverMode::Adopt)
      out.insert(out.end(), m.addresses.begin(), m.addresses.end());
  return out;
}

}  // namespace

ReloadPlan plan_reload(const Config& running, Config next) {
  ReloadPlan plan;
  // Keeps the running value of a restart-only setting that changed, and names it.
  auto keep = [&](std::string_view name, auto& next_value, const auto& running_value) {
    if (next_value == running_value) return;
    next_value = running_value;
    plan.restart_only.push_back(name);
  };
  keep("ike.listen", next.ike.listen, running.ike.listen);
  keep("ike.ports", next.ike.ports, running.ike.ports);
  keep("ike.threads", next.ike.threads, running.ike.threads);
  keep("cookies.secret_lifetime", next.cookies.secret_lifetime, running.cookies.secret_lifetime);
  keep("process.user", next.process.user, running.process.user);
  keep("cluster", next.cluster, running.cluster);
  // DNS on or off: the running [dns] table stays whole, as served (the sockets are bound at
  // start; a table turned on now would have none, and one turned off keeps them until restart).
  if (next.dns.enabled != running.dns.enabled) {
    next.dns = running.dns;
    plan.restart_only.push_back("dns.enabled");
  }
  keep("dns.listen", next.dns.listen, running.dns.listen);
  keep("dns.port", next.dns.port, running.dns.port);
  if (adopted(next) != adopted(running)) plan.restart_only.push_back("adopted addresses");
  plan.config = std::move(next);
  return plan;
}

}  // namespace ikesteer::frontend
