// Failover: who holds each movable address. A pure state machine: update() is fed the member
// states and returns the actions to start (release, claim, verify); the front end carries
// them out and reports each outcome to completed(), which returns the follow-ups.
//
// Never two holders: a claim follows only a successful release by the previous holder, or the
// end of `fencing` after its release failed (a holder that cannot be told to let go is assumed
// to have lost the address by then; the claim starts on the first update() at or after that).
// If the release fails on a holder that is healthy (a failback), the holder keeps the address
// instead, as it surely still has it, and the move is retried `retry` later.
//
// A member must give up its addresses when it is down or in maintenance; draining members
// keep theirs. While any member is unknown (at start, until probes decide), update() moves
// nothing. Where an address goes (its target) depends on its mode:
//   adopt         the front end itself
//   member        the named survivor if up, else the least-loaded up member
//   least-loaded  the up member with the lowest load, ties to the lowest index
//   none          nothing ever moves
// Without a target the address is stranded: it stays where it is (or nowhere, after a failed
// claim), and update() tries again `retry` later. A holder that later fails passes the address
// on the same way. Failback: an address away from home goes back when home has been up for
// `failback_hold` (auto_failback), or on fail_back(); release from the holder, claim at home.
// When the holder is a member, its clients on the address are moved off it first (a
// MoveSessions, phase Emptying), so that the release cuts none of them; the release follows
// when the move completed, whether or not every session left (status().sessions_moved says
// which). A target that may no longer take the address when its claim is due is chosen anew.
// Every claim is followed by a verify, whose outcome is only recorded.
//
// Actions of one address run one at a time: update() starts nothing for an address with an
// action in flight. The one exception is a MoveSessions, which changes no holder: when its
// holder must give up the address, or home may no longer take it, update() abandons it (its
// id is then in take_abandoned(), its completion ignored) and carries on as if it had not
// started.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/ip_address.hpp"
#include "health/member_state.hpp"

namespace ikesteer::health {

using Holder = std::size_t;                        // a member index, or:
inline constexpr Holder kFrontend = SIZE_MAX - 1;  // the front end itself (adopt)
inline constexpr Holder kNobody = SIZE_MAX;        // released, not claimed (yet)

enum class FailoverMode : std::uint8_t { None, Adopt, LeastLoaded, Member };

struct FailoverAddress {
  IpAddress address;
  Holder home;  // the member it belongs to
  FailoverMode mode;
  Holder survivor = kNobody;  // Member mode: the member that takes it
};

struct PlannerOptions {
  Duration fencing = std::chrono::seconds(5);
  bool auto_failback = true;
  Duration failback_hold = std::chrono::seconds(10);
  Duration retry = std::chrono::seconds(2);
  std::vector<std::string> member_names{};  // for reasons; a member without one is "member <i>"
};

struct MemberSnapshot {
  MemberState state;
  double load = 0;  // reported load 0..1; NaN (unknown) counts as 0.5
};

enum class ActionKind : std::uint8_t { Release, Claim, Verify, MoveSessions };

struct FailoverAction {
  std::uint64_t id;  // unique, from 1; pass it to completed()
  ActionKind kind;
  std::size_t address;  // index into addresses()
  Holder holder;        // who releases, claims, is verified or has its sessions moved
  std::string reason;   // "m1 down", "failback: m1 up for 10 s", ...
};

class FailoverPlanner {
 public:
  enum class Phase : std::uint8_t {
    Home,       // at home, nothing in flight
    Releasing,  // release by `owner` in flight
    Fencing,    // that release failed; claiming at the end of fencing
    Claiming,   // claim by `target` in flight (owner: nobody)
    Verifying,  // claimed; verify by `owner` in flight
    Away,       // held away from home, nothing in flight
    Stranded,   // must move: no target (owner unchanged) or the claim failed (owner: nobody)
    Emptying,   // failback: `owner` moving its sessions on the address away, release next
  };

  struct AddressStatus {
    Holder owner;  // who holds it as far as the planner knows
    Phase phase;
    Holder target;                       // where it is going (kNobody when not moving)
    TimePoint since;                     // when the phase began (TimePoint{} at construction)
    std::optional<bool> verified;        // the last claim's verify outcome
    std::optional<bool> sessions_moved;  // the last failback's session move: all gone or not
    std::string reason;                  // why it is in this phase, in words
  };

  // initial_owners: empty (every address at home) or one holder per address, to resume after
  // a restart; an owner other than home starts Away, kNobody starts Stranded (claimed on the
  // first update() that may move).
  FailoverPlanner(std::vector<FailoverAddress> addresses, PlannerOptions options,
                  std::vector<Holder> initial_owners = {});

  // Feeds the current member states (index = member). Returns the actions to start now.
  std::vector<FailoverAction> update(std::span<const MemberSnapshot> members, TimePoint now);

  // An action finished. Returns the follow-ups (release after moving sessions, claim after
  // release, verify after claim). Unknown and abandoned ids are ignored.
  std::vector<FailoverAction> completed(std::uint64_t id, bool ok, TimePoint now);

  // Operator: moves this member's addresses back home now, in auto mode too. Skips addresses
  // with an action in flight or fencing, and all of them while the member is down or in
  // maintenance (as of the last update()).
  std::vector<FailoverAction> fail_back(Holder member, TimePoint now);

  // The MoveSessions actions given up since the last call (see above): stop them.
  std::vector<std::uint64_t> take_abandoned();

  const AddressStatus& status(std::size_t address) const { return slots_[address].status; }
  const std::vector<FailoverAddress>& addresses() const { return addresses_; }

 private:
  struct Slot {
    AddressStatus status;
    std::uint64_t in_flight = 0;  // action id; 0 = none
    ActionKind in_flight_kind = ActionKind::Release;
    TimePoint wait_until{};  // fencing: its end; otherwise no retry before this
    std::string cause;       // what started the current move: "m1 down"
  };

  void step(std::size_t a, TimePoint now, std::vector<FailoverAction>& out);
  void release(std::size_t a, Holder target, std::string cause, TimePoint now,
               std::vector<FailoverAction>& out);
  void go_home(std::size_t a, std::string cause, TimePoint now, std::vector<FailoverAction>& out);
  bool abandon_emptying(std::size_t a, TimePoint now);
  Holder failback_blocked_by(std::size_t a) const;
  std::string state_words(Holder h) const;
  void claim(std::size_t a, Holder preferred, std::string reason, TimePoint now,
             std::vector<FailoverAction>& out);
  void strand(std::size_t a, std::string reason, TimePoint now);
  void settle(std::size_t a, std::string reason, TimePoint now);
  void enter(std::size_t a, Phase phase, TimePoint now);
  void start(std::size_t a, ActionKind kind, Holder holder, std::string reason,
             std::vector<FailoverAction>& out);

  MemberState state_of(Holder h) const;
  bool must_give_up(Holder h) const;
  bool failback_due(std::size_t a, TimePoint now) const;
  Holder choose_target(const FailoverAddress& address) const;
  std::string name(Holder h) const;

  std::vector<FailoverAddress> addresses_;
  PlannerOptions options_;
  std::vector<Slot> slots_;
  std::vector<MemberSnapshot> members_;             // as of the last update()
  std::vector<std::optional<TimePoint>> up_since_;  // per member: up continuously since
  std::uint64_t next_id_ = 1;
  std::vector<std::uint64_t> abandoned_;
};

}  // namespace ikesteer::health
