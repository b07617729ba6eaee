#include "frontend/packet/dns_handler.hpp"

#include <array>

namespace ikesteer::frontend {

dns::ResponseRateLimiter::Options rate_limit_options(const Config& config, std::uint64_t seed) {
  dns::ResponseRateLimiter::Options o;
  o.responses_per_second = config.dns.rrl_responses_per_second;
  o.slip = config.dns.rrl_slip;
  o.ipv4_prefix = config.dns.rrl_ipv4_prefix;
  o.ipv6_prefix = config.dns.rrl_ipv6_prefix;
  o.seed = seed;
  return o;
}

dns::StickyChoice MemberStickyChooser::choose(std::uint32_t cluster,
                                              const IpAddress& client_or_subnet,
                                              unsigned prefix_bits) noexcept {
  // The client's pools as a redirect would try them, less those the name may not answer from.
  const health::Topology::Route route = plan_->route(client_or_subnet, prefix_bits);
  std::array<std::uint16_t, health::kMaxPools> order;
  std::size_t n = 0;
  for (const std::uint16_t pool : route.pools)
    if (plan_->answers_from(cluster, pool)) order[n++] = pool;
  // The same key as an IKE redirect of a client at that address, unless the subnet is wider.
  const IpAddress key = plan_->key(client_or_subnet.masked(prefix_bits));
  return {plan_->selector().owner(key.bytes(), std::span(order).first(n)), route.scope};
}

DnsAnswerer::DnsAnswerer(SharedState& shared)
    : shared_(shared),
      seen_generation_(shared.generation()),
      published_state_(shared.current()),
      chooser_(*published_state_.steering),
      random_(shared.hash_seed() | 1) {}

std::optional<dns::Verdict> DnsAnswerer::answer(std::span<const std::byte> query,
                                                const IpAddress& source, bool tcp,
                                                std::span<std::byte> out) noexcept {
  if (shared_.generation() != seen_generation_) {
    seen_generation_ = shared_.generation();
    published_state_ = shared_.current();
    chooser_.use(*published_state_.steering);
  }
  const dns::ZoneSnapshot* snapshot = published_state_.dns.get();
  if (!snapshot) return std::nullopt;
  random_ ^= random_ << 13;
  random_ ^= random_ >> 7;
  random_ ^= random_ << 17;
  const dns::Verdict v =
      authority_.answer(query, dns::QueryContext{source, tcp, random_}, *snapshot, chooser_, out);
  if (!v.reply) return std::nullopt;
  return v;
}

DnsHandler::DnsHandler(SharedState& shared)
    : shared_(shared),
      answerer_(shared),
      rate_limit_generation_(shared.generation()),
      limiter_(rate_limit_options(answerer_.config(), shared.hash_seed())) {}

std::span<const std::byte> DnsHandler::handle(std::span<const std::byte> payload,
                                              const SocketAddress& peer, bool, TimePoint now,
                                              std::span<std::byte> out) noexcept {
  const IpAddress source = peer.address();
  const auto v = answerer_.answer(payload, source, false, out);
  if (!v) return {};
  if (rate_limit_generation_ != shared_.generation()) {
    // A reload may change the budget; the buckets start afresh then (not on member changes).
    rate_limit_generation_ = shared_.generation();
    const auto options = rate_limit_options(answerer_.config(), shared_.hash_seed());
    if (options != limiter_.options()) limiter_.reconfigure(options);
  }
  switch (limiter_.check(source, now)) {
    case dns::ResponseRateLimiter::Action::Send:
      return v->bytes;
    case dns::ResponseRateLimiter::Action::Slip:
      return dns::slip_response(out.first(v->bytes.size()));
    case dns::ResponseRateLimiter::Action::Drop:
      return {};
  }
  return {};
}

void DnsHandler::publish() {
  std::lock_guard lock(published_mutex_);
  published_.authority = answerer_.counters();
  published_.rate_limit = limiter_.counters();
}

DnsCounters DnsHandler::counters() const {
  std::lock_guard lock(published_mutex_);
  return published_;
}

}  // namespace ikesteer::frontend
