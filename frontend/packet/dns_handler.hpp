// The DNS side of one event loop: answers UDP queries with the pure dns::Authority from the
// current snapshot, applies response-rate limiting (with slip), and picks up new snapshots.
#pragma once

#include <memory>
#include <mutex>

#include "dns/authority.hpp"
#include "dns/response_rate_limiter.hpp"
#include "frontend/cluster/shared_state.hpp"
#include "frontend/packet/datagram_batch.hpp"

namespace ikesteer::frontend {

// dns::ClusterPolicy::Sticky and topology answers with the topology and consistent hashing of
// IKE redirects: in the client's (or its EDNS client subnet's) first pool with an eligible
// member the name may answer from, the member whose name wins the prefix, ignoring load.
// Reads the published steering plan; follows it with use().
class MemberStickyChooser final : public dns::StickyChooser {
 public:
  explicit MemberStickyChooser(const SteeringPlan& plan) noexcept : plan_(&plan) {}
  void use(const SteeringPlan& plan) noexcept { plan_ = &plan; }
  dns::StickyChoice choose(std::uint32_t cluster, const IpAddress& client_or_subnet,
                           unsigned prefix_bits) noexcept override;

 private:
  const SteeringPlan* plan_;
};

struct DnsCounters {
  dns::AuthorityCounters authority;
  dns::RateLimiterCounters rate_limit;
};

// The pure dns::Authority over the current snapshot, for one thread: follows published
// snapshots and supplies per-query randomness. Used by the UDP handler and the TCP server.
class DnsAnswerer {
 public:
  explicit DnsAnswerer(SharedState& shared);
  // nullopt: nothing to send (not a query we answer, or no DNS data).
  std::optional<dns::Verdict> answer(std::span<const std::byte> query, const IpAddress& source,
                                     bool tcp, std::span<std::byte> out) noexcept;
  const dns::AuthorityCounters& counters() const noexcept { return authority_.counters(); }
  const Config& config() const noexcept { return *published_state_.config; }

 private:
  SharedState& shared_;
  std::uint64_t seen_generation_ = 0;
  Published published_state_;
  MemberStickyChooser chooser_;
  dns::Authority authority_;
  std::uint64_t random_;  // xorshift state for rotation and weighted choice
};

class DnsHandler final : public DatagramHandler {
 public:
  explicit DnsHandler(SharedState& shared);

  std::span<const std::byte> handle(std::span<const std::byte> payload, const SocketAddress& peer,
                                    bool nat_port, TimePoint now,
                                    std::span<std::byte> out) noexcept override;
  void publish() override;
  DnsCounters counters() const;  // from any thread

 private:
  SharedState& shared_;
  DnsAnswerer answerer_;
  std::uint64_t rate_limit_generation_;
  dns::ResponseRateLimiter limiter_;

  mutable std::mutex published_mutex_;
  DnsCounters published_;
};

dns::ResponseRateLimiter::Options rate_limit_options(const Config& config, std::uint64_t seed);

}  // namespace ikesteer::frontend
