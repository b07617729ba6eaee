#include "frontend/packet/udp_worker.hpp"

#include <stdexcept>
#include <string>

#include "common/log.hpp"

namespace ikesteer::frontend {
namespace {

void check_uv(int rc, const char* what) {
  if (rc != 0) throw std::runtime_error(std::string(what) + ": " + uv_strerror(rc));
}

}  // namespace

UdpWorker::UdpWorker(unsigned id, std::vector<UdpListener> listeners)
    : id_(id), listeners_(std::move(listeners)) {
  check_uv(uv_loop_init(&loop_), "uv_loop_init");
  loop_.data = this;
  check_uv(uv_async_init(&loop_, &stop_async_,
                         [](uv_async_t* a) {
                           auto* self = static_cast<UdpWorker*>(a->loop->data);
                           for (auto& p : self->polls_)
                             uv_close(reinterpret_cast<uv_handle_t*>(&p->handle), nullptr);
                           uv_close(reinterpret_cast<uv_handle_t*>(&self->publish_timer_), nullptr);
                           uv_close(reinterpret_cast<uv_handle_t*>(a), nullptr);
                         }),
           "uv_async_init");
  check_uv(uv_timer_init(&loop_, &publish_timer_), "uv_timer_init");
  for (UdpListener& l : listeners_) {
    auto poll = std::make_unique<Poll>();
    poll->worker = this;
    poll->listener = &l;
    check_uv(uv_poll_init(&loop_, &poll->handle, l.socket.fd()), "uv_poll_init");
    poll->handle.data = poll.get();
    polls_.push_back(std::move(poll));
  }
}

UdpWorker::~UdpWorker() {
  stop();
  uv_loop_close(&loop_);
}

void UdpWorker::start() {
  for (auto& p : polls_)
    check_uv(uv_poll_start(&p->handle, UV_READABLE,
                           [](uv_poll_t* h, int status, int) {
                             auto* poll = static_cast<Poll*>(h->data);
                             if (status == 0) poll->worker->on_readable(*poll->listener);
                           }),
             "uv_poll_start");
  check_uv(
      uv_timer_start(
          &publish_timer_, [](uv_timer_t* t) { static_cast<UdpWorker*>(t->loop->data)->publish(); },
          1000, 1000),
      "uv_timer_start");
  thread_ = std::thread([this] { run(); });
}

void UdpWorker::stop() {
  if (!thread_.joinable()) return;
  uv_async_send(&stop_async_);
  thread_.join();
}

void UdpWorker::run() {
  log(LogLevel::Debug, "udp", "event loop started",
      {{"loop", std::to_string(id_)}, {"sockets", std::to_string(listeners_.size())}});
  uv_run(&loop_, UV_RUN_DEFAULT);
  publish();
}

UdpTransportCounters UdpWorker::counters() const {
  std::lock_guard lock(published_mutex_);
  return published_;
}

void UdpWorker::publish() {
  for (UdpListener& l : listeners_) l.handler->publish();
  std::lock_guard lock(published_mutex_);
  published_ = counters_;
}

void UdpWorker::on_readable(UdpListener& listener) {
  // A few batches per wake-up, then back to the loop so other sockets get their turn.
  for (int round = 0; round < 8; ++round)
    if (batch_.serve(listener, MSG_DONTWAIT, counters_) < static_cast<int>(DatagramBatch::kSize))
      return;
}

}  // namespace ikesteer::frontend
