// The JSON API's read views: the bodies GET /api/v1/... answers, each built from snapshots the
// ControlPlane hands out. Times are RFC 3339 in UTC with milliseconds ("2024-05-01T12:00:00.250Z"),
// durations are seconds unless the key says otherwise ("latency_ms"), and enum values are the
// lower-case names the logs use ("up", "hash_owner", "no_eligible_member").
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/operator/control_plane.hpp"

namespace ikesteer::frontend::http {

// GET /api/v1/status: version, start time and uptime, readiness, member counts by state, and a
// summary of the counters.
std::string status_json(const ControlPlane& plane, std::string_view version, bool writable);

// GET /api/v1/members: {"members": [...]}, in configuration order.
std::string members_json(const ControlPlane& plane);
// GET /api/v1/members/<name>: one member; nullopt when there is none by that name.
std::optional<std::string> member_json(const ControlPlane& plane, std::string_view name);

// GET /api/v1/moves: {"moves": [...]}, every member's move job (drain with move=sessions), by
// member name.
std::string moves_json(const ControlPlane& plane);

// GET /api/v1/cluster: cluster mode as this instance sees it ({"enabled": false} without a
// [cluster] table): this instance, the leader, whether it acts and with which token, etcd's
// state, and every instance with its own view of the members.
std::string cluster_json(const ControlPlane& plane);

// GET /api/v1/events?after=N: {"events": [...], "last": <id of the newest event, or N>}.
std::string events_json(const ControlPlane& plane, std::uint64_t after);

// GET /api/v1/addresses: every service address and who answers on it now. Movable addresses
// (members with failover) as the failover machinery reports them; the others are always held by
// their own member.
std::string addresses_json(const ControlPlane& plane);

// GET /api/v1/decisions: the recent redirects, newest first, with why.
std::string decisions_json(const ControlPlane& plane);

// GET /api/v1/decision?client=...: where that client would go now, and why.
std::string explanation_json(const SteeringExplanation& explanation);

// GET /api/v1/counters: every counter by name (drop reasons, reply kinds, DNS response codes,
// redirects per member, health).
std::string counters_json(const ControlPlane& plane);

// GET /api/v1/rates: the dashboard's chart data, oldest first.
std::string rates_json(const ControlPlane& plane);

// What a steering reason means, in words ("its hash owner was at capacity").
std::string_view describe(health::PickReason reason) noexcept;

// "2024-05-01T12:00:00.250Z".
std::string rfc3339(std::chrono::system_clock::time_point t);

// A steady-clock time point (MemberStatus::since) on the wall clock, as of now.
std::chrono::system_clock::time_point to_wall_clock(TimePoint t);

}  // namespace ikesteer::frontend::http
