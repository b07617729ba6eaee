// GET /metrics: the Prometheus text exposition format, version 0.0.4. Every family has HELP and
// TYPE lines, counters end in _total, label values are escaped, and no series appears twice.
#pragma once

#include <string>
#include <string_view>

#include "frontend/operator/control_plane.hpp"

namespace ikesteer::frontend::http {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string metrics_text(const ControlPlane& plane, std::string_view version);

// A label value as the format wants it: backslash, double quote and line feed escaped.
std::string escape_label_value(std::string_view value);

// A sample value: the shortest text that reads back as the same double; NaN, +Inf, -Inf.
std::string format_sample(double value);

}  // namespace ikesteer::frontend::http
