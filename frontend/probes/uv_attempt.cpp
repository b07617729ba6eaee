#include "frontend/probes/uv_attempt.hpp"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <utility>

namespace ikesteer::frontend {

AttemptSlot::~AttemptSlot() {
  if (attempt_) attempt_->abandon();
}

UvAttempt::UvAttempt(uv_loop_t* loop, Duration timeout, ProbeCallback done, AttemptSlot& slot)
    : done_(std::move(done)), slot_(&slot) {
  assert(!slot.busy() && "Probe::run() called again before its callback");
  slot.attempt_ = this;
  uv_timer_init(loop, &timer_);
  own(reinterpret_cast<uv_handle_t*>(&timer_));
  // The loop's cached time can be a while old: measure the timeout from now, as the latency is.
  uv_update_time(loop);
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
  uv_timer_start(
      &timer_, [](uv_timer_t* t) { from<UvAttempt>(t)->finish(false, "timeout"); },
      static_cast<std::uint64_t>(std::max<decltype(ms)>(ms, 0)), 0);
}

void UvAttempt::own(uv_handle_t* handle) noexcept {
  assert(handle_count_ < kMaxHandles);
  handle->data = this;
  handles_[handle_count_++] = handle;
  ++open_;
  if (finished_) uv_close(handle, on_closed);
}

void UvAttempt::finish(bool ok, std::string detail) {
  if (finished_) return;
  finished_ = true;
  result_ = ProbeResult{.ok = ok, .latency = Clock::now() - start_, .detail = std::move(detail)};
  close_all();
}

void UvAttempt::abandon() noexcept {
  slot_ = nullptr;
  done_ = nullptr;
  if (finished_) return;  // already closing
  finished_ = true;
  close_all();
}

void UvAttempt::close_all() noexcept {
  for (std::size_t i = 0; i < handle_count_; ++i) uv_close(handles_[i], on_closed);
}

void UvAttempt::on_closed(uv_handle_t* handle) noexcept {
  UvAttempt* self = from<UvAttempt>(handle);
  if (--self->open_ > 0) return;
  ProbeCallback done = std::move(self->done_);
  ProbeResult result = std::move(self->result_);
  if (self->slot_) self->slot_->attempt_ = nullptr;
  delete self;
  // Last: the callback may destroy the probe or start its next attempt.
  if (done) done(std::move(result));
}

}  // namespace ikesteer::frontend
