// The kinds of check the health monitor runs on a member. Their text is what operators see: the
// API's and dashboard's "check" fields, the metrics' check label, the log and member reasons.
#pragma once

#include <cstdint>
#include <string_view>

#include "frontend/config/config.hpp"

namespace ikesteer::frontend {

#define IKESTEER_CHECK_KINDS(X)                                  \
  X(Resolve, "resolve") /* the member's host name resolves */    \
  X(Ike, "ike")         /* the probes, one kind per ProbeType */ \
  X(Tcp, "tcp")                                                  \
  X(Http, "http")                                                \
  X(Https, "https")                                              \
  X(Exec, "exec")                                                \
  X(Agent, "agent") /* a valid agent report within agent_max_age */

#define IKESTEER_ENUM_ENTRY(name, text) name,
enum class CheckKind : std::uint8_t { IKESTEER_CHECK_KINDS(IKESTEER_ENUM_ENTRY) };
#undef IKESTEER_ENUM_ENTRY

std::string_view to_string(CheckKind k) noexcept;

// The check that runs a probe of this type.
CheckKind check_kind(ProbeType type) noexcept;

}  // namespace ikesteer::frontend
