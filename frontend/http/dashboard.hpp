// The operators' live dashboard: one self-contained page (frontend/http/dashboard.html, embedded
// at build time: inline CSS, JS and SVG, nothing fetched from elsewhere) and the data it shows.
//
//   GET /                    the page
//   GET /api/v1/stream       Server-Sent Events: `event: snapshot` (everything) first, then
//                            `event: state` (members, addresses, decisions, drop counters) when
//                            any of it changed, `event: events` (new events, by id) and
//                            `event: rates` (new chart points); a stream that fell too far
//                            behind gets a new snapshot
//   GET /api/v1/dashboard    the snapshot as one JSON document (the page polls it when
//                            EventSource fails); ?after=N: only events with an id above N
//
// The data is gathered from the ControlPlane at most once per `refresh`, however many pages
// are open, and every stream is sent the same formatted text.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "frontend/http/http_server.hpp"
#include "frontend/operator/control_plane.hpp"

namespace ikesteer::frontend::http {

struct DashboardOptions {
  Duration refresh = std::chrono::seconds(1);  // how often the ControlPlane is asked, at most
  std::size_t max_events = 200;                // in a snapshot
  std::size_t max_decisions = 25;
  std::size_t max_deltas = 64;  // updates kept for streams that are behind; beyond: a snapshot
};

// The page as served (for tests).
std::string_view dashboard_html() noexcept;

// `control` must outlive the server.
void install_dashboard(HttpServer& server, ControlPlane& control);
void install_dashboard(HttpServer& server, ControlPlane& control, const DashboardOptions& options);

}  // namespace ikesteer::frontend::http
