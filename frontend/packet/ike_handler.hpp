// The IKE side of one event loop: picks up new configuration snapshots, hands each datagram to
// the pure redirect::Responder, counts redirects per member and logs decisions (rate-limited).
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <vector>

#include "common/log.hpp"
#include "common/prefix_rate_limiter.hpp"
#include "frontend/cluster/member_steering.hpp"
#include "frontend/cluster/shared_state.hpp"
#include "frontend/cluster/steering_why.hpp"
#include "frontend/packet/datagram_batch.hpp"
#include "redirect/cookie_jar.hpp"
#include "redirect/responder.hpp"

namespace ikesteer::frontend {

// One redirect, as the dashboard shows it ("why was this client sent there").
struct DecisionRecord {
  TimePoint at{};
  IpAddress client;
  std::uint32_t member = 0;  // index into `config`'s members
  SteeringWhy why;           // pools as `config` numbers them
};

struct IkeCounters {
  redirect::ResponderCounters responder;
  std::vector<std::uint64_t> redirects_per_member;  // indexed as Config::members
  std::vector<std::uint64_t> spills;                // by SteeringWhy::spill_slot()
  // The loop's most recent redirects (a ring, unordered) and the configuration they index.
  std::vector<DecisionRecord> recent;
  std::shared_ptr<const Config> config;
  // The loop's steering as of its last publish, with the load it had counted: where a client
  // would go now (GET /api/v1/decision).
  std::shared_ptr<const SteeringPlan> plan{};
  std::shared_ptr<const health::PoolSelector> selector{};
};

class IkeHandler final : public DatagramHandler {
 public:
  // The handler of IKE loop `loop`: it takes the loop's own part of each publish.
  IkeHandler(unsigned loop, SharedState& shared);

  std::span<const std::byte> handle(std::span<const std::byte> payload, const SocketAddress& peer,
                                    bool nat_port, TimePoint now,
                                    std::span<std::byte> out) noexcept override;
  void publish() override;
  IkeCounters counters() const;  // from any thread

 private:
  IkeHandler(unsigned loop, SharedState& shared, std::uint64_t generation,
             const Published& published);
  void refresh_config() noexcept;
  void keep_recent(const Config& previous, const SteeringPlan& previous_plan) noexcept;
  void log_decision(const redirect::Datagram& d, const redirect::Verdict& v);

  unsigned loop_;
  SharedState& shared_;
  std::uint64_t seen_generation_ = 0;
  std::shared_ptr<const Config> config_;

  MemberSteering steering_;
  redirect::CookieJar cookies_;
  PrefixRateLimiter limiter_;
  redirect::Responder responder_;
  std::vector<std::uint64_t> redirects_per_member_;
  std::vector<std::uint64_t> spills_;
  static constexpr std::size_t kRecent = 16;
  std::array<DecisionRecord, kRecent> recent_{};
  std::size_t recent_next_ = 0;  // total recorded; slot = recent_next_ % kRecent
  LogRateLimit log_limit_{20};

  mutable std::mutex published_mutex_;
  IkeCounters published_;
};

}  // namespace ikesteer::frontend
