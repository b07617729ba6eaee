// Carries out the failover planner's actions: claiming (adding) or releasing (removing) a
// steered address, on the front end itself (builtin: netlink, then announcements) or on a
// member (the exec hook).
//
// The hook contract. A claim or release on a member runs the configured `failover.hook` argv
// directly (never through a shell) with our environment plus:
//   IKESTEER_ACTION     "claim" or "release"
//   IKESTEER_ADDRESS    the address, e.g. "198.51.100.11" or "2001:db8::11"
//   IKESTEER_PREFIX     its prefix length (failover.ipv4_prefix or ipv6_prefix), e.g. "24"
//   IKESTEER_MEMBER     the member that is to hold, or to give up, the address
//   IKESTEER_INTERFACE  failover.interface as configured (may be empty)
// and in cluster mode (a [cluster] table) the claim's fencing token, so that a hook can refuse
// a leader that was replaced (keep the highest revision seen per address, refuse lower ones):
//   IKESTEER_INSTANCE, IKESTEER_FENCING_LEASE, IKESTEER_FENCING_REVISION
// Exit status 0 means done. Any other status, death by a signal, or running longer than
// failover.hook_timeout means failed; on timeout the hook's whole process group is killed
// (SIGKILL). A failed release makes the front end wait failover.fencing seconds before the
// address is claimed elsewhere. Standard output and error (the first 4 KiB, together) are
// recorded with the outcome. Hooks must be idempotent: claiming an address the member already
// has, or releasing one it does not have, must succeed, since an action may be repeated. The
// values arrive verbatim; a hook that hands them to a shell must quote them.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/ip_address.hpp"
#include "frontend/actions/fencing_token.hpp"

namespace ikesteer::frontend {

struct MoverOptions {
  std::string interface;          // where the front end adds addresses it adopts
  std::vector<std::string> hook;  // argv; empty: member-side actions fail
  Duration hook_timeout = std::chrono::seconds(5);
  unsigned announce_count = 3;  // gratuitous ARPs / unsolicited NAs after a builtin claim
  Duration announce_interval = std::chrono::milliseconds(200);
  // Cluster mode: is a token still the acting leader's? A builtin claim with one that is not
  // is refused. Unset: every token is.
  std::function<bool(const FencingToken&)> current_token;
};

struct MoveRequest {
  bool claim = false;  // false: release
  IpAddress address;
  unsigned prefix = 0;
  bool on_frontend = false;             // builtin on this host, else the hook for `member`
  std::string member;                   // the holder's name; "" for the front end
  std::optional<FencingToken> fencing;  // cluster mode: the leader's token
};

struct MoveOutcome {
  bool ok = false;
  std::string detail;  // what was done, or why it failed
  Duration elapsed{};
};

using MoveCallback = std::function<void(MoveOutcome)>;

class AddressMover {
 public:
  AddressMover(uv_loop_t* loop, MoverOptions options);
  // Requests in flight are abandoned: hooks killed, callbacks never made.
  ~AddressMover();
  AddressMover(const AddressMover&) = delete;
  AddressMover& operator=(const AddressMover&) = delete;

  // Starts one action; several may run at once. `done` is called once, later (never from
  // inside run()), on the loop thread. A builtin claim reports once the address is added and
  // the first announcement sent; the others follow every announce_interval.
  void run(MoveRequest request, MoveCallback done);

  struct Job;  // one request in flight; defined in the .cpp

 private:
  void on_deferred(Job& job);
  void builtin(Job& job);
  void start_hook(Job& job);

  uv_loop_t* loop_;
  MoverOptions options_;
  std::vector<Job*> jobs_;  // owned; each freed when its timer is closed
};

}  // namespace ikesteer::frontend
