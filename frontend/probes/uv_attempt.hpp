// One probe attempt on a libuv loop: its handles, its timeout and its callback. libuv needs a
// handle's memory until the handle's close callback has run, which can be after the probe that
// started the attempt is gone, so an attempt owns itself: it frees itself after its last close
// callback and only then calls back. That also makes every callback asynchronous, as the Probe
// contract (probe.hpp) requires.
#pragma once

#include <uv.h>

#include <array>
#include <cstddef>
#include <string>

#include "common/clock.hpp"
#include "frontend/probes/probe.hpp"

namespace ikesteer::frontend {

class UvAttempt;

// A probe's link to its attempt in flight: destroying it abandons the attempt (no callback).
class AttemptSlot {
 public:
  AttemptSlot() = default;
  AttemptSlot(const AttemptSlot&) = delete;
  AttemptSlot& operator=(const AttemptSlot&) = delete;
  ~AttemptSlot();

  bool busy() const noexcept { return attempt_ != nullptr; }

 private:
  friend class UvAttempt;
  UvAttempt* attempt_ = nullptr;
};

class UvAttempt {
 public:
  UvAttempt(const UvAttempt&) = delete;
  UvAttempt& operator=(const UvAttempt&) = delete;

 protected:
  // Occupies `slot` and starts the timeout; a derived class then starts its I/O and calls
  // finish() once with the outcome.
  UvAttempt(uv_loop_t* loop, Duration timeout, ProbeCallback done, AttemptSlot& slot);
  virtual ~UvAttempt() = default;

  // Takes an initialised handle into the attempt (sets its data to this): it is closed when the
  // attempt ends. At most kMaxHandles - 1 besides the timer.
  void own(uv_handle_t* handle) noexcept;
  // Ends the attempt: the first call decides the result; the handles are closed and the
  // callback runs after the last one has.
  void finish(bool ok, std::string detail);
  bool finished() const noexcept { return finished_; }
  uv_loop_t* loop() const noexcept { return timer_.loop; }

  // The attempt a handle or request belongs to.
  template <class Derived, class Handle>
  static Derived* from(Handle* h) noexcept {
    return static_cast<Derived*>(static_cast<UvAttempt*>(h->data));
  }

 private:
  friend class AttemptSlot;
  static constexpr std::size_t kMaxHandles = 3;

  void abandon() noexcept;
  void close_all() noexcept;
  static void on_closed(uv_handle_t* handle) noexcept;

  uv_timer_t timer_{};
  std::array<uv_handle_t*, kMaxHandles> handles_{};
  std::size_t handle_count_ = 0;
  std::size_t open_ = 0;
  bool finished_ = false;
  TimePoint start_ = Clock::now();
  ProbeResult result_;
  ProbeCallback done_;
  AttemptSlot* slot_;
};

}  // namespace ikesteer::frontend
