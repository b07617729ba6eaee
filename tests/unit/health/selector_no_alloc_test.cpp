// pick() runs per packet and must not touch the heap. This file replaces the global
// operator new for the whole test binary with a counting one.
#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "health/selector.hpp"
#include "test_support.hpp"

namespace {
std::size_t g_allocations = 0;
}  // namespace

void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace ikesteer::health {
namespace {

using namespace std::chrono_literals;

TEST_CASE("pick() does not allocate, whatever path it takes") {
  std::vector<SelectorMember> m;
  for (std::size_t i = 0; i < kMaxMembers; ++i)
    m.push_back({"gw-" + std::to_string(i), 1.0 + static_cast<double>(i % 4), i % 5 == 0 ? 1U : 0U,
                 i % 9 != 0});
  Selector s = test::make_selector(m);
  Selector empty = test::make_selector({});
  const test::Key hot = test::prefix_key(1);

  const std::size_t before = g_allocations;
  std::size_t reasons_seen = 0;
  for (std::uint32_t i = 0; i < 20'000; ++i) {
    const test::Key key = i % 2 == 0 ? hot : test::prefix_key(i);
    const std::optional<std::size_t> avoid =
        i % 3 == 0 ? std::optional<std::size_t>(i % kMaxMembers) : std::nullopt;
    const Pick p = s.pick(key.span(), avoid, test::kT0 + i * 1ms);
    reasons_seen |= std::size_t{1} << static_cast<unsigned>(p.reason);
    (void)empty.pick(key.span(), std::nullopt, test::kT0);
  }
  const std::size_t during = g_allocations - before;
  CHECK(during == 0);
  // The loop went through spills, not only the fast path.
  CHECK(reasons_seen == 0b1111);
}

}  // namespace
}  // namespace ikesteer::health
