#include "dns/response_rate_limiter.hpp"

#include <doctest/doctest.h>

#include <chrono>

#include "dns_test_util.hpp"

namespace ikesteer::dns {
namespace {

using Action = ResponseRateLimiter::Action;

TEST_CASE("rrl: within budget everything is sent; over it every slip-th is slipped") {
  ResponseRateLimiter rrl({.responses_per_second = 1, .burst = 2, .slip = 2});
  const auto a = *IpAddress::parse("192.0.2.1");
  const auto neighbour = *IpAddress::parse("192.0.2.200");  // same /24
  const TimePoint t{std::chrono::seconds(1000)};
  CHECK(rrl.check(a, t) == Action::Send);
  CHECK(rrl.check(neighbour, t) == Action::Send);
  CHECK(rrl.check(a, t) == Action::Drop);
  CHECK(rrl.check(a, t) == Action::Slip);
  CHECK(rrl.check(a, t) == Action::Drop);
  CHECK(rrl.check(a, t) == Action::Slip);
  CHECK(rrl.counters().sent == 2);
  CHECK(rrl.counters().dropped == 2);
  CHECK(rrl.counters().slipped == 2);
  // Another prefix has its own budget; time refills.
  CHECK(rrl.check(*IpAddress::parse("192.0.3.1"), t) == Action::Send);
  CHECK(rrl.check(a, t + std::chrono::seconds(1)) == Action::Send);
}

TEST_CASE("rrl: slip 0 drops all, slip 1 slips all, rate 0 is off") {
  const auto a = *IpAddress::parse("2001:db8::1");
  const TimePoint t{std::chrono::seconds(1000)};
  ResponseRateLimiter drop_all({.responses_per_second = 1, .burst = 1, .slip = 0});
  ResponseRateLimiter slip_all({.responses_per_second = 1, .burst = 1, .slip = 1});
  ResponseRateLimiter off({});
  CHECK(drop_all.check(a, t) == Action::Send);
  CHECK(slip_all.check(a, t) == Action::Send);
  for (int i = 0; i < 5; ++i) {
    CHECK(drop_all.check(a, t) == Action::Drop);
    CHECK(slip_all.check(a, t) == Action::Slip);
    CHECK(off.check(a, t) == Action::Send);
  }
  CHECK(drop_all.counters().dropped == 5);
  CHECK(slip_all.counters().slipped == 5);
  CHECK(off.counters().sent == 5);
}

TEST_CASE("slip_response: header and question only, TC set") {
  test::Harness h;
  const Verdict v = h.run(test::make_query({.name = "Gw.vpn.example.", .id = 7, .edns = true}));
  REQUIRE(v.reply);
  std::vector<std::byte> copy(v.bytes.begin(), v.bytes.end());
  const auto stub = slip_response(copy);
  REQUIRE_FALSE(stub.empty());
  const test::Response r = test::decode(stub);
  CHECK(r.id == 7);
  CHECK(r.tc());
  CHECK(r.aa());
  CHECK(r.qname == "Gw.vpn.example.");
  CHECK(r.answer.empty());
  CHECK(r.additional.empty());
  CHECK(stub.size() == 12 + 16 + 4);
  // Not a message with one question: nothing to send.
  std::vector<std::byte> junk(5);
  CHECK(slip_response(junk).empty());
}

}  // namespace
}  // namespace ikesteer::dns
