#include "frontend/packet/ike_handler.hpp"

#include <algorithm>

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
  o.invalid_spi_reply = c.ike.invalid_spi_reply;
  o.cookies_enabled = c.cookies.enabled;
  o.cookie_threshold = c.cookies.threshold;
  return o;
}

}  // namespace

IkeHandler::IkeHandler(unsigned threads, SharedState& shared)
    : IkeHandler(threads, shared, shared.generation(), shared.current()) {}

IkeHandler::IkeHandler(unsigned threads, SharedState& shared, std::uint64_t generation,
                       const Published& published)
    : threads_(threads),
      shared_(shared),
      seen_generation_(generation),
      config_(published.config),
      steering_(std::make_unique<MemberSteering>(config_, published.cluster, threads)),
      cookies_(shared.cookie_master(), std::chrono::seconds(config_->cookies.secret_lifetime)),
      limiter_(limiter_options(*config_, shared.hash_seed())),
      responder_(std::make_unique<redirect::Responder>(responder_options(*config_), *steering_,
                                                       cookies_, limiter_)),
      redirects_per_member_(config_->members.size()) {}

IkeCounters IkeHandler::counters() const {
  std::lock_guard lock(published_mutex_);
  return published_;
}

void IkeHandler::publish() {
  std::lock_guard lock(published_mutex_);
  published_.responder = responder_->counters();
  published_.redirects_per_member = redirects_per_member_;
  published_.recent.assign(recent_.begin(), recent_.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                                  recent_next_, recent_.size())));
  published_.config = config_;
}

void IkeHandler::refresh_config() {
  const std::shared_ptr<const Config> previous = config_;
  seen_generation_ = shared_.generation();
  const Published published = shared_.current();
  config_ = published.config;
  // The old steering keeps serving until the responder points at the new one.
  auto steering =
      std::make_unique<MemberSteering>(config_, published.cluster, threads_, steering_.get());
  responder_->set_selector(*steering);
  responder_->set_options(responder_options(*config_));
  if (config_->rate_limit != previous->rate_limit)
    limiter_ = PrefixRateLimiter(limiter_options(*config_, shared_.hash_seed()));
  steering_ = std::move(steering);
  if (config_ != previous) {
    redirects_per_member_.assign(config_->members.size(), 0);
    keep_recent(*previous);
  }
}

// The recent decisions index the previous member list: follow each member by name into the new
// one, and forget those whose member is gone.
void IkeHandler::keep_recent(const Config& previous) {
  std::array<DecisionRecord, kRecent> kept{};
  std::size_t count = 0;
  for (std::size_t i = 0; i < std::min(recent_next_, kRecent); ++i) {
    DecisionRecord r = recent_[(recent_next_ - 1 - i) % kRecent];  // newest first
    const auto& members = config_->members;
    const auto it = std::find_if(members.begin(), members.end(), [&](const MemberConfig& m) {
      return m.name == previous.members[r.member].name;
    });
    if (it == members.end()) continue;
    r.member = static_cast<std::uint32_t>(it - members.begin());
    kept[count++] = r;
  }
  std::reverse(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(count));  // oldest first
  recent_ = kept;
  recent_next_ = count;
}

std::span<const std::byte> IkeHandler::handle(std::span<const std::byte> payload,
                                              const SocketAddress& peer, bool nat_port,
                                              TimePoint now, std::span<std::byte> out) noexcept {
  if (shared_.generation() != seen_generation_) refresh_config();
  const redirect::Datagram d{payload, peer.address(), nat_port};
  const redirect::Verdict v = responder_->handle(d, now, out);
  if (v.reply && v.kind == redirect::ReplyKind::Redirect) {
    if (const auto& decision = steering_->last_decision()) {
      ++redirects_per_member_[decision->member];
      recent_[recent_next_++ % kRecent] = {
          now, d.source, static_cast<std::uint32_t>(decision->member), decision->reason};
    }
  }
  if (log_enabled(LogLevel::Debug)) log_decision(d, v);
  return v.reply ? v.bytes : std::span<const std::byte>();
}

void IkeHandler::log_decision(const redirect::Datagram& d, const redirect::Verdict& v) {
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
