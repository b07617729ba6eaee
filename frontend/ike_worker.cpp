#include "frontend/ike_worker.hpp"

#include <cerrno>
#include <stdexcept>


namespace ikesteer::frontend {
namespace {

PrefixRateLimiterOptions limiter_options(const Config& c, std::uint64_t seed) {
  PrefixRateLimiterOptions o;
  o.rate = c.rate_limit.replies_per_second;
  o.burst = c.rate_limit.burst;
  o.v4_prefix = c.rate_limit.ipv4_prefix;
  o.v6_prefix = c.rate_limit.ipv6_prefix;
  o.seed = seed;
  return o;
}

redirect::ResponderOptions responder_options(const Config& c) {
  redirect::ResponderOptions o;
  o.unsupported_client = c.ike.unsupported_client;
  o.reply_invalid_syntax = c.ike.invalid_syntax_reply;
  o.cookies_enabled = c.cookies.enabled;
  o.cookie_threshold = c.cookies.threshold;
  return o;
}

void check_uv(int rc, const char* what) {
  if (rc != 0) throw std::runtime_error(std::string(what) + ": " + uv_strerror(rc));
}

}  // namespace

IkeWorker::IkeWorker(unsigned id, unsigned threads, std::vector<IkeListener> listeners,
                     IkeShared& shared)
    : id_(id),
      threads_(threads),
      listeners_(std::move(listeners)),
      shared_(shared),
      seen_generation_(shared.generation()),
      config_(shared.config()),
      steering_(std::make_unique<MemberSteering>(config_, threads)),
      cookies_(shared.cookie_master(), std::chrono::seconds(config_->cookies.secret_lifetime)),
      limiter_(limiter_options(*config_, shared.hash_seed())),
      responder_(std::make_unique<redirect::Responder>(responder_options(*config_), *steering_,
                                                       cookies_, limiter_)),
      redirects_per_member_(config_->members.size()),
      receive_buffers_(kBatch * kReceiveSize) {
  for (unsigned i = 0; i < kBatch; ++i) {
    receive_iovs_[i] = {receive_buffers_.data() + i * kReceiveSize, kReceiveSize};
    receive_msgs_[i].msg_hdr.msg_iov = &receive_iovs_[i];
    receive_msgs_[i].msg_hdr.msg_iovlen = 1;
    receive_msgs_[i].msg_hdr.msg_name = &peers_[i].storage;
    send_msgs_[i].msg_hdr.msg_iov = &send_iovs_[i];
    send_msgs_[i].msg_hdr.msg_iovlen = 1;
  }
  check_uv(uv_loop_init(&loop_), "uv_loop_init");
  loop_.data = this;
  check_uv(uv_async_init(&loop_, &stop_async_,
                         [](uv_async_t* a) {
                           auto* self = static_cast<IkeWorker*>(a->loop->data);
                           for (auto& p : self->polls_)
                             uv_close(reinterpret_cast<uv_handle_t*>(&p->handle), nullptr);
                           uv_close(reinterpret_cast<uv_handle_t*>(&self->publish_timer_), nullptr);
                           uv_close(reinterpret_cast<uv_handle_t*>(a), nullptr);
                         }),
           "uv_async_init");
  check_uv(uv_timer_init(&loop_, &publish_timer_), "uv_timer_init");
  for (IkeListener& l : listeners_) {
    auto poll = std::make_unique<Poll>();
    poll->worker = this;
    poll->listener = &l;
    check_uv(uv_poll_init(&loop_, &poll->handle, l.socket.fd()), "uv_poll_init");
    poll->handle.data = poll.get();
    polls_.push_back(std::move(poll));
  }
}

IkeWorker::~IkeWorker() {
  stop();
  uv_loop_close(&loop_);
}

void IkeWorker::start() {
  for (auto& p : polls_)
    check_uv(uv_poll_start(&p->handle, UV_READABLE,
                           [](uv_poll_t* h, int status, int) {
                             auto* poll = static_cast<Poll*>(h->data);
                             if (status == 0) poll->worker->on_readable(*poll->listener);
                           }),
             "uv_poll_start");
  check_uv(uv_timer_start(
               &publish_timer_,
               [](uv_timer_t* t) { static_cast<IkeWorker*>(t->loop->data)->publish_counters(); },
               1000, 1000),
           "uv_timer_start");
  thread_ = std::thread([this] { run(); });
}

void IkeWorker::stop() {
  if (!thread_.joinable()) return;
  uv_async_send(&stop_async_);
  thread_.join();
}

void IkeWorker::run() {
  log(LogLevel::Debug, "ike", "event loop started",
      {{"loop", std::to_string(id_)}, {"sockets", std::to_string(listeners_.size())}});
  uv_run(&loop_, UV_RUN_DEFAULT);
  publish_counters();
}

IkeWorkerCounters IkeWorker::counters() const {
  std::lock_guard lock(published_mutex_);
  return published_;
}

void IkeWorker::publish_counters() {
  std::lock_guard lock(published_mutex_);
  published_.responder = responder_->counters();
  published_.oversize = oversize_;
  published_.send_errors = send_errors_;
  published_.redirects_per_member = redirects_per_member_;
}

void IkeWorker::refresh_config() {
  const std::shared_ptr<const Config> previous = config_;
  config_ = shared_.config();
  seen_generation_ = shared_.generation();
  // The old steering keeps serving until the responder points at the new one.
  auto steering = std::make_unique<MemberSteering>(config_, threads_, steering_.get());
  responder_->set_selector(*steering);
  responder_->set_options(responder_options(*config_));
  if (config_->rate_limit != previous->rate_limit)
    limiter_ = PrefixRateLimiter(limiter_options(*config_, shared_.hash_seed()));
  steering_ = std::move(steering);
  redirects_per_member_.assign(config_->members.size(), 0);
}

void IkeWorker::on_readable(IkeListener& listener) {
  if (shared_.generation() != seen_generation_) refresh_config();
  const int fd = listener.socket.fd();
  // A few batches per wake-up, then back to the loop so other sockets get their turn.
  for (int round = 0; round < 8; ++round) {
    for (unsigned i = 0; i < kBatch; ++i)
      receive_msgs_[i].msg_hdr.msg_namelen = sizeof peers_[i].storage;
    const int n = ::recvmmsg(fd, receive_msgs_.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return;
    const TimePoint now = Clock::now();
    unsigned replies = 0;
    for (unsigned i = 0; i < static_cast<unsigned>(n); ++i) {
      const msghdr& h = receive_msgs_[i].msg_hdr;
      if (h.msg_flags & MSG_TRUNC) {
        ++oversize_;
        continue;
      }
      const redirect::Datagram d{
          std::span<const std::byte>(receive_buffers_.data() + i * kReceiveSize,
                                     receive_msgs_[i].msg_len),
          peers_[i].address(), listener.nat_port};
      const redirect::Verdict v = responder_->handle(d, now, reply_buffers_[replies]);
      if (v.reply && v.kind == redirect::ReplyKind::Redirect) {
        if (const auto& decision = steering_->last_decision())
          ++redirects_per_member_[decision->member];
      }
      if (log_enabled(LogLevel::Debug)) log_decision(d, v);
      if (!v.reply) continue;
      send_iovs_[replies] = {const_cast<std::byte*>(v.bytes.data()), v.bytes.size()};
      send_msgs_[replies].msg_hdr.msg_name = &peers_[i].storage;
      send_msgs_[replies].msg_hdr.msg_namelen = h.msg_namelen;
      ++replies;
    }
    for (unsigned sent = 0; sent < replies;) {
      const int m = ::sendmmsg(fd, send_msgs_.data() + sent, replies - sent, MSG_DONTWAIT);
      if (m < 0) {
        if (errno == EINTR) continue;
        // The first datagram failed (EAGAIN, or an ICMP error on an unconnected socket).
        ++send_errors_;
        ++sent;
        continue;
      }
      sent += static_cast<unsigned>(m);
    }
    if (static_cast<unsigned>(n) < kBatch) return;
  }
}

void IkeWorker::log_decision(const redirect::Datagram& d, const redirect::Verdict& v) {
  if (!log_limit_.allow(Clock::now())) return;
  const std::string client = d.source.to_string();
  if (!v.reply) {
    log(LogLevel::Debug, "ike", "dropped",
        {{"client", client}, {"reason", redirect::to_string(v.drop)}});
    return;
  }
  const auto& decision = steering_->last_decision();
  if (v.kind == redirect::ReplyKind::Redirect && decision) {
    const MemberConfig& m = config_->members[decision->member];
    log(LogLevel::Debug, "ike", "redirected",
        {{"client", client},
         {"member", m.name},
         {"gateway", describe(steering_->identity(decision->member, d.source.family()))},
         {"why", health::to_string(decision->reason)}});
    return;
  }
  log(LogLevel::Debug, "ike", "answered",
      {{"client", client}, {"reply", redirect::to_string(v.kind)}});
}

}  // namespace ikesteer::frontend
