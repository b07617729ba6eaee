#include "frontend/http/api_routes.hpp"

#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

#include "frontend/http/api_actions.hpp"
#include "frontend/http/api_json.hpp"
#include "frontend/http/metrics_text.hpp"
#include "frontend/http/query_string.hpp"

namespace ikesteer::frontend::http {
namespace {

constexpr std::string_view kMembers = "/api/v1/members/";

HttpResponse json(std::string body, unsigned status = 200) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

HttpResponse text(unsigned status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// The query parameter, or nullopt when absent.
std::optional<std::string> parameter(const HttpRequest& request, const std::string& key) {
  const auto it = request.query.find(key);
  if (it == request.query.end()) return std::nullopt;
  return it->second;
}

HttpResponse events(const ControlPlane& plane, const HttpRequest& request) {
  std::uint64_t after = 0;
  if (const auto text_after = parameter(request, "after")) {
    const char* begin = text_after->data();
    const char* end = begin + text_after->size();
    const auto [stop, ec] = std::from_chars(begin, end, after);
    if (text_after->empty() || ec != std::errc{} || stop != end)
      return json_error(400, "after: must be an event id (an unsigned integer)");
  }
  return json(events_json(plane, after));
}

HttpResponse decision(const ControlPlane& plane, const HttpRequest& request) {
  const auto client = parameter(request, "client");
  if (!client) return json_error(400, "client: required (an IPv4 or IPv6 address)");
  const auto address = IpAddress::parse(*client);
  if (!address) return json_error(400, "client: not an IP address: \"" + printable(*client) + "\"");
  return json(explanation_json(plane.explain(*address)));
}

// "/api/v1/members/<name>[/<verb>]" -> name and verb, percent-decoded; nullopt when the path
// has more or fewer parts.
struct MemberPath {
  std::string name;
  std::string verb;
};
std::optional<MemberPath> member_path(std::string_view path) {
  path.remove_prefix(kMembers.size());
  MemberPath out;
  std::string_view verb;
  if (const auto slash = path.find('/'); slash != std::string_view::npos) {
    verb = path.substr(slash + 1);
    path = path.substr(0, slash);
    if (verb.empty() || verb.find('/') != std::string_view::npos) return std::nullopt;
  }
  auto name = percent_decode(path);
  auto decoded_verb = percent_decode(verb);
  if (!name || name->empty() || !decoded_verb) return std::nullopt;
  out.name = std::move(*name);
  out.verb = std::move(*decoded_verb);
  return out;
}

HttpResponse member(const ControlPlane& plane, const HttpRequest& request) {
  const auto target = member_path(request.path);
  if (!target || !target->verb.empty()) return json_error(404, "not found");
  auto body = member_json(plane, target->name);
  if (!body) return json_error(404, "no member named \"" + printable(target->name) + "\"");
  return json(std::move(*body));
}

HttpResponse act(ControlPlane& plane, const std::string& token, const HttpRequest& request) {
  if (auto refused = check_bearer(request.authorization, token)) return std::move(*refused);
  const auto target = member_path(request.path);
  if (!target || target->verb.empty())
    return json_error(404, "not found: POST /api/v1/members/<name>/<action>");
  const auto kind = action_kind(target->verb);
  if (!kind)
    return json_error(404, "unknown action \"" + printable(target->verb) +
                               "\" (drain, undrain, maintenance, failback, weight)");
  auto body = parse_action_body(request.body, *kind);
  if (!body) return json_error(400, body.error());
  const auto move = parameter(request, "move");
  if (move && *move != "sessions")
    return json_error(400, "move: must be \"sessions\" (got \"" + printable(*move) + "\")");

  OperatorAction action{.kind = *kind,
                        .member = target->name,
                        .weight = body->weight,
                        .who = request.peer.to_string(),
                        .why = std::move(body->reason),
                        .move_sessions = move.has_value()};
  const ActionOutcome outcome = plane.act(action);

  nlohmann::ordered_json j;
  j["ok"] = outcome.ok;
  j["member"] = action.member;
  j["action"] = action_verb(action.kind);
  if (action.kind == OperatorAction::Kind::SetWeight) j["weight"] = action.weight;
  if (action.move_sessions) j["move"] = "sessions";
  j["message"] = outcome.message;
  if (!outcome.ok) j["error"] = outcome.message;
  return json(j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace),
              outcome.status);
}

}  // namespace

void install_api(HttpServer& server, ControlPlane& plane, const ApiOptions& options) {
  ControlPlane* p = &plane;
  const bool writable = !options.token.empty();
  const std::string version = options.version;
  const std::string token = options.token;

  server.route("GET", "/healthz", [](const HttpRequest&) { return text(200, "ok\n"); });
  server.route("GET", "/readyz", [p](const HttpRequest&) {
    const std::string why = p->not_ready();
    return why.empty() ? text(200, "ready\n") : text(503, "not ready: " + why + "\n");
  });
  server.route("GET", "/metrics", [p, version](const HttpRequest&) {
    HttpResponse r = text(200, metrics_text(*p, version));
    r.content_type = std::string(kMetricsContentType);
    return r;
  });

  server.route("GET", "/api/v1/status", [p, version, writable](const HttpRequest&) {
    return json(status_json(*p, version, writable));
  });
  server.route("GET", "/api/v1/members",
               [p](const HttpRequest&) { return json(members_json(*p)); });
  server.route_prefix("GET", std::string(kMembers),
                      [p](const HttpRequest& r) { return member(*p, r); });
  server.route_prefix("POST", std::string(kMembers),
                      [p, token](const HttpRequest& r) { return act(*p, token, r); });
  server.route("GET", "/api/v1/events", [p](const HttpRequest& r) { return events(*p, r); });
  server.route("GET", "/api/v1/moves", [p](const HttpRequest&) { return json(moves_json(*p)); });
  server.route("GET", "/api/v1/cluster",
               [p](const HttpRequest&) { return json(cluster_json(*p)); });
  server.route("GET", "/api/v1/addresses",
               [p](const HttpRequest&) { return json(addresses_json(*p)); });
  server.route("GET", "/api/v1/decisions",
               [p](const HttpRequest&) { return json(decisions_json(*p)); });
  server.route("GET", "/api/v1/decision", [p](const HttpRequest& r) { return decision(*p, r); });
  server.route("GET", "/api/v1/counters",
               [p](const HttpRequest&) { return json(counters_json(*p)); });
  server.route("GET", "/api/v1/rates", [p](const HttpRequest&) { return json(rates_json(*p)); });
}

}  // namespace ikesteer::frontend::http
