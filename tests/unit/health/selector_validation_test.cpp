// Selector::create refuses member sets and options that break pick()'s preconditions.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "health/selector.hpp"

namespace ikesteer::health {
namespace {

using namespace std::chrono_literals;

SelectorError error_of(std::vector<SelectorMember> members, const SelectorOptions& options = {}) {
  const auto s = Selector::create(std::move(members), options);
  REQUIRE(!s.has_value());
  return s.error();
}

TEST_CASE("valid member sets and options are accepted") {
  // kMaxMembers (4096) members; most of them ineligible, which spares the test a slot table
  // of 4096 x 65,536 scores.
  std::vector<SelectorMember> many;
  for (std::size_t i = 0; i < kMaxMembers; ++i)
    many.push_back({"m" + std::to_string(i), 1.0, 0, i % 512 == 0});
  CHECK(kMaxMembers == 4096);
  CHECK(Selector::create(many).has_value());
  CHECK(Selector::create({{"a", 0.001, 5, false}}, {1.0001, 1s}).has_value());
  CHECK(Selector::create({}, {50.0, 3600s}).has_value());
}

TEST_CASE("bad member sets are refused") {
  std::vector<SelectorMember> many;
  for (std::size_t i = 0; i <= kMaxMembers; ++i) many.push_back({"m" + std::to_string(i)});
  CHECK(error_of(many) == SelectorError::TooManyMembers);
  CHECK(error_of({{"a"}, {""}}) == SelectorError::EmptyName);
  CHECK(error_of({{"a"}, {"b"}, {"a", 2.0}}) == SelectorError::DuplicateName);
  for (double w : {0.0, -1.0, std::numeric_limits<double>::infinity(), std::nan("")}) {
    CAPTURE(w);
    CHECK(error_of({{"a", w}}) == SelectorError::BadWeight);
  }
}

TEST_CASE("bad options are refused") {
  for (double f : {1.0, 0.5, std::numeric_limits<double>::infinity(), std::nan("")}) {
    CAPTURE(f);
    CHECK(error_of({{"a"}}, {f, 10s}) == SelectorError::BadLoadFactor);
  }
  CHECK(error_of({{"a"}}, {1.25, 0s}) == SelectorError::BadWindow);
  CHECK(error_of({{"a"}}, {1.25, 3601s}) == SelectorError::BadWindow);
}

TEST_CASE("errors have messages") {
  for (auto e :
       {SelectorError::TooManyMembers, SelectorError::EmptyName, SelectorError::DuplicateName,
        SelectorError::BadWeight, SelectorError::BadLoadFactor, SelectorError::BadWindow,
        SelectorError::TooManyPools, SelectorError::BadPool})
    CHECK(to_string(e) != "unknown");
}

}  // namespace
}  // namespace ikesteer::health
