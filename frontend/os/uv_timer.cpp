#include "frontend/os/uv_timer.hpp"

#include <chrono>

namespace ikesteer::frontend {
namespace {

std::uint64_t to_ms(Duration d) {
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
  return ms > 0 ? static_cast<std::uint64_t>(ms) : 0;
}

}  // namespace

UvTimer::UvTimer(uv_loop_t* loop) {
  timer_.init(loop, *this, uv_timer_init);
}

void UvTimer::start(Duration delay, std::function<void()> fire, Duration repeat) {
  fire_ = std::move(fire);
  uv_timer_start(
      timer_.get(),
      [](uv_timer_t* t) {
        // Copy first: the callback may restart or destroy this timer.
        auto callback = Handle::context(t).fire_;
        if (callback) callback();
      },
      to_ms(delay), to_ms(repeat));
}

void UvTimer::stop() {
  uv_timer_stop(timer_.get());
}

}  // namespace ikesteer::frontend
