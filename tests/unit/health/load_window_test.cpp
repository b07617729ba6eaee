// The sliding window of one-second buckets behind bounded load and capacity.
#include "health/load_window.hpp"

#include <doctest/doctest.h>

#include <chrono>

#include "test_support.hpp"

namespace ikesteer::health {
namespace {

using namespace std::chrono_literals;
using test::kT0;

TEST_CASE("assignments count for the window and stop counting after it") {
  LoadWindow w(2, 10s);
  w.advance(kT0);
  w.add(0);
  w.advance(kT0 + 300ms);
  w.add(1);
  w.add(1);
  CHECK(w.count(0) == 1);
  CHECK(w.count(1) == 2);
  CHECK(w.total() == 3);

  w.advance(kT0 + 5s);
  w.add(0);
  w.advance(kT0 + 9999ms);
  CHECK(w.count(0) == 2);
  CHECK(w.total() == 4);

  w.advance(kT0 + 10s);  // the bucket of second 0 leaves
  CHECK(w.count(0) == 1);
  CHECK(w.count(1) == 0);
  CHECK(w.total() == 1);

  w.advance(kT0 + 15s);
  CHECK(w.count(0) == 0);
  CHECK(w.total() == 0);
}

TEST_CASE("a gap longer than the window clears everything") {
  LoadWindow w(1, 3s);
  w.advance(kT0);
  w.add(0);
  w.advance(kT0 + 1s);
  w.add(0);
  w.advance(kT0 + 1h);
  CHECK(w.total() == 0);
  w.add(0);
  CHECK(w.count(0) == 1);
  w.advance(kT0 + 1h + 2s);
  CHECK(w.count(0) == 1);
  w.advance(kT0 + 1h + 3s);
  CHECK(w.count(0) == 0);
}

TEST_CASE("time going backwards neither expires nor revives counts") {
  LoadWindow w(1, 2s);
  w.advance(kT0 + 5s);
  w.add(0);
  w.advance(kT0);
  w.add(0);  // counted in the latest second seen, 5
  CHECK(w.count(0) == 2);
  w.advance(kT0 + 6s);
  CHECK(w.count(0) == 2);
  w.advance(kT0 + 7s);
  CHECK(w.count(0) == 0);
}

TEST_CASE("a one-second window counts only the current second") {
  LoadWindow w(1, 1s);
  w.advance(kT0);
  w.add(0);
  w.advance(kT0 + 999ms);
  CHECK(w.count(0) == 1);
  w.advance(kT0 + 1s);
  CHECK(w.count(0) == 0);
}

TEST_CASE("carry copies a member's history, aligned on seconds") {
  LoadWindow old(2, 4s);
  for (int s = 0; s < 6; ++s) {
    old.advance(kT0 + std::chrono::seconds(s));
    for (int k = 0; k <= s; ++k) old.add(1);  // second s holds s + 1 assignments
  }
  // Seconds 2..5 are in old's window: 3 + 4 + 5 + 6.
  REQUIRE(old.count(1) == 18);

  LoadWindow fresh(3, 3s);  // a shorter window keeps seconds 3..5 only
  fresh.carry(old, 1, 2);
  CHECK(fresh.count(2) == 15);
  CHECK(fresh.count(0) == 0);
  CHECK(fresh.total() == 15);
  fresh.advance(kT0 + 5s);  // same second: nothing leaves
  CHECK(fresh.count(2) == 15);
  fresh.advance(kT0 + 6s);  // second 3 leaves
  CHECK(fresh.count(2) == 11);
  fresh.advance(kT0 + 8s);
  CHECK(fresh.count(2) == 0);
  CHECK(fresh.total() == 0);
}

TEST_CASE("carry into a longer window copies only what the old one holds") {
  LoadWindow old(1, 2s);
  for (int s = 0; s < 3; ++s) {
    old.advance(kT0 + std::chrono::seconds(s));
    old.add(0);
  }
  REQUIRE(old.count(0) == 2);
  LoadWindow fresh(1, 5s);
  fresh.carry(old, 0, 0);
  CHECK(fresh.count(0) == 2);
  fresh.advance(kT0 + 6s);  // the window now holds seconds 2..6
  CHECK(fresh.count(0) == 1);
  fresh.advance(kT0 + 7s);
  CHECK(fresh.count(0) == 0);

  // A window already at second 3 takes seconds 1 and 2 and has nothing newer to copy.
  LoadWindow ahead(1, 5s);
  ahead.advance(kT0 + 3s);
  ahead.carry(old, 0, 0);
  CHECK(ahead.count(0) == 2);
  ahead.advance(kT0 + 7s);
  CHECK(ahead.count(0) == 0);
}

TEST_CASE("carry from a window that never started copies nothing") {
  const LoadWindow old(1, 10s);
  LoadWindow fresh(1, 10s);
  fresh.carry(old, 0, 0);
  fresh.advance(kT0);
  CHECK(fresh.total() == 0);
}

}  // namespace
}  // namespace ikesteer::health
