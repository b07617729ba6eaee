// A libuv timer owned like a value: start() replaces any pending shot, destruction cancels it
// (the handle itself is freed by the loop once closed, so the owner may go at any time).
#pragma once

#include <uv.h>

#include <functional>

#include "common/clock.hpp"
#include "frontend/os/uv_handle.hpp"

namespace ikesteer::frontend {

class UvTimer {
 public:
  explicit UvTimer(uv_loop_t* loop);
  UvTimer(const UvTimer&) = delete;
  UvTimer& operator=(const UvTimer&) = delete;

  // Calls `fire` once after `delay` (or every `repeat`, when non-zero) on the loop thread.
  void start(Duration delay, std::function<void()> fire, Duration repeat = {});
  void stop();

 private:
  using Handle = UvHandle<uv_timer_t, UvTimer>;

  Handle timer_;
  std::function<void()> fire_;
};

}  // namespace ikesteer::frontend
