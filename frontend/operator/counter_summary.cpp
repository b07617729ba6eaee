#include "frontend/operator/counter_summary.hpp"

#include "health/agent_report.hpp"

namespace ikesteer::frontend {
namespace {

template <class Array>
void add(Array& into, const Array& from) {
  for (std::size_t i = 0; i < into.size(); ++i) into[i] += from[i];
}

void append(std::string& line, std::string_view name, std::uint64_t value) {
  if (value == 0) return;
  if (!line.empty()) line += ' ';
  line += name;
  line += '=';
  line += std::to_string(value);
}

// Every non-zero entry of a counter array indexed by an enum with to_string().
template <class Enum, class Array>
void append_all(std::string& line, std::string_view prefix, const Array& values) {
  for (std::size_t i = 0; i < values.size(); ++i)
    append(line, std::string(prefix) + std::string(to_string(static_cast<Enum>(i))), values[i]);
}

}  // namespace

IkeTotals sum(std::span<const IkeCounters> loops, std::span<const UdpTransportCounters> transport) {
  IkeTotals t;
  for (const IkeCounters& c : loops) {
    t.responder.received += c.responder.received;
    add(t.responder.drops, c.responder.drops);
    add(t.responder.replies, c.responder.replies);
  }
  for (const UdpTransportCounters& c : transport) {
    t.transport.oversize += c.oversize;
    t.transport.send_errors += c.send_errors;
  }
  return t;
}

DnsCounters sum(std::span<const DnsCounters> parts) {
  DnsCounters t;
  for (const DnsCounters& c : parts) {
    t.authority.received += c.authority.received;
    add(t.authority.responses, c.authority.responses);
    add(t.authority.drops, c.authority.drops);
    t.authority.truncated += c.authority.truncated;
    t.authority.fail_open += c.authority.fail_open;
    t.rate_limit.slipped += c.rate_limit.slipped;
    t.rate_limit.dropped += c.rate_limit.dropped;
  }
  return t;
}

std::map<std::string, std::uint64_t> drop_counters(const IkeTotals& ike, const DnsCounters& dns) {
  std::map<std::string, std::uint64_t> drops;
  auto add = [&](const std::string& name, std::uint64_t value) {
    if (value != 0) drops[name] = value;
  };
  for (std::size_t i = 0; i < ike.responder.drops.size(); ++i)
    add("ike." + std::string(to_string(static_cast<redirect::DropReason>(i))),
        ike.responder.drops[i]);
  add("ike.oversize", ike.transport.oversize);
  for (std::size_t i = 0; i < dns.authority.drops.size(); ++i)
    add("dns." + std::string(to_string(static_cast<dns::DropReason>(i))), dns.authority.drops[i]);
  add("dns.rrl_dropped", dns.rate_limit.dropped);
  return drops;
}

std::string summary(const IkeTotals& t) {
  std::string line = "received=" + std::to_string(t.responder.received);
  append_all<redirect::ReplyKind>(line, "reply.", t.responder.replies);
  append_all<redirect::DropReason>(line, "drop.", t.responder.drops);
  append(line, "drop.oversize", t.transport.oversize);
  append(line, "send_errors", t.transport.send_errors);
  return line;
}

std::string summary(const DnsCounters& t) {
  std::string line = "received=" + std::to_string(t.authority.received);
  append_all<dns::Rcode>(line, "rcode.", t.authority.responses);
  append_all<dns::DropReason>(line, "drop.", t.authority.drops);
  append(line, "truncated", t.authority.truncated);
  append(line, "fail_open", t.authority.fail_open);
  append(line, "rrl_slipped", t.rate_limit.slipped);
  append(line, "rrl_dropped", t.rate_limit.dropped);
  return line;
}

std::string summary(const HealthCounters& c) {
  std::string line = "probes_ok=" + std::to_string(c.probes_ok);
  append(line, "probes_failed", c.probes_failed);
  append(line, "agent_admitted", c.agent_admitted);
  append_all<health::AgentReject>(line, "agent_rejected.", c.agent_rejected);
  return line;
}

}  // namespace ikesteer::frontend
