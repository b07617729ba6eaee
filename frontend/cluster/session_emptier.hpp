// What the failover executor asks of the session mover before an address goes home: move the
// sessions its holder serves on it to other members, and say when that is over.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "frontend/cluster/session_move.hpp"

namespace ikesteer::frontend {

class SessionEmptier {
 public:
  // ok: a list showed no session left on the address. Not ok: the member's agent takes no
  // commands, the bound passed, some could not be moved, or the job was stopped. detail says
  // which. May be called before empty_address() returns.
  using Done = std::function<void(bool ok, const std::string& detail)>;

  virtual ~SessionEmptier() = default;
  // `id` names the request for cancel().
  virtual void empty_address(std::uint64_t id, const std::string& member, FailbackScope scope,
                             Done done) = 0;
  // Stops the request without calling its Done (the failback was abandoned).
  virtual void cancel(std::uint64_t id, const std::string& reason) = 0;
};

}  // namespace ikesteer::frontend
