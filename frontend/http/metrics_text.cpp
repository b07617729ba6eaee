#include "frontend/http/metrics_text.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <initializer_list>
#include <map>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "frontend/operator/counter_declarations.hpp"
#include "frontend/operator/pool_totals.hpp"

namespace ikesteer::frontend::http {
namespace {

using Label = std::pair<std::string_view, std::string_view>;

// Writes families one after another: HELP and TYPE once, then the samples. A series (name and
// labels) that was already written is skipped, so that odd input (two checks of one type on a
// member, an address listed twice) cannot make the output invalid.
class Writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    name_ = name;
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    for (const char c : help) {  // HELP escapes backslash and line feed only
      if (c == '\\')
        out_ += "\\\\";
      else if (c == '\n')
        out_ += "\\n";
      else
        out_ += c;
    }
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  void sample(std::initializer_list<Label> labels, std::string_view value) {
    std::string series(name_);
    if (labels.size() > 0) {
      series += '{';
      bool first = true;
      for (const auto& [key, text] : labels) {
        if (!first) series += ',';
        first = false;
        series += key;
        series += "=\"";
        series += escape_label_value(text);
        series += '"';
      }
      series += '}';
    }
    if (!seen_.insert(series).second) return;
    out_ += series;
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }
  void sample(std::initializer_list<Label> labels, std::uint64_t value) {
    sample(labels, std::to_string(value));
  }
  void sample(std::initializer_list<Label> labels, double value) {
    sample(labels, format_sample(value));
  }

  std::string take() { return std::move(out_); }

 private:
  std::string out_;
  std::string_view name_;
  std::set<std::string> seen_;
};

// The families of a group's declared counters, in the order of their first counter, with the
// samples of every counter in the family.
template <class Owner>
void counter_families(Writer& w, const CounterGroup<Owner>& group, const Owner& totals) {
  std::vector<const MetricFamily*> families;
  for (const Counter<Owner>& c : group.counters)
    if (std::find(families.begin(), families.end(), c.family) == families.end())
      families.push_back(c.family);
  for (const MetricFamily* f : families) {
    w.family(f->name, "counter", f->help);
    for (const Counter<Owner>& c : group.counters) {
      if (c.family != f) continue;
      const std::span<const std::uint64_t> values = c.field(totals);
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (f->label.empty())
          w.sample({}, values[i]);
        else if (f->fixed_label.empty())
          w.sample({{f->label, c.label_value(i)}}, values[i]);
        else
          w.sample({{f->fixed_label, c.fixed_value}, {f->label, c.label_value(i)}}, values[i]);
      }
    }
  }
}

constexpr health::MemberState kStates[] = {health::MemberState::Unknown, health::MemberState::Up,
                                           health::MemberState::Down, health::MemberState::Draining,
                                           health::MemberState::Maintenance};

double unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// The check label of each of a member's checks: its type, and "#2", "#3", ... for a second and
// third check of the same type.
std::vector<std::string> check_labels(const std::vector<const CheckStatus*>& checks) {
  std::map<CheckKind, unsigned> seen;
  std::vector<std::string> labels;
  for (const CheckStatus* c : checks) {
    const unsigned n = ++seen[c->check];
    const std::string kind(to_string(c->check));
    labels.push_back(n == 1 ? kind : kind + "#" + std::to_string(n));
  }
  return labels;
}

// Per pool: its members and how many are eligible, the redirects to them, and the clients
// that passed it (their first pool) for another, by why.
void pool_families(Writer& w, const std::vector<PoolTotals>& pools) {
  w.family("ikesteer_pool_members", "gauge", "Members of the pool, by whether they are eligible.");
  for (const PoolTotals& p : pools) {
    w.sample({{"pool", p.name}, {"eligible", "true"}}, std::uint64_t{p.eligible});
    w.sample({{"pool", p.name}, {"eligible", "false"}}, std::uint64_t{p.members - p.eligible});
  }
  w.family("ikesteer_pool_redirects_total", "counter", "IKE REDIRECTs to the pool's members.");
  for (const PoolTotals& p : pools) w.sample({{"pool", p.name}}, p.redirects);
  w.family("ikesteer_pool_spills_total", "counter",
           "Clients whose first pool this was, sent to a later one instead, by why.");
  for (const PoolTotals& p : pools)
    for (std::size_t s = 1; s < p.spills.size(); ++s)
      w.sample({{"pool", p.name}, {"why", health::to_string(static_cast<health::PoolSkip>(s))}},
               p.spills[s]);
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_sample(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char text[32];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
  if (ec != std::errc{}) return "NaN";
  return std::string(text, end);
}

std::string metrics_text(const ControlPlane& plane, std::string_view version) {
  const Published p = plane.current();
  const HealthReport h = plane.health();
  const Totals t = plane.totals();
  static const Config kEmpty;
  const Config& config = p.config ? *p.config : kEmpty;
  const auto& members = config.members;
  const auto status = [&](std::size_t i) -> const MemberStatus* {
    return p.cluster && i < p.cluster->members.size() ? &p.cluster->members[i] : nullptr;
  };

  Writer w;
  w.family("ikesteer_build_info", "gauge", "Always 1; the version of the running ikesteer.");
  w.sample({{"version", version}}, std::uint64_t{1});
  w.family("ikesteer_start_time_seconds", "gauge", "When the process started, in unix seconds.");
  w.sample({}, unix_seconds(plane.started()));
  w.family("ikesteer_ready", "gauge",
           "1 when listening with a first verdict for every member, else 0.");
  w.sample({}, std::uint64_t{plane.not_ready().empty() ? 1u : 0u});

  if (const std::optional<ClusterStatus> c = plane.cluster()) {
    w.family("ikesteer_cluster_acting", "gauge",
             "1 while this instance leads the cluster and acts (failover, moves), else 0.");
    w.sample({{"instance", c->instance}}, std::uint64_t{c->acting ? 1u : 0u});
    w.family("ikesteer_cluster_etcd_reachable", "gauge",
             "1 while etcd answers this instance, else 0 (it then answers from the last shared "
             "state and does not act).");
    w.sample({}, std::uint64_t{c->etcd_reachable ? 1u : 0u});
    w.family("ikesteer_cluster_etcd_writes_total", "counter",
             "Writes this instance made to etcd (none while nothing changes).");
    w.sample({}, c->writes);
    w.family("ikesteer_cluster_terms_total", "counter", "Times this instance became the leader.");
    w.sample({}, c->terms);
    w.family("ikesteer_cluster_instances", "gauge", "Instances with a live record in etcd.");
    w.sample({}, static_cast<std::uint64_t>(c->instances.size()));
  }

  // IKE front end.
  counter_families(w, kIkeCounters, t.ike);
  w.family("ikesteer_redirects_total", "counter", "IKE REDIRECTs sent, by member.");
  if (t.redirects_per_member.size() == members.size())
    for (std::size_t i = 0; i < members.size(); ++i)
      w.sample({{"member", members[i].name}}, t.redirects_per_member[i]);

  // Pools.
  if (p.steering) pool_families(w, pool_totals(*p.steering, t));

  // DNS.
  counter_families(w, kDnsCounters, t.dns);

  // Members.
  w.family("ikesteer_member_state", "gauge", "1 for the member's current state, 0 for the others.");
  for (std::size_t i = 0; i < members.size(); ++i) {
    const MemberStatus* s = status(i);
    const health::MemberState now = s ? s->state : health::MemberState::Unknown;
    for (const health::MemberState state : kStates)
      w.sample({{"member", members[i].name}, {"state", to_string(state)}},
               std::uint64_t{state == now ? 1u : 0u});
  }
  w.family("ikesteer_member_transitioning", "gauge",
           "1 while a check of the member disagrees with its state.");
  for (std::size_t i = 0; i < members.size(); ++i) {
    const MemberStatus* s = status(i);
    w.sample({{"member", members[i].name}}, std::uint64_t{s && s->transitioning ? 1u : 0u});
  }
  w.family("ikesteer_member_weight", "gauge",
           "The member's steering weight (operator overrides included).");
  for (const MemberConfig& m : members) w.sample({{"member", m.name}}, m.weight);
  w.family("ikesteer_member_reported_load", "gauge",
           "The load (0..1) the member's agent reported last; absent without a report.");
  for (std::size_t i = 0; i < members.size(); ++i)
    if (const MemberStatus* s = status(i); s && s->load)
      w.sample({{"member", members[i].name}}, *s->load);

  // Checks.
  std::vector<std::pair<const CheckStatus*, std::string>> checks;
  for (const MemberConfig& m : members) {
    std::vector<const CheckStatus*> own;
    for (const CheckStatus& c : h.checks)
      if (c.member == m.name) own.push_back(&c);
    const std::vector<std::string> labels = check_labels(own);
    for (std::size_t i = 0; i < own.size(); ++i) checks.emplace_back(own[i], labels[i]);
  }
  w.family("ikesteer_probe_results_total", "counter",
           "Health check results, by member, check and result (ok, failed).");
  for (const auto& [c, label] : checks) {
    w.sample({{"member", c->member}, {"check", label}, {"result", "ok"}}, c->ok);
    w.sample({{"member", c->member}, {"check", label}, {"result", "failed"}}, c->failed);
  }
  w.family("ikesteer_probe_latency_seconds", "gauge",
           "The latency of the last result of each health check.");
  for (const auto& [c, label] : checks)
    w.sample({{"member", c->member}, {"check", label}},
             std::chrono::duration<double>(c->latency).count());
  counter_families(w, kHealthCounters, t.health);
  counter_families(w, kAgentCommandCounters, t.agent_commands);

  // Established sessions and their moves.
  w.family("ikesteer_member_sessions", "gauge",
           "Established IKE SAs the member's agent reported last; absent without such a report.");
  for (const ReportedSessions& s : h.sessions)
    if (s.count) w.sample({{"member", s.member}}, std::uint64_t{*s.count});
  // Per member: a drain's job and failbacks' jobs (sessions on one address) add up.
  struct MemberMoves {
    std::uint64_t requested = 0, moved = 0, failed = 0, left = 0;
    bool empty = true;
  };
  std::map<std::string, MemberMoves> moves;
  for (const MoveProgress& m : plane.moves()) {
    MemberMoves& sum = moves[m.member];
    sum.requested += m.requested;
    sum.moved += m.moved;
    sum.failed += m.failed();
    sum.left += m.left;
    sum.empty = sum.empty && m.state == MoveState::Empty;
  }
  w.family("ikesteer_session_moves_total", "counter",
           "Sessions of the member ikesteer moved away: move commands the agent accepted "
           "(requested), sessions gone after one (moved), and failures (given up after "
           "sessions.move_attempts, or no eligible member to go to). Drains and failbacks.");
  for (const auto& [member, m] : moves) {
    w.sample({{"member", member}, {"result", "requested"}}, m.requested);
    w.sample({{"member", member}, {"result", "moved"}}, m.moved);
    w.sample({{"member", member}, {"result", "failed"}}, m.failed);
  }
  w.family("ikesteer_session_moves_left", "gauge",
           "Sessions still on the member (on a failback's address), as its move jobs' last "
           "lists found them.");
  for (const auto& [member, m] : moves) w.sample({{"member", member}}, m.left);
  w.family("ikesteer_member_empty", "gauge",
           "1 when the member's move jobs found it holding no session (to move), else 0.");
  for (const auto& [member, m] : moves) w.sample({{"member", member}}, std::uint64_t{m.empty});

  // Addresses.
  w.family("ikesteer_address_owner", "gauge",
           "1 for each service address and the member (or \"frontend\") answering on it; "
           "holder=\"\" while it moves.");
  std::set<IpAddress> listed;
  for (const AddressStatus& addr : h.addresses) {
    if (!listed.insert(addr.address).second) continue;
    const std::string text = addr.address.to_string();
    w.sample({{"address", text}, {"holder", addr.holder}}, std::uint64_t{1});
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    const MemberStatus* s = status(i);
    for (const IpAddress& ip : s ? s->addresses : members[i].addresses) {
      if (!listed.insert(ip).second) continue;
      const std::string text = ip.to_string();
      w.sample({{"address", text}, {"holder", members[i].name}}, std::uint64_t{1});
    }
  }
  return w.take();
}

}  // namespace ikesteer::frontend::http
