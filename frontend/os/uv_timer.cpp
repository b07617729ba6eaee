#include "frontend/os/uv_timer.hpp"

#include <chrono>

namespace ikesteer::frontend {
namespace {

std::uint64_t to_ms(Duration d) {
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
  return ms > 0 ? static_cast<std::uint64_t>(ms) : 0;
}

}  // namespace

UvTimer::UvTimer(uv_loop_t* loop) : handle_(new Handle) {
  uv_timer_init(loop, &handle_->timer);
  handle_->timer.data = handle_;
}

UvTimer::~UvTimer() {
  uv_timer_stop(&handle_->timer);
  handle_->fire = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_->timer),
           [](uv_handle_t* h) { delete static_cast<Handle*>(h->data); });
}

void UvTimer::start(Duration delay, std::function<void()> fire, Duration repeat) {
  handle_->fire = std::move(fire);
  uv_timer_start(
      &handle_->timer,
      [](uv_timer_t* t) {
        // Copy first: the callback may restart or destroy this timer.
        auto callback = static_cast<Handle*>(t->data)->fire;
        if (callback) callback();
      },
      to_ms(delay), to_ms(repeat));
}

void UvTimer::stop() {
  uv_timer_stop(&handle_->timer);
}

}  // namespace ikesteer::frontend
