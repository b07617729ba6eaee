#include "frontend/cluster/resolver.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "probe_test_support.hpp"

namespace ikesteer::frontend {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<Resolver> make_resolver(uv_loop_t* loop) {
  // Short: the name servers of a test machine may not answer at all.
  return std::make_unique<Resolver>(loop, ResolverOptions{.timeout = 300ms, .tries = 1});
}

// Resolves `host` and runs the loop until the answer is there.
Result<Resolution, std::string> resolve(test::TestLoop& loop, Resolver& resolver,
                                        const std::string& host) {
  std::optional<Result<Resolution, std::string>> answer;
  resolver.resolve(host, [&](Result<Resolution, std::string> r) { answer.emplace(std::move(r)); });
  CHECK_FALSE(answer.has_value());  // never from inside resolve()
  loop.run_until([&] { return answer.has_value(); });
  REQUIRE(answer.has_value());
  return std::move(*answer);
}

bool contains(const std::vector<IpAddress>& v, const char* address) {
  return std::find(v.begin(), v.end(), *IpAddress::parse(address)) != v.end();
}

TEST_CASE("resolver: localhost from /etc/hosts, address literals") {
  test::TestLoop loop;
  auto resolver = make_resolver(loop.get());
  const auto local = resolve(loop, *resolver, "localhost");
  REQUIRE(local.has_value());
  CHECK(contains(local->addresses, "127.0.0.1"));
  CHECK(local->ttl >= 0s);

  const auto v4 = resolve(loop, *resolver, "192.0.2.1");
  REQUIRE(v4.has_value());
  CHECK(v4->addresses == std::vector{*IpAddress::parse("192.0.2.1")});
  const auto v6 = resolve(loop, *resolver, "2001:db8::1");
  REQUIRE(v6.has_value());
  CHECK(v6->addresses == std::vector{*IpAddress::parse("2001:db8::1")});
}

TEST_CASE("resolver: a name that does not exist is an error") {
  test::TestLoop loop;
  auto resolver = make_resolver(loop.get());
  const auto r = resolve(loop, *resolver, "no-such-member.ikesteer.invalid");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().starts_with("no-such-member.ikesteer.invalid: "));
}

TEST_CASE("resolver: several lookups at once, the next started from a callback") {
  test::TestLoop loop;
  auto resolver = make_resolver(loop.get());
  int answers = 0;
  resolver->resolve("localhost", [&](Result<Resolution, std::string> r) {
    CHECK(r.has_value());
    ++answers;
    resolver->resolve("127.0.0.2", [&](Result<Resolution, std::string> again) {
      CHECK(again.has_value());
      ++answers;
    });
  });
  resolver->resolve("::1", [&](Result<Resolution, std::string> r) {
    CHECK(r.has_value());
    ++answers;
  });
  loop.run_until([&] { return answers >= 3; });
  CHECK(answers == 3);
}

TEST_CASE("resolver: destroyed with lookups pending, no callback runs") {
  test::TestLoop loop;
  auto resolver = make_resolver(loop.get());
  bool called = false;
  resolver->resolve("no-such-member.ikesteer.invalid", [&](auto) { called = true; });
  SUBCASE("at once, an answer from /etc/hosts not yet delivered") {
    resolver->resolve("localhost", [&](auto) { called = true; });
  }
  SUBCASE("waiting for a name server") {
    uv_run(loop.get(), UV_RUN_NOWAIT);
  }
  resolver.reset();
  loop.drain();
  CHECK_FALSE(called);
}

TEST_CASE("resolver: a callback may destroy the resolver") {
  test::TestLoop loop;
  auto resolver = make_resolver(loop.get());
  int calls = 0;
  resolver->resolve("localhost", [&](auto) {
    ++calls;
    resolver.reset();
  });
  resolver->resolve("127.0.0.1", [&](auto) { ++calls; });
  loop.drain();
  CHECK(calls == 1);
}

}  // namespace
}  // namespace ikesteer::frontend
