// ikesteer_steering_scale: what steering costs with many members (issue 13), in one process
// and without I/O. Prints one table:
//   - picks per CPU-second with 3, 64 and 1,000 members in one pool, and 1,000 members in 10
//     pools (each client's order: its region's pool, then two more), with the share of picks
//     the slot owner took at once (the O(1) path);
//   - slot table builds for 1,000 members: full (equal weights, two weights), incremental
//     (one member leaves, one joins), CPU milliseconds, best of 5;
//   - the clients that move when one member of 1,000 leaves, over 100,000 client keys.
//
// Usage: ikesteer_steering_scale [picks per scenario, default 2000000]. Build it Release.
#include <time.h>

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/hash.hpp"
#include "health/pool_selector.hpp"
#include "health/rendezvous.hpp"
#include "health/selector.hpp"
#include "health/slot_table.hpp"

namespace ikesteer::bench {
namespace {

using health::PoolSelector;
using health::Selector;
using health::SelectorMember;

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Client i's key: an IPv4 /24 spread over the space (as the daemon masks addresses).
std::array<std::byte, 4> client_key(std::uint64_t i) {
  const auto a = static_cast<std::uint32_t>(mix64(i)) & 0xffffff00U;
  return {static_cast<std::byte>(a >> 24), static_cast<std::byte>(a >> 16),
          static_cast<std::byte>(a >> 8), static_cast<std::byte>(a)};
}

std::vector<SelectorMember> members(std::size_t n, std::size_t pools) {
  std::vector<SelectorMember> m;
  for (std::size_t i = 0; i < n; ++i) {
    m.push_back({"gw-" + std::to_string(i)});
    m.back().pool = static_cast<std::uint16_t>(i % pools);
  }
  return m;
}

// A steady 100,000 new clients per second of simulated time.
TimePoint at(std::uint64_t pick) {
  return TimePoint{} + std::chrono::hours(1000) + std::chrono::microseconds(pick * 10);
}

struct PickFigures {
  double per_cpu_second;
  double owner_share;
};

PickFigures bench_selector(std::size_t n, std::uint64_t picks) {
  Selector s = Selector::create(members(n, 1)).value();
  std::uint64_t by_owner = 0;
  const double start = cpu_seconds();
  for (std::uint64_t i = 0; i < picks; ++i) {
    const auto key = client_key(i);
    const health::Pick p = s.pick(key, std::nullopt, at(i));
    by_owner += p.reason == health::PickReason::HashOwner ? 1U : 0U;
  }
  const double cpu = cpu_seconds() - start;
  return {static_cast<double>(picks) / cpu,
          static_cast<double>(by_owner) / static_cast<double>(picks)};
}

PickFigures bench_pools(std::size_t n, std::size_t pool_count, std::uint64_t picks) {
  PoolSelector s = PoolSelector::create(members(n, pool_count), pool_count).value();
  std::vector<std::array<std::uint16_t, 3>> orders;
  for (std::size_t p = 0; p < pool_count; ++p)
    orders.push_back({static_cast<std::uint16_t>(p),
                      static_cast<std::uint16_t>((p + 1) % pool_count),
                      static_cast<std::uint16_t>((p + 2) % pool_count)});
  std::uint64_t by_owner = 0;
  const double start = cpu_seconds();
  for (std::uint64_t i = 0; i < picks; ++i) {
    const auto key = client_key(i);
    const health::PoolPick p = s.pick(key, orders[i % pool_count], std::nullopt, at(i));
    by_owner += p.reason == health::PickReason::HashOwner && p.pools_passed == 0 ? 1U : 0U;
  }
  const double cpu = cpu_seconds() - start;
  return {static_cast<double>(picks) / cpu,
          static_cast<double>(by_owner) / static_cast<double>(picks)};
}

std::vector<health::SlotMember> slot_members(std::size_t n, bool two_weights) {
  std::vector<health::SlotMember> m;
  for (std::size_t i = 0; i < n; ++i)
    m.push_back({health::member_seed("gw-" + std::to_string(i)),
                 two_weights && i % 2 == 1 ? 2.0 : 1.0, true});
  return m;
}

// Best of 5, in CPU milliseconds.
template <class F>
double best_ms(F&& build) {
  double best = 1e9;
  for (int r = 0; r < 5; ++r) {
    const double start = cpu_seconds();
    build();
    best = std::min(best, (cpu_seconds() - start) * 1e3);
  }
  return best;
}

int run(std::uint64_t picks) {
  std::printf("%-44s %14s %12s\n", "picks (100,000 new clients/s simulated)", "picks/CPU-s",
              "owner took");
  for (const std::size_t n : {std::size_t{3}, std::size_t{64}, std::size_t{1000}}) {
    const PickFigures f = bench_selector(n, picks);
    std::printf("%-44s %14.0f %11.1f%%\n", (std::to_string(n) + " members, one pool").c_str(),
                f.per_cpu_second, f.owner_share * 100);
  }
  const PickFigures f = bench_pools(1000, 10, picks);
  std::printf("%-44s %14.0f %11.1f%%\n", "1000 members in 10 pools (order of 3)", f.per_cpu_second,
              f.owner_share * 100);

  constexpr std::size_t kN = 1000;
  std::printf("\n%-44s %14s\n", "slot table, 1000 members", "CPU ms");
  const auto equal = slot_members(kN, false);
  const auto weighted = slot_members(kN, true);
  std::printf("%-44s %14.1f\n", "full build, equal weights",
              best_ms([&] { (void)health::SlotTable::build(equal); }));
  std::printf("%-44s %14.1f\n", "full build, two weights",
              best_ms([&] { (void)health::SlotTable::build(weighted); }));
  const auto base = health::SlotTable::build(equal);
  auto left = equal;
  left[417].eligible = false;
  std::printf("%-44s %14.2f\n", "incremental, one member leaves",
              best_ms([&] { (void)health::SlotTable::build(left, base); }));
  const auto without = health::SlotTable::build(left);
  std::printf("%-44s %14.2f\n", "incremental, one member joins",
              best_ms([&] { (void)health::SlotTable::build(equal, without); }));

  constexpr std::uint64_t kClients = 100'000;
  std::vector<SelectorMember> m = members(kN, 1);
  const Selector before = Selector::create(m).value();
  m[417].eligible = false;
  const Selector after = Selector::create(m, {}, &before).value();
  std::uint64_t moved = 0;
  std::uint64_t not_its_own = 0;
  for (std::uint64_t i = 0; i < kClients; ++i) {
    const auto key = client_key(i);
    const std::size_t a = *before.owner(key);
    if (a == *after.owner(key)) continue;
    ++moved;
    not_its_own += a == 417 ? 0U : 1U;
  }
  std::printf("\n%-44s %13.5f (1/1000 = 0.00100)\n",
              "moved when 1 of 1000 leaves (100,000 clients)",
              static_cast<double>(moved) / kClients);
  std::printf("%-44s %14" PRIu64 "\n", "  of them not the leaver's clients", not_its_own);
  return 0;
}

}  // namespace
}  // namespace ikesteer::bench

int main(int argc, char** argv) {
  const std::uint64_t picks = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2'000'000;
  if (picks == 0) {
    std::fprintf(stderr, "usage: ikesteer_steering_scale [picks per scenario]\n");
    return 2;
  }
  return ikesteer::bench::run(picks);
}
