// The operator API on the HTTP server: the JSON API under /api/v1, Prometheus metrics, and the
// front end's own liveness and readiness.
//
//   GET  /healthz                         200 "ok": the process answers
//   GET  /readyz                          200 when ready, else 503 with the reason
//   GET  /metrics                         Prometheus text format 0.0.4
//   GET  /api/v1/status                   version, uptime, readiness, members by state, totals
//   GET  /api/v1/members                  every member: state, reason, checks, addresses, ...
//   GET  /api/v1/members/<name>           one member (404 if there is none by that name)
//   GET  /api/v1/cluster                  cluster mode: instances, leader, etcd (see api_json.hpp)
//   GET  /api/v1/events?after=N           events with an id above N (default 0), oldest first
//   GET  /api/v1/addresses                every service address and who answers on it
//   GET  /api/v1/decisions                recent redirects and why, newest first
//   GET  /api/v1/decision?client=ADDR     where that client would go now, and why (400: bad address)
//   GET  /api/v1/counters                 every counter by name
//   GET  /api/v1/rates                    redirects, DNS queries and drops per second, 15 min
//   POST /api/v1/members/<name>/drain, /undrain, /maintenance, /failback
//        body (optional): {"reason": "..."}
//   POST /api/v1/members/<name>/weight   body: {"weight": 2.5, "reason": "..."}
//
// Writes need `Authorization: Bearer <token>` (api_actions.hpp); without a configured token the
// API is read-only. Each write goes to ControlPlane::act() with who = the peer's address and why
// = the reason, and is answered with act()'s status and {"ok", "message", ...}.
#pragma once

#include <string>

#include "frontend/http/http_server.hpp"
#include "frontend/operator/control_plane.hpp"

namespace ikesteer::frontend::http {

struct ApiOptions {
  std::string token;    // bearer token for write actions; "" = read-only API
  std::string version;  // reported by /api/v1/status and ikesteer_build_info
};

// Registers the routes above (before server.start()). `plane` must outlive the server's run.
void install_api(HttpServer& server, ControlPlane& plane, const ApiOptions& options);

}  // namespace ikesteer::frontend::http
