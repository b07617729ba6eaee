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
  o.over_budget = c.sessions.over_budget;
  return o;
}

// The loop's own selector, sharing ownership with the rest of its handover.
std::shared_ptr<health::PoolSelector> selector_of(const Published& p, unsigned loop) noexcept {
  const std::shared_ptr<IkeLoopHandover>& handover = (*p.ike_loops)[loop];
  return {handover, &handover->selector};
}

}  // namespace

IkeHandler::IkeHandler(unsigned loop, SharedState& shared)
    : IkeHandler(loop, shared, shared.generation(), shared.current()) {}

IkeHandler::IkeHandler(unsigned loop, SharedState& shared, std::uint64_t generation,
                       const Published& published)
    : loop_(loop),
      shared_(shared),
      seen_generation_(generation),
      config_(published.config),
      steering_(published.steering, selector_of(published, loop)),
      cookies_(shared.cookie_master(), std::chrono::seconds(config_->cookies.secret_lifetime)),
      limiter_(limiter_options(*config_, shared.hash_seed())),
      responder_(responder_options(*config_), steering_, cookies_, limiter_,
                 shared.new_ike_sa_budget()),
      redirects_per_member_(config_->members.size()),
      spills_(SteeringWhy::spill_slots(published.steering->pools().size())) {}

IkeCounters IkeHandler::counters() const {
  std::lock_guard lock(published_mutex_);
  return published_;
}

void IkeHandler::publish() {
  std::lock_guard lock(published_mutex_);
  published_.responder = responder_.counters();
  published_.redirects_per_member = redirects_per_member_;
  published_.spills = spills_;
  published_.recent.assign(recent_.begin(), recent_.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                                  recent_next_, recent_.size())));
  published_.config = config_;
  published_.plan = steering_.shared_plan();
  published_.selector = std::make_shared<const health::PoolSelector>(steering_.selector());
}

// Switches to what the publisher built; nothing here allocates or throws (the previous
// selector and counts are freed).
void IkeHandler::refresh_config() noexcept {
  const std::shared_ptr<const Config> previous = config_;
  const std::shared_ptr<const SteeringPlan> previous_plan = steering_.shared_plan();
  seen_generation_ = shared_.generation();
  const Published published = shared_.current();
  config_ = published.config;
  steering_.take_over(published.steering, selector_of(published, loop_));
  responder_.set_options(responder_options(*config_));
  if (config_->rate_limit != previous->rate_limit)
    limiter_.reconfigure(limiter_options(*config_, shared_.hash_seed()));
  if (config_ != previous) {
    redirects_per_member_.swap((*published.ike_loops)[loop_]->redirects_per_member);
    spills_.swap((*published.ike_loops)[loop_]->spills);
    keep_recent(*previous, *previous_plan);
  }
}

// The recent decisions index the previous member and pool lists: follow each member and pool
// by name into the new ones, and forget decisions whose member is gone.
void IkeHandler::keep_recent(const Config& previous, const SteeringPlan& previous_plan) noexcept {
  const std::vector<std::string>& pools = steering_.plan().pools();
  auto pool_now = [&](std::uint16_t before) {
    if (before >= previous_plan.pools().size()) return health::kNoPool;
    const auto it = std::find(pools.begin(), pools.end(), previous_plan.pools()[before]);
    return it == pools.end() ? health::kNoPool : static_cast<std::uint16_t>(it - pools.begin());
  };
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
    r.why.pool = pool_now(r.why.pool);
    r.why.first_pool = pool_now(r.why.first_pool);
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
  const redirect::Verdict v = responder_.handle(d, now, out);
  if (v.reply && v.kind == redirect::ReplyKind::Redirect) {
    ++redirects_per_member_[v.member];
    const SteeringWhy why = SteeringWhy::unpack(v.why);
    if (why.spilled() && why.spill_slot() < spills_.size()) ++spills_[why.spill_slot()];
    recent_[recent_next_++ % kRecent] = {now, d.source, v.member, why};
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
  if (v.kind == redirect::ReplyKind::Redirect) {
    const SteeringWhy why = SteeringWhy::unpack(v.why);
    const SteeringPlan& plan = steering_.plan();
    log(LogLevel::Debug, "ike", "redirected",
        {{"client", client},
         {"member", config_->members[v.member].name},
         {"gateway", describe(plan.identity(v.member, d.source.family()))},
         {"why", health::to_string(why.reason)},
         {"pool", plan.pools()[why.pool]},
         {"spilled_from", why.spilled() ? plan.pools()[why.first_pool] : std::string("-")}});
    return;
  }
  log(LogLevel::Debug, "ike", "answered",
      {{"client", client}, {"reply", redirect::to_string(v.kind)}});
}

}  // namespace ikesteer::frontend
