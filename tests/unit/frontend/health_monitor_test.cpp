// The health monitor on a real libuv loop with exec probes and an exec failover hook: state
// changes reach the published cluster state, and addresses move release-before-claim. Member
// addresses are on loopback: the front end verifies a claim with an IKE probe to the address.
#include "frontend/cluster/health_monitor.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "frontend/config/config_loader.hpp"
#include "temp_dir.hpp"
#include "uv_test_loop.hpp"

using namespace ikesteer;
using namespace ikesteer::frontend;
using namespace std::chrono_literals;

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Fixture {
  const test::TempDir dir{"ikst-hm"};
  EventLog events{100};
  std::shared_ptr<const ClusterState> published;
  test::TestLoop loop;  // drained once the monitor is gone: handles close, children reaped
  std::unique_ptr<HealthMonitor> monitor;

  Fixture() {
    monitor = std::make_unique<HealthMonitor>(
        loop.get(), events, [this](std::shared_ptr<const ClusterState> s) { published = s; });
  }
  ~Fixture() {
    monitor->stop();
    monitor.reset();
  }
  // m1 is up while the file "m1-up" exists; m2 and m3 always are.
  std::shared_ptr<const Config> config(const std::string& extra_member_keys) {
    const std::string hook = dir.file("hook.sh");
    std::ofstream(hook) << "#!/bin/sh\necho \"$IKESTEER_ACTION $IKESTEER_MEMBER "
                           "$IKESTEER_ADDRESS/$IKESTEER_PREFIX\" >> "
                        << dir.file("moves") << "\n";
    std::filesystem::permissions(hook, std::filesystem::perms::owner_all);
    std::ostringstream toml;
    toml << "[health]\ninterval = 0.05\ninterval_down = 0.05\ninterval_transition = 0.05\n"
         << "timeout = 1.0\nrise = 1\nfall = 2\n"
         << "[failover]\nhook = [\"" << hook << "\"]\nfencing = 0.2\nfailback_hold = 0.3\n";
    for (const char* name : {"m1", "m2", "m3"}) {
      const bool first = std::string(name) == "m1";
      toml << "[[member]]\nname = \"" << name << "\"\naddresses = [\"127.0.0.1" << name[1]
           << "\"]\n"
           << (first ? extra_member_keys : "") << "  [[member.probe]]\n  type = \"exec\"\n"
           << "  command = [\"/bin/sh\", \"-c\", \""
           << (first ? "test -e " + dir.file("m1-up") : std::string("true")) << "\"]\n";
    }
    auto c = parse_config(toml.str(), "t.toml");
    REQUIRE(c.has_value());
    return std::make_shared<const Config>(std::move(c).value());
  }
  health::MemberState state(std::size_t member) const {
    return published ? published->members[member].state : health::MemberState::Unknown;
  }
};

}  // namespace

TEST_CASE("members start unknown, then follow their probes into the published state") {
  Fixture f;
  std::ofstream(f.dir.file("m1-up")).close();
  REQUIRE(f.monitor->configure(f.config("")).has_value());
  CHECK(f.state(0) == health::MemberState::Unknown);
  REQUIRE(f.loop.run_until([&] {
    return f.state(0) == health::MemberState::Up && f.state(1) == health::MemberState::Up;
  }));
  std::filesystem::remove(f.dir.file("m1-up"));
  REQUIRE(f.loop.run_until([&] { return f.state(0) == health::MemberState::Down; }));
  CHECK(f.published->members[0].reason.starts_with("exec: exit 1"));
  CHECK(f.state(1) == health::MemberState::Up);
  const auto events = f.events.since(0);
  CHECK(std::count_if(events.begin(), events.end(), [](const Event& e) {
          return e.kind == "member_state" && e.subject == "m1";
        }) == 2);  // unknown -> up -> down
}

TEST_CASE("a down member's address is released, then claimed by the named survivor") {
  Fixture f;
  std::ofstream(f.dir.file("m1-up")).close();
  REQUIRE(f.monitor->configure(f.config("failover = \"member:m3\"\n")).has_value());
  REQUIRE(f.loop.run_until([&] { return f.state(0) == health::MemberState::Up; }));
  std::filesystem::remove(f.dir.file("m1-up"));
  REQUIRE(
      f.loop.run_until([&] { return f.published && !f.published->members[0].moved_away.empty(); }));
  REQUIRE(f.loop.run_until([&] {
    return read(f.dir.file("moves")) == "release m1 127.0.0.11/24\nclaim m3 127.0.0.11/24\n";
  }));
  // Back up: after failback_hold the address goes home, release first again.
  std::ofstream(f.dir.file("m1-up")).close();
  REQUIRE(f.loop.run_until([&] {
    return f.published->members[0].moved_away.empty() &&
           read(f.dir.file("moves"))
               .ends_with(
                   "release m3 127.0.0.11/24\nclaim m1 "
                   "127.0.0.11/24\n");
  }));
}

// Holds a failback's session move until the test says it is done.
struct HeldEmptier : SessionEmptier {
  std::vector<std::pair<std::string, FailbackScope>> asked;
  Done done;
  void empty_address(std::uint64_t, const std::string& member, FailbackScope scope,
                     Done d) override {
    asked.emplace_back(member, std::move(scope));
    done = std::move(d);
  }
  void cancel(std::uint64_t, const std::string&) override { done = nullptr; }
};

TEST_CASE("failback: the holder's sessions on the address move before it lets go of it") {
  Fixture f;
  HeldEmptier emptier;
  f.monitor->set_session_emptier(&emptier);
  std::ofstream(f.dir.file("m1-up")).close();
  REQUIRE(f.monitor->configure(f.config("failover = \"member:m3\"\n")).has_value());
  REQUIRE(f.loop.run_until([&] { return f.state(0) == health::MemberState::Up; }));
  std::filesystem::remove(f.dir.file("m1-up"));
  REQUIRE(f.loop.run_until([&] {
    return read(f.dir.file("moves")) == "release m1 127.0.0.11/24\nclaim m3 127.0.0.11/24\n";
  }));
  std::ofstream(f.dir.file("m1-up")).close();
  REQUIRE(f.loop.run_until([&] { return static_cast<bool>(emptier.done); }));
  REQUIRE(emptier.asked.size() == 1);
  CHECK(emptier.asked[0].first == "m3");
  CHECK(emptier.asked[0].second.address == *IpAddress::parse("127.0.0.11"));
  CHECK(emptier.asked[0].second.home == "m1");
  f.loop.run_until([] { return false; }, 500ms);  // well past failback_hold: still held
  CHECK(read(f.dir.file("moves")) == "release m1 127.0.0.11/24\nclaim m3 127.0.0.11/24\n");
  CHECK_FALSE(f.published->members[0].moved_away.empty());
  emptier.done(true, "no session left on the address");
  REQUIRE(f.loop.run_until([&] {
    return f.published->members[0].moved_away.empty() &&
           read(f.dir.file("moves"))
               .ends_with("release m3 127.0.0.11/24\nclaim m1 127.0.0.11/24\n");
  }));
}

TEST_CASE("a reload keeps the verdicts of members whose checks did not change") {
  Fixture f;
  std::ofstream(f.dir.file("m1-up")).close();
  REQUIRE(f.monitor->configure(f.config("")).has_value());
  REQUIRE(f.loop.run_until([&] {
    return f.state(0) == health::MemberState::Up && f.state(2) == health::MemberState::Up;
  }));
  auto reloaded = std::make_shared<Config>(*f.config("weight = 2.0\n"));
  REQUIRE(f.monitor->configure(reloaded).has_value());
  CHECK(f.state(0) == health::MemberState::Up);  // no detour through unknown
  CHECK(f.state(2) == health::MemberState::Up);
}
