#include "common/token_bucket.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace ikesteer {
namespace {

using namespace std::chrono_literals;

TEST_CASE("the bucket grants exactly the budget per second once its burst is spent") {
  const TimePoint start{};
  TokenBucket bucket(20, 1);
  int granted = 0;
  for (auto t = start; t < start + 10s; t += 1ms) granted += bucket.take(t) ? 1 : 0;
  CHECK(granted == 200);

  TokenBucket burst(20, 2);
  granted = 0;
  for (auto t = start; t < start + 10s; t += 1ms) granted += burst.take(t) ? 1 : 0;
  CHECK(granted == 201);  // the second token of the burst, once

  TokenBucket slow(0.5, 1);
  granted = 0;
  for (auto t = start; t < start + 10s; t += 1ms) granted += slow.take(t) ? 1 : 0;
  CHECK(granted == 5);
}

TEST_CASE("a full bucket grants its burst at once, then refills after an idle spell") {
  const TimePoint start{};
  TokenBucket bucket(10, 10);
  int granted = 0;
  while (bucket.take(start)) ++granted;
  CHECK(granted == 10);
  CHECK_FALSE(bucket.ready(start + 99ms));
  CHECK(bucket.ready(start + 100ms));
  granted = 0;
  while (bucket.take(start + 5s)) ++granted;
  CHECK(granted == 10);  // never more than the burst, however long it was idle
}

TEST_CASE("ready() takes nothing; a new rate applies to the next token") {
  const TimePoint start{};
  TokenBucket bucket(1, 1);
  CHECK(bucket.ready(start));
  CHECK(bucket.ready(start));
  CHECK(bucket.take(start));
  CHECK_FALSE(bucket.take(start + 500ms));
  bucket.set_rate(100, 1);
  CHECK(bucket.take(start + 1s));
  CHECK(bucket.take(start + 1s + 10ms));
}

// Runs `take` on four threads released together; the tokens they got in total.
template <class Take>
int on_four_threads(Take take) {
  std::atomic<int> granted{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      granted += take();
    });
  }
  go = true;
  for (std::thread& t : threads) t.join();
  return granted.load();
}

TEST_CASE("threads taking at the same instant share one budget: exactly its burst") {
  const TimePoint start{};
  TokenBucket bucket(1000, 50);
  CHECK(on_four_threads([&] {
          int mine = 0;
          for (int k = 0; k < 10'000; ++k) mine += bucket.take(start) ? 1 : 0;
          return mine;
        }) == 50);
}

TEST_CASE("threads taking over a second never get more than the budget of that second") {
  // Each thread walks its own clock through the second, so one may run ahead of the others;
  // whatever the interleaving, no more than burst + rate × 1 s (+1: the token at exactly 1 s).
  const TimePoint start{};
  TokenBucket bucket(1000, 50);
  const int granted = on_four_threads([&] {
    int mine = 0;
    for (auto t = start; t <= start + 1s; t += 100us)
      for (int k = 0; k < 3; ++k) mine += bucket.take(t) ? 1 : 0;
    return mine;
  });
  CHECK(granted <= 50 + 1000 + 1);
  CHECK(granted >= 50);
}

}  // namespace
}  // namespace ikesteer
