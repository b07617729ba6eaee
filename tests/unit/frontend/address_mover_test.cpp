// The member side of the address mover (the exec hook); the builtin side needs a network
// namespace and is in netns_actions_test.cpp.
#include "frontend/actions/address_mover.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>

#include "temp_dir.hpp"
#include "uv_test_loop.hpp"

using namespace ikesteer;
using namespace ikesteer::frontend;
using namespace std::chrono_literals;

namespace {

MoverOptions hook_options(const std::string& script, Duration timeout = 5s) {
  MoverOptions o;
  o.interface = "eth9";
  o.hook = {"/bin/sh", "-c", script};
  o.hook_timeout = timeout;
  return o;
}

MoveRequest on_member(bool claim, const char* address, unsigned prefix, std::string member) {
  return {claim, *IpAddress::parse(address), prefix, false, std::move(member), {}};
}

MoveOutcome move_once(MoverOptions options, MoveRequest request) {
  test::TestLoop l;
  AddressMover mover(l.get(), std::move(options));
  std::optional<MoveOutcome> outcome;
  mover.run(std::move(request), [&](MoveOutcome o) { outcome = std::move(o); });
  CHECK(!outcome.has_value());  // never from inside run()
  l.drain();
  REQUIRE(outcome.has_value());
  return *outcome;
}

const std::string kPrintEnv =
    R"(printf '%s %s %s %s [%s]\n' "$IKESTEER_ACTION" "$IKESTEER_ADDRESS" "$IKESTEER_PREFIX" )"
    R"("$IKESTEER_MEMBER" "$IKESTEER_INTERFACE")";

}  // namespace

TEST_CASE("a member-side claim or release runs the hook with the documented environment") {
  const MoveOutcome claim =
      move_once(hook_options(kPrintEnv), on_member(true, "198.51.100.11", 24, "m1"));
  CHECK(claim.ok);
  CHECK(claim.detail == "exit 0: claim 198.51.100.11 24 m1 [eth9]");
  CHECK(claim.elapsed > Duration::zero());

  MoverOptions no_interface = hook_options(kPrintEnv);
  no_interface.interface.clear();
  const MoveOutcome release = move_once(no_interface, on_member(false, "2001:db8::11", 64, "m2"));
  CHECK(release.ok);
  CHECK(release.detail == "exit 0: release 2001:db8::11 64 m2 []");
}

TEST_CASE("in cluster mode the hook gets the claim's fencing token; a stale one is refused") {
  MoveRequest claim = on_member(true, "198.51.100.11", 32, "m2");
  claim.fencing = FencingToken{"fe2", 7587869219561829125, 57};
  const MoveOutcome o =
      move_once(hook_options(R"(printf '%s %s %s' "$IKESTEER_INSTANCE" "$IKESTEER_FENCING_LEASE" )"
                             R"("$IKESTEER_FENCING_REVISION")"),
                claim);
  CHECK(o.ok);
  CHECK(o.detail == "exit 0: fe2 7587869219561829125 57");

  // A builtin claim whose token the coordinator no longer holds is refused before any change.
  MoverOptions builtin;
  builtin.interface = "eth9";
  builtin.current_token = [](const FencingToken& t) { return t.revision >= 60; };
  MoveRequest adopt{true, *IpAddress::parse("198.51.100.11"), 32, true,
                    "",   FencingToken{"fe1", 1, 42}};
  const MoveOutcome refused = move_once(builtin, adopt);
  CHECK_FALSE(refused.ok);
  CHECK(refused.detail == "refused: the fencing token of revision 42 is no longer current");
}

TEST_CASE("values reach the hook verbatim, never interpreted") {
  const test::TempDir dir("ikesteer-mover");
  const std::string marker = dir.file("marker");
  const std::string member = "m1; touch " + marker + " $(id)";
  const MoveOutcome o = move_once(hook_options(R"(printf '%s' "$IKESTEER_MEMBER")"),
                                  on_member(true, "198.51.100.11", 24, member));
  CHECK(o.ok);
  CHECK(o.detail == "exit 0: " + member);
  CHECK(!std::filesystem::exists(marker));
}

TEST_CASE("a hook failure, a signal or a timeout fails the action, with the hook's output") {
  const MoveOutcome failed =
      move_once(hook_options("echo 'no route to m1' >&2; echo '  details  '; exit 4"),
                on_member(true, "198.51.100.11", 24, "m1"));
  CHECK(!failed.ok);
  CHECK(failed.detail == "exit 4: no route to m1\n  details");

  const MoveOutcome killed =
      move_once(hook_options("kill -TERM $$"), on_member(false, "198.51.100.11", 24, "m1"));
  CHECK(!killed.ok);
  CHECK(killed.detail == "signal 15");

  const auto started = Clock::now();
  const MoveOutcome slow = move_once(hook_options("echo trying; sleep 30", 300ms),
                                     on_member(true, "198.51.100.11", 24, "m1"));
  CHECK(Clock::now() - started < 2s);
  CHECK(!slow.ok);
  CHECK(slow.detail == "timeout: trying");
  CHECK(slow.elapsed >= 299ms);  // libuv keeps time in whole milliseconds

  const MoveOutcome chatty = move_once(hook_options("head -c 5000 /dev/zero | tr '\\0' y"),
                                       on_member(true, "198.51.100.11", 24, "m1"));
  CHECK(chatty.ok);
  CHECK(chatty.detail == "exit 0: " + std::string(4096, 'y') + " (904 more bytes)");
}

TEST_CASE("without a hook, a member-side action fails on a later loop turn") {
  MoverOptions options;
  options.interface = "eth9";
  const MoveOutcome o = move_once(options, on_member(true, "198.51.100.11", 24, "m1"));
  CHECK(!o.ok);
  CHECK(o.detail == "no hook configured");
}

TEST_CASE("a front-end action without a failover interface fails on a later loop turn") {
  MoveRequest adopt{true, *IpAddress::parse("198.51.100.11"), 24, true, "", {}};
  const MoveOutcome o = move_once(MoverOptions{}, adopt);
  CHECK(!o.ok);
  CHECK(o.detail == "no failover interface configured");
}

TEST_CASE("requests run concurrently, each reported once") {
  test::TestLoop l;
  AddressMover mover(l.get(), hook_options(R"(sleep 0.6; echo "$IKESTEER_MEMBER")"));
  std::vector<std::string> details;
  const auto started = Clock::now();
  for (const char* member : {"m1", "m2", "m3"})
    mover.run(on_member(true, "198.51.100.11", 24, member),
              [&](MoveOutcome o) { details.push_back(o.detail); });
  l.drain();
  CHECK(Clock::now() - started < 1500ms);  // not 3 x 0.6 s one after the other
  std::sort(details.begin(), details.end());
  CHECK(details == std::vector<std::string>{"exit 0: m1", "exit 0: m2", "exit 0: m3"});
}

TEST_CASE("destroying the mover abandons its requests: hooks killed, no callbacks") {
  test::TestLoop l;
  auto mover = std::make_unique<AddressMover>(l.get(), hook_options("sleep 30", 60s));
  int called = 0;
  mover->run(on_member(true, "198.51.100.11", 24, "m1"), [&](MoveOutcome) { ++called; });
  mover->run(on_member(false, "198.51.100.12", 24, "m2"), [&](MoveOutcome) { ++called; });
  uv_run(l.get(), UV_RUN_NOWAIT);
  mover.reset();
  const auto started = Clock::now();
  l.drain();
  CHECK(Clock::now() - started < 2s);
  CHECK(called == 0);
}

TEST_CASE("the mover may be destroyed from inside a callback") {
  test::TestLoop l;
  auto mover = std::make_unique<AddressMover>(
      l.get(), hook_options(R"(test "$IKESTEER_MEMBER" = fast || sleep 30)", 60s));
  int called = 0;
  mover->run(on_member(true, "198.51.100.11", 24, "slow"), [&](MoveOutcome) { ++called; });
  mover->run(on_member(true, "198.51.100.12", 24, "fast"), [&](MoveOutcome o) {
    CHECK(o.ok);
    ++called;
    mover.reset();
  });
  const auto started = Clock::now();
  l.drain();
  CHECK(Clock::now() - started < 2s);
  CHECK(called == 1);
}
