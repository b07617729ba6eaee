// Prints how long the topology takes at scale: building a PrefixMap of 200,000 random prefixes
// (half IPv4, half IPv6), parsing a 200,000-line topology file, and lookups per second (plain
// and ECS-covering). Figures only; nothing is asserted. Times are the process's CPU time, so
// that other work on a shared machine weighs less.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/prefix_map.hpp"
#include "health/topology.hpp"
#include "health/topology_file.hpp"

namespace {

using namespace ikesteer;
struct Clock {
  using time_point = std::clock_t;
  static std::clock_t now() { return std::clock(); }
};

double ms_since(std::clock_t start) {
  return 1000.0 * static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
}

IpAddress random_address(std::mt19937_64& rng, bool v4) {
  std::byte b[16];
  const std::uint64_t hi = rng(), lo = rng();
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<std::byte>(hi >> (8 * i));
    b[8 + i] = static_cast<std::byte>(lo >> (8 * i));
  }
  return v4 ? IpAddress::v4(std::span(b).first<4>()) : IpAddress::v6(b);
}

// Unique random prefixes: IPv4 /8../32, IPv6 /16../64, so that many nest.
std::vector<PrefixMap::Entry> random_entries(std::size_t count, std::mt19937_64& rng) {
  std::vector<PrefixMap::Entry> entries;
  while (entries.size() < count) {
    while (entries.size() < count) {
      const bool v4 = entries.size() % 2 == 0;
      const auto length = static_cast<unsigned>(v4 ? 8 + rng() % 25 : 16 + rng() % 49);
      entries.push_back(
          {IpPrefix::of(random_address(rng, v4), length), static_cast<std::uint32_t>(rng() % 16)});
    }
    // Drop duplicates (short prefixes repeat) and draw again, so that build() succeeds.
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.prefix < b.prefix; });
    entries.erase(std::unique(entries.begin(), entries.end(),
                              [](const auto& a, const auto& b) { return a.prefix == b.prefix; }),
                  entries.end());
  }
  std::shuffle(entries.begin(), entries.end(), rng);
  return entries;
}

template <class F>
double lookups_per_second(const std::vector<IpAddress>& addresses, F lookup) {
  std::uint64_t sink = 0;
  const std::size_t rounds = 20;
  const auto start = Clock::now();
  for (std::size_t r = 0; r < rounds; ++r)
    for (const auto& a : addresses) sink += lookup(a);
  const double seconds = ms_since(start) / 1000;
  std::printf("  (checksum %llu)\n", static_cast<unsigned long long>(sink));
  return static_cast<double>(rounds * addresses.size()) / seconds;
}

}  // namespace

int main() {
  std::mt19937_64 rng(13);
  constexpr std::size_t kCount = 200'000;

  auto entries = random_entries(kCount, rng);
  const std::size_t n = entries.size();
  auto start = Clock::now();
  auto map = PrefixMap::build(entries);
  const double build_ms = ms_since(start);
  if (!map) return 1;
  std::printf("PrefixMap::build, %zu prefixes (v4 and v6): %.1f ms\n", n, build_ms);

  // A file of the same prefixes, each with one to three of 20 pools.
  std::string text;
  for (std::size_t i = 0; i < n; ++i) {
    text += entries[i].prefix.to_string();
    for (std::size_t k = 0; k <= i % 3; ++k) text += " pool" + std::to_string((i + k * 7) % 20);
    text += i % 10 == 0 ? "  # a comment\n" : "\n";
  }
  const auto pool = [](std::string_view name) -> std::optional<std::uint16_t> {
    if (name.size() < 5 || name.substr(0, 4) != "pool") return std::nullopt;
    return static_cast<std::uint16_t>(std::stoi(std::string(name.substr(4))));
  };
  health::OrderInterner orders;
  start = Clock::now();
  auto parsed = health::parse_topology_file(text, pool, orders);
  const double parse_ms = ms_since(start);
  if (!parsed) return 1;
  start = Clock::now();
  auto topology = health::Topology::build(orders.orders(), parsed->entries, 0, 20);
  const double topology_ms = ms_since(start);
  if (!topology) return 1;
  std::printf("parse_topology_file, %zu lines (%zu bytes, %zu orders): %.1f ms\n", n, text.size(),
              orders.size(), parse_ms);
  std::printf("Topology::build from them: %.1f ms\n", topology_ms);

  std::vector<IpAddress> v4, v6;
  for (int i = 0; i < 100'000; ++i) {
    // Half inside a prefix (its first address, the worst case for nesting), half random.
    const auto& e = entries[rng() % n];
    const bool inside = i % 2 == 0;
    const IpAddress a = inside ? e.prefix.address : random_address(rng, e.prefix.address.is_v4());
    (a.is_v4() ? v4 : v6).push_back(a);
  }
  const auto lookup = [&](const IpAddress& a) { return map->lookup(a) ? 1U : 0U; };
  const auto ecs = [&](const IpAddress& a) {
    return topology->route(a, a.is_v4() ? 24U : 56U).pools.size();
  };
  std::printf("lookups per second, IPv4: %.3g\n", lookups_per_second(v4, lookup));
  std::printf("lookups per second, IPv6: %.3g\n", lookups_per_second(v6, lookup));
  std::printf("Topology::route(address, bits) per second, mixed: %.3g\n",
              lookups_per_second(v4, ecs) / 2 + lookups_per_second(v6, ecs) / 2);
  return 0;
}
