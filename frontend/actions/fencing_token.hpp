// What a claim made in cluster mode carries (frontend/coordination/): the acting instance, its
// etcd lease, and the etcd revision at which it became leader. Revisions only grow, so a
// holder of an older token (a leader that was replaced) can be told apart and refused.
#pragma once

#include <cstdint>
#include <string>

namespace ikesteer::frontend {

struct FencingToken {
  std::string instance;
  std::int64_t lease = 0;
  std::int64_t revision = 0;  // of the leader key's creation: grows with every new leader
  bool operator==(const FencingToken&) const = default;
};

}  // namespace ikesteer::frontend
