#include "frontend/operator/counter_summary.hpp"

#include "frontend/operator/counter_declarations.hpp"

namespace ikesteer::frontend {
namespace {

// Adds every declared counter of `from` to `into`.
template <class Owner>
void add(const CounterGroup<Owner>& group, Owner& into, const Owner& from) {
  for (const Counter<Owner>& c : group.counters) {
    const std::span<std::uint64_t> to = c.field(into);
    const std::span<const std::uint64_t> values = c.field(from);
    for (std::size_t i = 0; i < to.size(); ++i) to[i] += values[i];
  }
}

// The first counter always, so that a quiet line still reads "received=0"; then the non-zero.
template <class Owner>
std::string summary_line(const CounterGroup<Owner>& group, const Owner& totals) {
  std::string line;
  for (const Counter<Owner>& c : group.counters) {
    const std::span<const std::uint64_t> values = c.field(totals);
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (values[i] == 0 && !line.empty()) continue;
      if (!line.empty()) line += ' ';
      line += c.summary_name(i);
      line += '=';
      line += std::to_string(values[i]);
    }
  }
  return line;
}

// A drop is named by its group and its summary name without "drop.": "ike.malformed",
// "dns.rrl_dropped".
template <class Owner>
void add_drops(std::map<std::string, std::uint64_t>& drops, const CounterGroup<Owner>& group,
               const Owner& totals) {
  constexpr std::string_view kDropPrefix = "drop.";
  for (const Counter<Owner>& c : group.counters) {
    if (!c.drop) continue;
    const std::span<const std::uint64_t> values = c.field(totals);
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (values[i] == 0) continue;
      std::string name = c.summary_name(i);
      if (name.starts_with(kDropPrefix)) name.erase(0, kDropPrefix.size());
      drops[std::string(group.name) + '.' + name] = values[i];
    }
  }
}

}  // namespace

IkeTotals sum(std::span<const IkeCounters> loops, std::span<const UdpTransportCounters> transport) {
  IkeTotals t;
  for (const IkeCounters& c : loops) add(kIkeCounters, t, IkeTotals{c.responder, {}});
  for (const UdpTransportCounters& c : transport) add(kIkeCounters, t, IkeTotals{{}, c});
  return t;
}

DnsTotals sum(std::span<const DnsCounters> threads,
              std::span<const UdpTransportCounters> transport) {
  DnsTotals t;
  for (const DnsCounters& c : threads)
    add(kDnsCounters, t, DnsTotals{c.authority, c.rate_limit, {}});
  for (const UdpTransportCounters& c : transport) add(kDnsCounters, t, DnsTotals{{}, {}, c});
  return t;
}

std::map<std::string, std::uint64_t> drop_counters(const IkeTotals& ike, const DnsTotals& dns) {
  std::map<std::string, std::uint64_t> drops;
  add_drops(drops, kIkeCounters, ike);
  add_drops(drops, kDnsCounters, dns);
  return drops;
}

std::string summary(const IkeTotals& totals) {
  return summary_line(kIkeCounters, totals);
}

std::string summary(const DnsTotals& totals) {
  return summary_line(kDnsCounters, totals);
}

std::string summary(const HealthCounters& counters) {
  return summary_line(kHealthCounters, counters);
}

std::string summary(const AgentCommandCounters& counters) {
  return summary_line(kAgentCommandCounters, counters);
}

}  // namespace ikesteer::frontend
