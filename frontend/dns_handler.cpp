#include "frontend/dns_handler.hpp"

#include <stdexcept>

namespace ikesteer::frontend {
namespace {

health::Selector member_selector(const Config& config) {
  std::vector<health::SelectorMember> members;
  for (const MemberConfig& m : config.members)
    members.push_back({m.name, m.weight, 0, m.state == OperatorState::Active});
  auto selector = health::Selector::create(std::move(members));
  if (!selector)
    throw std::invalid_argument("dns steering: " + std::string(to_string(selector.error())));
  return std::move(selector).value();
}

}  // namespace

dns::ResponseRateLimiter::Options rate_limit_options(const Config& config, std::uint64_t seed) {
  dns::ResponseRateLimiter::Options o;
  o.responses_per_second = config.dns.rrl_responses_per_second;
  o.slip = config.dns.rrl_slip;
  o.ipv4_prefix = config.dns.rrl_ipv4_prefix;
  o.ipv6_prefix = config.dns.rrl_ipv6_prefix;
  o.seed = seed;
  return o;
}

MemberStickyChooser::MemberStickyChooser(const Config& config)
    : selector_(member_selector(config)),
      ipv4_prefix_(config.steering.ipv4_prefix),
      ipv6_prefix_(config.steering.ipv6_prefix) {}

std::optional<std::size_t> MemberStickyChooser::choose(const IpAddress& client_or_subnet,
                                                       unsigned prefix_bits) noexcept {
  // The same key as an IKE redirect of a client at that address, unless the subnet is wider.
  const unsigned steering = client_or_subnet.is_v4() ? ipv4_prefix_ : ipv6_prefix_;
  const IpAddress key = client_or_subnet.masked(std::min(prefix_bits, steering));
  return selector_.owner(key.bytes());
}

DnsHandler::DnsHandler(SharedState& shared)
    : shared_(shared),
      seen_generation_(shared.generation()),
      config_(shared.config()),
      snapshot_(shared.dns()),
      chooser_(std::make_unique<MemberStickyChooser>(*config_)),
      limiter_(rate_limit_options(*config_, shared.hash_seed())),
      random_(shared.hash_seed() | 1) {}

void DnsHandler::refresh() {
  const auto previous = config_;
  config_ = shared_.config();
  snapshot_ = shared_.dns();
  seen_generation_ = shared_.generation();
  chooser_ = std::make_unique<MemberStickyChooser>(*config_);
  if (config_->dns.rrl_responses_per_second != previous->dns.rrl_responses_per_second ||
      config_->dns.rrl_slip != previous->dns.rrl_slip ||
      config_->dns.rrl_ipv4_prefix != previous->dns.rrl_ipv4_prefix ||
      config_->dns.rrl_ipv6_prefix != previous->dns.rrl_ipv6_prefix)
    limiter_ = dns::ResponseRateLimiter(rate_limit_options(*config_, shared_.hash_seed()));
}

std::span<const std::byte> DnsHandler::handle(std::span<const std::byte> payload,
                                              const SocketAddress& peer, bool, TimePoint now,
                                              std::span<std::byte> out) noexcept {
  if (shared_.generation() != seen_generation_) refresh();
  if (!snapshot_) return {};
  random_ ^= random_ << 13;
  random_ ^= random_ >> 7;
  random_ ^= random_ << 17;
  const dns::QueryContext context{peer.address(), false, random_};
  const dns::Verdict v = authority_.answer(payload, context, *snapshot_, *chooser_, out);
  if (!v.reply) return {};
  switch (limiter_.check(context.source, now)) {
    case dns::ResponseRateLimiter::Action::Send:
      return v.bytes;
    case dns::ResponseRateLimiter::Action::Slip:
      return dns::slip_response(out.first(v.bytes.size()));
    case dns::ResponseRateLimiter::Action::Drop:
      return {};
  }
  return {};
}

void DnsHandler::publish() {
  std::lock_guard lock(published_mutex_);
  published_.authority = authority_.counters();
  published_.rate_limit = limiter_.counters();
}

DnsCounters DnsHandler::counters() const {
  std::lock_guard lock(published_mutex_);
  return published_;
}

}  // namespace ikesteer::frontend
