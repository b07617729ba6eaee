#include "frontend/cluster/check_kind.hpp"

#include <iterator>

namespace ikesteer::frontend {
namespace {

#define IKESTEER_NAME_ENTRY(name, text) text,
constexpr std::string_view kCheckNames[] = {IKESTEER_CHECK_KINDS(IKESTEER_NAME_ENTRY)};
#undef IKESTEER_NAME_ENTRY

}  // namespace

std::string_view to_string(CheckKind k) noexcept {
  const auto i = static_cast<std::size_t>(k);
  return i < std::size(kCheckNames) ? kCheckNames[i] : "unknown";
}

CheckKind check_kind(ProbeType type) noexcept {
  switch (type) {
    case ProbeType::Ike:
      return CheckKind::Ike;
    case ProbeType::Tcp:
      return CheckKind::Tcp;
    case ProbeType::Http:
      return CheckKind::Http;
    case ProbeType::Https:
      return CheckKind::Https;
    case ProbeType::Exec:
      return CheckKind::Exec;
  }
  return CheckKind::Exec;  // not reached: every ProbeType is handled above
}

}  // namespace ikesteer::frontend
