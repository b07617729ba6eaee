#include "common/prefix_rate_limiter.hpp"

#include <doctest/doctest.h>

#include <chrono>

namespace ikesteer {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint kStart = TimePoint{} + std::chrono::hours(1);

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

PrefixRateLimiterOptions options(std::uint32_t rate, std::uint32_t burst) {
  PrefixRateLimiterOptions o;
  o.rate = rate;
  o.burst = burst;
  o.v4_prefix = 24;
  o.v6_prefix = 56;
  o.buckets = 1024;
  o.seed = 42;
  return o;
}

int allowed(PrefixRateLimiter& l, const IpAddress& a, TimePoint now, int tries) {
  int n = 0;
  for (int i = 0; i < tries; ++i) n += l.allow(a, now) ? 1 : 0;
  return n;
}

TEST_CASE("burst is available at once, then nothing") {
  PrefixRateLimiter l(options(10, 5));
  CHECK(allowed(l, ip("192.0.2.1"), kStart, 20) == 5);
}

TEST_CASE("tokens refill at the configured rate, up to the burst") {
  PrefixRateLimiter l(options(10, 5));
  const auto a = ip("192.0.2.1");
  CHECK(allowed(l, a, kStart, 5) == 5);
  CHECK_FALSE(l.allow(a, kStart + milliseconds(99)));
  CHECK(l.allow(a, kStart + milliseconds(100)));  // one token per 100 ms
  CHECK_FALSE(l.allow(a, kStart + milliseconds(150)));
  CHECK(allowed(l, a, kStart + seconds(1) + milliseconds(100), 3) == 3);
  // A long pause refills to the burst, never beyond it.
  CHECK(allowed(l, a, kStart + seconds(60), 20) == 5);
}

TEST_CASE("sources in one prefix share a bucket; other prefixes are isolated") {
  PrefixRateLimiter l(options(1, 2));
  CHECK(allowed(l, ip("192.0.2.1"), kStart, 1) == 1);
  CHECK(allowed(l, ip("192.0.2.200"), kStart, 5) == 1);   // same /24
  CHECK(allowed(l, ip("198.51.100.7"), kStart, 5) == 2);  // its own bucket
  CHECK(allowed(l, ip("2001:db8:0:1::1"), kStart, 1) == 1);
  CHECK(allowed(l, ip("2001:db8:0:1:ffff::2"), kStart, 5) == 1);  // same /56
  CHECK(allowed(l, ip("2001:db8:0:100::1"), kStart, 5) == 2);     // another /56
}

TEST_CASE("prefix lengths are configurable per family") {
  auto o = options(1, 1);
  o.v4_prefix = 32;
  o.v6_prefix = 128;
  PrefixRateLimiter l(o);
  CHECK(l.allow(ip("192.0.2.1"), kStart));
  CHECK(l.allow(ip("192.0.2.2"), kStart));
  CHECK(l.allow(ip("2001:db8::1"), kStart));
  CHECK(l.allow(ip("2001:db8::2"), kStart));
  CHECK_FALSE(l.allow(ip("2001:db8::2"), kStart));
}

TEST_CASE("memory is fixed: many sources share the table") {
  auto o = options(1, 1);
  o.buckets = 1000;  // rounded up to a power of two
  PrefixRateLimiter l(o);
  CHECK(l.bucket_count() == 1024);
  int allowed_sources = 0;
  for (std::uint32_t i = 0; i < 65536; ++i) {
    const std::array<std::byte, 4> b{std::byte{10}, static_cast<std::byte>(i >> 8),
                                     static_cast<std::byte>(i), std::byte{1}};
    allowed_sources += l.allow(IpAddress::v4(b), kStart) ? 1 : 0;
  }
  CHECK(l.bucket_count() == 1024);
  // 65536 distinct /24s collide into at most 1024 buckets of burst 1.
  CHECK(allowed_sources <= 1024);
  CHECK(allowed_sources > 1000);  // and the hash spreads them over nearly every bucket
}

TEST_CASE("rate 0 means unlimited") {
  PrefixRateLimiter l(options(0, 0));
  CHECK(allowed(l, ip("192.0.2.1"), kStart, 1000) == 1000);
}

TEST_CASE("burst 0 behaves as 1") {
  PrefixRateLimiter l(options(2, 0));
  const auto a = ip("192.0.2.1");
  CHECK(allowed(l, a, kStart, 3) == 1);
  CHECK(l.allow(a, kStart + milliseconds(500)));
}

}  // namespace
}  // namespace ikesteer
