// A libuv timer owned like a value: start() replaces any pending shot, destruction cancels it
// (the handle itself is freed by the loop once closed, so the owner may go at any time).
#pragma once

#include <uv.h>

#include <functional>

#include "common/clock.hpp"

namespace ikesteer::frontend {

class UvTimer {
 public:
  explicit UvTimer(uv_loop_t* loop);
  ~UvTimer();
  UvTimer(const UvTimer&) = delete;
  UvTimer& operator=(const UvTimer&) = delete;

  // Calls `fire` once after `delay` (or every `repeat`, when non-zero) on the loop thread.
  void start(Duration delay, std::function<void()> fire, Duration repeat = {});
  void stop();

 private:
  struct Handle {
    uv_timer_t timer{};
    std::function<void()> fire;
  };
  Handle* handle_;
};

}  // namespace ikesteer::frontend
