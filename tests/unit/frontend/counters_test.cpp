// The counter declarations against every output generated from them: each declared counter,
// given a value no other counter has, shows that value in the sums, the log summary, /metrics,
// /api/v1/counters, /api/v1/status and the drop reasons. Plus the two bugs that hand-written
// outputs had: RRL "sent" never summed, DNS transport counters counted as IKE.
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "frontend/http/api_json.hpp"
#include "frontend/http/metrics_text.hpp"
#include "frontend/operator/counter_declarations.hpp"
#include "frontend/operator/counter_summary.hpp"

namespace ikesteer::frontend {
namespace {

using nlohmann::json;

// Only totals() matters here; the rest is an empty cluster.
class CountersPlane final : public ControlPlane {
 public:
  explicit CountersPlane(Totals totals) : totals_(std::move(totals)) {
    published_.config = std::make_shared<Config>();
    published_.cluster = std::make_shared<ClusterState>();
  }
  Published current() const override { return published_; }
  HealthReport health() const override { return {}; }
  std::vector<Event> events_since(std::uint64_t) const override { return {}; }
  Totals totals() const override { return totals_; }
  std::vector<RatePoint> rates() const override { return {}; }
  std::vector<RecentDecision> recent_decisions() const override { return {}; }
  SteeringExplanation explain(const IpAddress&) const override { return {}; }
  std::vector<MoveProgress> moves() const override { return {}; }
  ActionOutcome act(const OperatorAction&) override { return {}; }
  std::string not_ready() const override { return {}; }
  std::chrono::system_clock::time_point started() const override { return {}; }

 private:
  Published published_;
  Totals totals_;
};

// Every element of every declared counter set to `next`, `next + 1`, ...
template <class Owner>
void number_every_counter(const CounterGroup<Owner>& group, Owner& totals, std::uint64_t& next) {
  for (const Counter<Owner>& c : group.counters)
    for (std::uint64_t& value : c.field(totals)) value = next++;
}

Totals every_counter_numbered() {
  Totals t;
  std::uint64_t next = 1001;
  number_every_counter(kIkeCounters, t.ike, next);
  number_every_counter(kDnsCounters, t.dns, next);
  number_every_counter(kHealthCounters, t.health, next);
  number_every_counter(kAgentCommandCounters, t.agent_commands, next);
  return t;
}

// "a=1 b=2" as {a: "1", b: "2"}.
std::map<std::string, std::string> summary_fields(const std::string& line) {
  std::map<std::string, std::string> fields;
  std::istringstream in(line);
  for (std::string field; in >> field;) {
    const auto eq = field.find('=');
    REQUIRE(eq != std::string::npos);
    fields[field.substr(0, eq)] = field.substr(eq + 1);
  }
  return fields;
}

// Every sample of an exposition, by series: {"name{label=\"value\"}": "42"}.
std::map<std::string, std::string> metric_samples(const std::string& text) {
  std::map<std::string, std::string> samples;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    samples[line.substr(0, space)] = line.substr(space + 1);
  }
  return samples;
}

template <class Owner>
std::string series(const Counter<Owner>& c, std::size_t i) {
  if (c.family->label.empty()) return std::string(c.family->name);
  std::string fixed;
  if (!c.family->fixed_label.empty())
    fixed = std::string(c.family->fixed_label) + "=\"" + std::string(c.fixed_value) + "\",";
  return std::string(c.family->name) + "{" + fixed + std::string(c.family->label) + "=\"" +
         std::string(c.label_value(i)) + "\"}";
}

template <class Owner>
const json& at_path(const json& group, const Counter<Owner>& c, std::size_t i) {
  const json* at = &group;
  std::string path(c.json);
  for (std::size_t from = 0, slash = 0; slash != std::string::npos; from = slash + 1) {
    slash = path.find('/', from);
    at = &at->at(path.substr(from, slash == std::string::npos ? slash : slash - from));
  }
  return c.element ? at->at(std::string(c.element(i))) : *at;
}

// `part`: where the group's totals are in Totals (&Totals::ike).
template <class Owner>
void check_every_output(const CounterGroup<Owner>& group, Owner Totals::*part) {
  const Totals all = every_counter_numbered();
  const Owner& t = all.*part;
  const CountersPlane plane(all);
  const auto summary_line = summary_fields(summary(t));
  const auto metrics = metric_samples(http::metrics_text(plane, "test"));
  const json counters = json::parse(http::counters_json(plane)).at(std::string(group.name));
  const json status = json::parse(http::status_json(plane, "test", false)).at("totals");
  const auto drops = drop_counters(all.ike, all.dns);

  std::map<std::string, std::uint64_t> status_totals;
  for (const Counter<Owner>& c : group.counters) {
    const std::span<const std::uint64_t> values = c.field(t);
    for (std::size_t i = 0; i < values.size(); ++i) {
      const std::string name = c.summary_name(i);
      const std::string value = std::to_string(values[i]);
      INFO(group.name, " counter ", name, " = ", value);
      CHECK(summary_line.at(name) == value);
      CHECK(metrics.at(series(c, i)) == value);
      CHECK(at_path(counters, c, i) == values[i]);
      std::string drop = name.starts_with("drop.") ? name.substr(5) : name;
      drop = std::string(group.name) + "." + drop;
      if (c.drop)
        CHECK(drops.at(drop) == values[i]);
      else
        CHECK(!drops.contains(drop));
    }
    if (!c.status.empty())
      status_totals[std::string(c.status)] +=
          std::accumulate(values.begin(), values.end(), std::uint64_t{0});
  }
  for (const auto& total : status_totals) {  // not a structured binding: INFO captures it
    INFO("status total ", total.first);
    CHECK(status.at(total.first) == total.second);
  }
}

// The owner structs hold nothing but counters, so a number that is not declared (a field added
// to dns::AuthorityCounters, say) shows as a difference in size.
template <class Owner>
void check_declared_once_each(const CounterGroup<Owner>& group) {
  Owner owner;
  std::set<const std::uint64_t*> declared;
  for (const Counter<Owner>& c : group.counters)
    for (const std::uint64_t& value : c.field(owner)) CHECK(declared.insert(&value).second);
  CHECK(declared.size() == sizeof(Owner) / sizeof(std::uint64_t));
}

TEST_CASE("every number of the totals is declared, once") {
  check_declared_once_each(kIkeCounters);
  check_declared_once_each(kDnsCounters);
  check_declared_once_each(kHealthCounters);
  check_declared_once_each(kAgentCommandCounters);
}

TEST_CASE("every declared counter has its own value in every output") {
  check_every_output(kIkeCounters, &Totals::ike);
  check_every_output(kDnsCounters, &Totals::dns);
  check_every_output(kHealthCounters, &Totals::health);
  check_every_output(kAgentCommandCounters, &Totals::agent_commands);
}

TEST_CASE("sums add every declared counter of every thread") {
  const Totals t = every_counter_numbered();
  const IkeCounters loop{t.ike.responder, {}, {}, {}, nullptr};
  const IkeCounters loops[] = {loop, loop};
  const UdpTransportCounters ike_transport[] = {t.ike.transport, t.ike.transport};
  const IkeTotals ike = sum(loops, ike_transport);
  for (const Counter<IkeTotals>& c : kIkeCounters.counters)
    for (std::size_t i = 0; i < c.field(ike).size(); ++i)
      CHECK(c.field(ike)[i] == 2 * c.field(t.ike)[i]);

  const DnsCounters thread{t.dns.authority, t.dns.rate_limit};
  const DnsCounters threads[] = {thread, thread};
  const UdpTransportCounters dns_transport[] = {t.dns.transport, t.dns.transport};
  const DnsTotals dns = sum(threads, dns_transport);
  for (const Counter<DnsTotals>& c : kDnsCounters.counters)
    for (std::size_t i = 0; i < c.field(dns).size(); ++i)
      CHECK(c.field(dns)[i] == 2 * c.field(t.dns)[i]);
}

TEST_CASE("regression: RRL sent is summed and shown in /metrics") {
  DnsCounters a;
  a.rate_limit.sent = 7;
  DnsCounters b;
  b.rate_limit.sent = 5;
  const DnsCounters threads[] = {a, b};
  Totals t;
  t.dns = sum(threads, {});
  CHECK(t.dns.rate_limit.sent == 12);
  CHECK(summary_fields(summary(t.dns)).at("rrl_sent") == "12");
  const auto metrics = metric_samples(http::metrics_text(CountersPlane(t), "test"));
  CHECK(metrics.at("ikesteer_dns_rrl_total{action=\"sent\"}") == "12");
}

TEST_CASE("regression: DNS transport counters count under DNS, not IKE") {
  const UdpTransportCounters dns_transport[] = {{3, 4}};
  Totals t;
  t.ike = sum(std::span<const IkeCounters>{}, {});
  t.dns = sum(std::span<const DnsCounters>{}, dns_transport);

  CHECK(summary(t.ike) == "received=0");
  CHECK(summary(t.dns) == "received=0 drop.oversize=3 send_errors=4");
  CHECK(drop_counters(t.ike, t.dns) == std::map<std::string, std::uint64_t>{{"dns.oversize", 3}});

  const CountersPlane plane(t);
  const auto metrics = metric_samples(http::metrics_text(plane, "test"));
  CHECK(metrics.at("ikesteer_ike_drops_total{reason=\"oversize\"}") == "0");
  CHECK(metrics.at("ikesteer_udp_send_errors_total") == "0");
  CHECK(metrics.at("ikesteer_dns_drops_total{reason=\"oversize\"}") == "3");
  CHECK(metrics.at("ikesteer_dns_send_errors_total") == "4");

  const json counters = json::parse(http::counters_json(plane));
  CHECK(counters["ike"]["drops"]["oversize"] == 0);
  CHECK(counters["ike"]["send_errors"] == 0);
  CHECK(counters["dns"]["drops"]["oversize"] == 3);
  CHECK(counters["dns"]["send_errors"] == 4);
  const json status = json::parse(http::status_json(plane, "test", false))["totals"];
  CHECK(status["ike_drops"] == 0);
  CHECK(status["dns_drops"] == 3);
}

}  // namespace
}  // namespace ikesteer::frontend
