#include "frontend/operator/counter_declarations.hpp"

#include "dns/authority.hpp"
#include "health/agent_report.hpp"
#include "redirect/responder.hpp"

namespace ikesteer::frontend {
namespace {

using redirect::ResponderCounters;

constexpr MetricFamily kIkeReceived{"ikesteer_ike_received_total", "IKE datagrams received."};
constexpr MetricFamily kIkeReplies{"ikesteer_ike_replies_total", "IKE replies sent, by kind.",
                                   "kind"};
constexpr MetricFamily kIkeDrops{"ikesteer_ike_drops_total", "IKE datagrams dropped, by reason.",
                                 "reason"};
constexpr MetricFamily kIkeOverBudget{
    "ikesteer_ike_over_budget_total",
    "IKE_SA_INIT requests not redirected because the budget of new IKE SAs "
    "(sessions.new_ike_sas_per_second) was spent, by what they got (also counted in drops or "
    "replies).",
    "action"};
constexpr MetricFamily kIkeSendErrors{
    "ikesteer_udp_send_errors_total",
    "IKE replies the kernel refused to send (full queue, unreachable); DNS ones are "
    "ikesteer_dns_send_errors_total."};

constexpr Counter<IkeTotals> kIke[] = {
    {.field = field<&IkeTotals::responder, &ResponderCounters::received>(),
     .summary = "received",
     .family = &kIkeReceived,
     .json = "received",
     .status = "ike_received"},
    {.field = field<&IkeTotals::responder, &ResponderCounters::replies>(),
     .element = element_name<redirect::ReplyKind>,
     .summary = "reply.",
     .family = &kIkeReplies,
     .json = "replies",
     .status = "ike_replies"},
    {.field = field<&IkeTotals::responder, &ResponderCounters::drops>(),
     .element = element_name<redirect::DropReason>,
     .summary = "drop.",
     .family = &kIkeDrops,
     .json = "drops",
     .status = "ike_drops",
     .drop = true},
    {.field = field<&IkeTotals::responder, &ResponderCounters::over_budget>(),
     .element = element_name<redirect::OverBudgetAction>,
     .summary = "over_budget.",
     .family = &kIkeOverBudget,
     .json = "over_budget"},
    {.field = field<&IkeTotals::transport, &UdpTransportCounters::oversize>(),
     .summary = "drop.oversize",
     .family = &kIkeDrops,
     .label = "oversize",
     .json = "drops/oversize",
     .status = "ike_drops",
     .drop = true},
    {.field = field<&IkeTotals::transport, &UdpTransportCounters::send_errors>(),
     .summary = "send_errors",
     .family = &kIkeSendErrors,
     .json = "send_errors"},
};

using dns::AuthorityCounters;
using dns::RateLimiterCounters;

constexpr MetricFamily kDnsQueries{"ikesteer_dns_queries_total",
                                   "DNS queries received (UDP and TCP)."};
constexpr MetricFamily kDnsResponses{"ikesteer_dns_responses_total",
                                     "DNS responses, by response code.", "rcode"};
constexpr MetricFamily kDnsDrops{"ikesteer_dns_drops_total", "DNS queries not answered, by reason.",
                                 "reason"};
constexpr MetricFamily kDnsNodata{
    "ikesteer_dns_nodata_total", "NOERROR responses without an answer (counted in responses too)."};
constexpr MetricFamily kDnsTruncated{"ikesteer_dns_truncated_total",
                                     "DNS responses truncated to fit (TC)."};
constexpr MetricFamily kDnsFailOpen{
    "ikesteer_dns_fail_open_total",
    "Cluster names answered with every member because too few were eligible."};
constexpr MetricFamily kDnsAnyMinimal{"ikesteer_dns_any_minimal_total",
                                      "ANY queries answered with one RRset (RFC 8482)."};
constexpr MetricFamily kDnsEcs{"ikesteer_dns_ecs_total",
                               "DNS queries with a valid EDNS Client Subnet option."};
constexpr MetricFamily kDnsRrl{"ikesteer_dns_rrl_total",
                               "DNS responses passed through response-rate limiting, by action.",
                               "action"};
constexpr MetricFamily kDnsSendErrors{
    "ikesteer_dns_send_errors_total",
    "DNS UDP responses the kernel refused to send (full queue, unreachable)."};

constexpr Counter<DnsTotals> kDns[] = {
    {.field = field<&DnsTotals::authority, &AuthorityCounters::received>(),
     .summary = "received",
     .family = &kDnsQueries,
     .json = "queries",
     .status = "dns_queries"},
    {.field = field<&DnsTotals::authority, &AuthorityCounters::responses>(),
     .element = element_name<dns::Rcode>,
     .summary = "rcode.",
     .family = &kDnsResponses,
     .json = "responses",
     .status = "dns_responses"},
    {.field = field<&DnsTotals::authority, &AuthorityCounters::drops>(),
     .element = element_name<dns::DropReason>,
     .summary = "drop.",
     .family = &kDnsDrops,
     .json = "drops",
     .status = "dns_drops",
     .drop = true},
    {.field = field<&DnsTotals::transport, &UdpTransportCounters::oversize>(),
     .summary = "drop.oversize",
     .family = &kDnsDrops,
     .label = "oversize",
     .json = "drops/oversize",
     .status = "dns_drops",
     .drop = true},
    {.field = field<&DnsTotals::authority, &AuthorityCounters::nodata>(),
     .summary = "nodata",
     .family = &kDnsNodata,
     .json = "nodata"},
    {.field = field<&DnsTotals::authority, &AuthorityCounters::truncated>(),
     .summary = "truncated",
     .family = &kDnsTruncated,
     .json = "truncated"},
    {.field = field<&DnsTotals::authority, &AuthorityCounters::fail_open>(),
     .summary = "fail_open",
     .family = &kDnsFailOpen,
     .json = "fail_open"},
    {.field = field<&DnsTotals::authority, &AuthorityCounters::any_minimal>(),
     .summary = "any_minimal",
     .family = &kDnsAnyMinimal,
     .json = "any_minimal"},
    {.field = field<&DnsTotals::authority, &AuthorityCounters::ecs>(),
     .summary = "ecs",
     .family = &kDnsEcs,
     .json = "ecs"},
    {.field = field<&DnsTotals::rate_limit, &RateLimiterCounters::sent>(),
     .summary = "rrl_sent",
     .family = &kDnsRrl,
     .label = "sent",
     .json = "rrl/sent"},
    {.field = field<&DnsTotals::rate_limit, &RateLimiterCounters::slipped>(),
     .summary = "rrl_slipped",
     .family = &kDnsRrl,
     .label = "slipped",
     .json = "rrl/slipped"},
    {.field = field<&DnsTotals::rate_limit, &RateLimiterCounters::dropped>(),
     .summary = "rrl_dropped",
     .family = &kDnsRrl,
     .label = "dropped",
     .json = "rrl/dropped",
     .status = "dns_drops",
     .drop = true},
    {.field = field<&DnsTotals::transport, &UdpTransportCounters::send_errors>(),
     .summary = "send_errors",
     .family = &kDnsSendErrors,
     .json = "send_errors"},
};

// The probes of every member together; ikesteer_probe_results_total has them per check.
constexpr MetricFamily kProbes{"ikesteer_probes_total",
                               "Health check results of every member, by result (ok, failed).",
                               "result"};
constexpr MetricFamily kAgentReports{"ikesteer_agent_reports_total",
                                     "Agent reports, admitted or rejected by reason.", "result"};

constexpr Counter<HealthCounters> kHealth[] = {
    {.field = field<&HealthCounters::probes_ok>(),
     .summary = "probes_ok",
     .family = &kProbes,
     .label = "ok",
     .json = "probes_ok",
     .status = "probes_ok"},
    {.field = field<&HealthCounters::probes_failed>(),
     .summary = "probes_failed",
     .family = &kProbes,
     .label = "failed",
     .json = "probes_failed",
     .status = "probes_failed"},
    {.field = field<&HealthCounters::agent_admitted>(),
     .summary = "agent_admitted",
     .family = &kAgentReports,
     .label = "admitted",
     .json = "agent_reports/admitted",
     .status = "agent_reports_admitted"},
    {.field = field<&HealthCounters::agent_rejected>(),
     .element = element_name<health::AgentReject>,
     .summary = "agent_rejected.",
     .family = &kAgentReports,
     .json = "agent_reports/rejected",
     .status = "agent_reports_rejected"},
};

constexpr MetricFamily kAgentCommands{
    "ikesteer_agent_commands_total",
    "Commands sent to member agents, by command and result (a timeout: no valid answer in "
    "sessions.command_timeout).",
    "result", "command"};
constexpr MetricFamily kAgentRepliesDropped{
    "ikesteer_agent_replies_dropped_total",
    "Datagrams at the agent command socket not taken as a reply, by reason.", "reason"};

constexpr Counter<AgentCommandCounters> kAgentCommandsDeclared[] = {
    {.field = field<&AgentCommandCounters::list>(),
     .element = element_name<CommandResult>,
     .summary = "list.",
     .family = &kAgentCommands,
     .fixed_value = "list",
     .json = "list"},
    {.field = field<&AgentCommandCounters::move>(),
     .element = element_name<CommandResult>,
     .summary = "move.",
     .family = &kAgentCommands,
     .fixed_value = "move",
     .json = "move"},
    {.field = field<&AgentCommandCounters::replies_dropped>(),
     .element = element_name<ReplyDrop>,
     .summary = "reply_dropped.",
     .family = &kAgentRepliesDropped,
     .json = "replies_dropped"},
};

}  // namespace

const CounterGroup<IkeTotals> kIkeCounters{"ike", kIke};
const CounterGroup<AgentCommandCounters> kAgentCommandCounters{"agent_commands",
                                                               kAgentCommandsDeclared};
const CounterGroup<DnsTotals> kDnsCounters{"dns", kDns};
const CounterGroup<HealthCounters> kHealthCounters{"health", kHealth};

}  // namespace ikesteer::frontend
