// Moving a member's sessions, the pure parts: where each session goes (as the front end would
// redirect its client), the shared budget, a job driven by a fake agent and a fake clock, and
// the command client's bookkeeping (signing, seq, which replies it takes).
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "frontend/cluster/agent_command_book.hpp"
#include "frontend/cluster/member_steering.hpp"
#include "frontend/cluster/move_coordinator.hpp"
#include "frontend/cluster/move_planner.hpp"
#include "frontend/cluster/shared_state.hpp"
#include "frontend/config/config_loader.hpp"
#include "health/agent_command.hpp"

using namespace ikesteer;
using namespace ikesteer::frontend;
using namespace std::chrono_literals;

namespace {

IpAddress ip(const std::string& s) {
  return *IpAddress::parse(s);
}

std::shared_ptr<const SteeringPlan> plan_for(const std::string& members) {
  auto c = parse_config(members, "t.toml");
  REQUIRE(c.has_value());
  auto config = std::make_shared<const Config>(std::move(c).value());
  auto cluster = std::make_shared<const ClusterState>(initial_cluster_state(*config, TimePoint{}));
  auto plan = SteeringPlan::build(config, cluster, 1);
  REQUIRE(plan.has_value());
  return std::make_shared<const SteeringPlan>(std::move(plan).value());
}

const std::string kMembers = R"(
[[member]]
name = "m1"
addresses = ["198.51.100.11", "2001:db8::11"]
state = "drain"
[[member]]
name = "m2"
addresses = ["198.51.100.12", "2001:db8::12"]
[[member]]
name = "m3"
addresses = ["198.51.100.13"]
gateway = "m3.vpn.example"
)";

const std::string kFourth = R"(
[[member]]
name = "m4"
addresses = ["198.51.100.14"]
)";

// 400 distinct client addresses.
IpAddress client(int i) {
  return ip((i < 250 ? "203.0.113." : "192.0.2.") + std::to_string(i % 250 + 1));
}

}  // namespace

TEST_CASE("planning: each session goes where the front end would redirect its client now") {
  const auto plan = plan_for(kMembers);
  health::PoolSelector mover_selector = plan->selector();
  MemberSteering front_end(plan, std::make_shared<health::PoolSelector>(plan->selector()));
  const TimePoint now{};
  std::set<std::string> targets;
  for (int i = 0; i < 400; ++i) {
    const IpAddress peer = client(i);
    const auto target = plan_move_target(*plan, mover_selector, 0, peer, now);
    const auto redirect = front_end.select(peer, std::nullopt, now);
    REQUIRE(target.has_value());
    REQUIRE(redirect.has_value());
    CHECK(target->member == (redirect->member == 1 ? "m2" : "m3"));
    CHECK(target->gateway == describe(redirect->gateway));
    targets.insert(target->member);
  }
  CHECK(targets == std::set<std::string>{"m2", "m3"});  // never m1, which is being emptied

  // The gateway is what the REDIRECT names: the address in the client's family, or the FQDN.
  for (int i = 0; i < 50; ++i) {
    health::PoolSelector fresh = plan->selector();
    const IpAddress v6 = ip("2001:db8:1:" + std::to_string(i) + "::7");
    const auto t = plan_move_target(*plan, fresh, 0, v6, now);
    REQUIRE(t.has_value());
    CHECK(t->gateway == (t->member == "m2" ? "2001:db8::12" : "m3.vpn.example"));
  }
}

TEST_CASE("planning: targets change only when the member set changes") {
  const auto plan = plan_for(kMembers);
  const auto again = plan_for(kMembers);
  const auto grown = plan_for(kMembers + kFourth);
  const TimePoint now{};
  auto target_in = [&](const SteeringPlan& p, const IpAddress& peer) {
    health::PoolSelector fresh = p.selector();  // no load: the hash alone
    return plan_move_target(p, fresh, 0, peer, now)->member;
  };
  int to_new = 0;
  for (int i = 0; i < 400; ++i) {
    const IpAddress peer = client(i);
    const std::string before = target_in(*plan, peer);
    CHECK(target_in(*again, peer) == before);
    const std::string after = target_in(*grown, peer);
    CHECK((after == before || after == "m4"));  // rendezvous: only the new member takes clients
    to_new += after == "m4";
  }
  CHECK(to_new > 0);
}

TEST_CASE("planning: no eligible member but the one emptied is no target") {
  const auto plan = plan_for(R"(
[[member]]
name = "m1"
addresses = ["198.51.100.11"]
state = "drain"
[[member]]
name = "m2"
addresses = ["198.51.100.12"]
state = "maintenance"
)");
  health::PoolSelector s = plan->selector();
  CHECK_FALSE(plan_move_target(*plan, s, 0, ip("203.0.113.1"), TimePoint{}).has_value());
}

namespace {

// An agent that holds sessions and moves them as told: a moved session leaves `leaves_after`
// later (the client sets up its SA on the new member, then deletes the old one). Sessions in
// `stuck` never leave.
class FakeAgent {
 public:
  explicit FakeAgent(std::string member, int sessions, Duration leaves_after = 1s)
      : member_(std::move(member)), leaves_after_(leaves_after) {
    for (int i = 1; i <= sessions; ++i) add(std::to_string(i), client(i));
  }
  void add(const std::string& id, const IpAddress& peer,
           std::optional<IpAddress> local = std::nullopt) {
    sessions_[id] = {peer, {}, local};
  }
  std::set<std::string> stuck;
  std::vector<std::pair<std::string, MoveTarget>> moves;  // as asked
  std::size_t page_size = 7;

  CommandOutcome answer(const OutgoingCommand& c, TimePoint now) {
    expire(now);
    CommandOutcome o;
    o.result = CommandResult::Ok;
    if (c.kind == OutgoingCommand::Kind::Move) {
      moves.emplace_back(c.session, c.target);
      const auto it = sessions_.find(c.session);
      if (it == sessions_.end()) {
        o.result = CommandResult::Failed;
        o.reason = "unknown_session";
      } else if (!stuck.contains(c.session)) {
        it->second.leaves_at = now + leaves_after_;
      }
      return o;
    }
    auto it = c.after ? sessions_.upper_bound(*c.after) : sessions_.begin();
    for (; it != sessions_.end() && o.sessions.size() < page_size; ++it)
      o.sessions.push_back({it->first, it->second.peer, "client", it->second.local});
    o.total = static_cast<std::uint32_t>(sessions_.size());
    o.more = it != sessions_.end();
    return o;
  }
  std::size_t held(TimePoint now) {
    expire(now);
    return sessions_.size();
  }

 private:
  struct Held {
    IpAddress peer;
    std::optional<TimePoint> leaves_at;
    std::optional<IpAddress> local;
  };
  void expire(TimePoint now) {
    std::erase_if(sessions_,
                  [&](const auto& s) { return s.second.leaves_at && *s.second.leaves_at <= now; });
  }
  std::string member_;
  Duration leaves_after_;
  std::map<std::string, Held> sessions_;  // ids in string order: paging by `after` works
};

MovePlanner to(std::string member) {
  return [member](const std::string&, const std::string&, const IpAddress&) {
    return std::optional<MoveTarget>(MoveTarget{member, "198.51.100.99"});
  };
}

Config::Sessions settings(double per_second) {
  Config::Sessions s;
  s.new_ike_sas_per_second = per_second;
  s.move_timeout = 5s;
  s.move_attempts = 2;
  return s;
}

// Runs the coordinator against the agents every 10 ms until `until`, answering each command
// at once; counts the move commands sent per second.
struct Run {
  std::map<std::string, FakeAgent*> agents;
  std::map<long, int> moves_per_second;
  std::vector<std::pair<std::string, MoveEvent>> events;

  void until(MoveCoordinator& c, TimePoint from, TimePoint end, const MovePlanner& plan) {
    for (TimePoint t = from; t < end; t += 10ms) {
      for (const OutgoingCommand& cmd : c.due(t, plan)) {
        if (cmd.kind == OutgoingCommand::Kind::Move)
          ++moves_per_second[std::chrono::duration_cast<std::chrono::seconds>(t - TimePoint{})
                                 .count()];
        c.on_outcome(cmd, agents.at(cmd.member)->answer(cmd, t), t);
      }
      for (auto& e : c.take_events()) events.push_back(std::move(e));
    }
  }
};

MoveProgress progress_of(const MoveCoordinator& c, const std::string& member, TimePoint now) {
  for (const MoveProgress& p : c.progress(now))
    if (p.member == member) return p;
  FAIL("no job for " << member);
  return {};
}

}  // namespace

TEST_CASE("a job lists every page, moves every session, verifies and ends empty") {
  const TimePoint t0{};
  FakeAgent m1("m1", 30);
  TokenBucket budget(10, new_ike_sa_burst(10));
  MoveCoordinator c(settings(10), budget);
  REQUIRE(c.start("m1", t0, {}));
  CHECK_FALSE(c.start("m1", t0, {}));  // running already
  CHECK(progress_of(c, "m1", t0).state == MoveState::Listing);
  Run run{{{"m1", &m1}}, {}, {}};
  run.until(c, t0, t0 + 2s, to("m2"));
  MoveProgress p = progress_of(c, "m1", t0 + 2s);
  CHECK(p.state == MoveState::Moving);
  CHECK(p.total == 30);
  run.until(c, t0 + 2s, t0 + 20s, to("m2"));
  p = progress_of(c, "m1", t0 + 20s);
  CHECK(p.state == MoveState::Empty);
  CHECK(p.total == 30);
  CHECK(p.left == 0);
  CHECK(p.requested == 30);
  CHECK(p.moved == 30);
  CHECK(p.failed() == 0);
  CHECK(m1.moves.size() == 30);
  CHECK(m1.held(t0 + 20s) == 0);
  REQUIRE_FALSE(run.events.empty());
  CHECK(run.events.back().second.message == "member m1 is empty: 30 sessions moved, 0 failed");
  bool batch = false;
  for (const auto& [member, e] : run.events)
    batch = batch ||
            (e.message.starts_with("moved ") && e.message.find(" to m2; ") != std::string::npos);
  CHECK(batch);
  // At most the budget: 10 a second (plus the burst of one second's budget in the first).
  for (const auto& per_second : run.moves_per_second)  // clang 14: no bindings in CHECK
    CHECK(per_second.second <= 10 + (per_second.first == 0 ? 10 : 0));
}

TEST_CASE("pacing is shared: two jobs together move at the cluster-wide budget, in turns") {
  const TimePoint t0{};
  FakeAgent m1("m1", 200, 100s), m2("m2", 200, 100s);
  m1.page_size = m2.page_size = 100;  // listed in 20 ms: moving from the start
  TokenBucket budget(20, new_ike_sa_burst(20));
  MoveCoordinator c(settings(20), budget);
  c.start("m1", t0, {});
  c.start("m2", t0, {});
  Run run{{{"m1", &m1}, {"m2", &m2}}, {}, {}};
  run.until(c, t0, t0 + 10s, to("m3"));
  int total = 0;
  for (const auto& per_second : run.moves_per_second) {
    if (per_second.first > 0) CHECK(per_second.second == 20);
    total += per_second.second;
  }
  CHECK(total >= 218);  // the burst, then 20 a second
  CHECK(total <= 222);
  const auto a = static_cast<long>(m1.moves.size());
  const auto b = static_cast<long>(m2.moves.size());
  CHECK(std::abs(a - b) <= 1);
}

TEST_CASE("the budget is shared with the front end: tokens its redirects took are not moved") {
  const TimePoint t0{};
  FakeAgent m1("m1", 200, 100s);
  m1.page_size = 100;
  TokenBucket budget(20, new_ike_sa_burst(20));
  MoveCoordinator c(settings(20), budget);
  c.start("m1", t0, {});
  Run run{{{"m1", &m1}}, {}, {}};
  // The IKE loops redirect 10 new clients every second, half of the budget.
  for (TimePoint t = t0; t < t0 + 10s; t += 100ms) {
    CHECK(budget.take(t));
    run.until(c, t, t + 100ms, to("m2"));
  }
  for (const auto& per_second : run.moves_per_second)
    if (per_second.first > 0) CHECK(per_second.second == 10);
}

TEST_CASE("sessions that stay are asked again after move_timeout, then count failed") {
  const TimePoint t0{};
  FakeAgent m1("m1", 5);
  m1.stuck = {"2"};
  TokenBucket budget(100, new_ike_sa_burst(100));
  MoveCoordinator c(settings(100), budget);
  c.start("m1", t0, {});
  Run run{{{"m1", &m1}}, {}, {}};
  run.until(c, t0, t0 + 40s, to("m2"));
  const MoveProgress p = progress_of(c, "m1", t0 + 40s);
  CHECK(p.state == MoveState::FailedSome);
  CHECK(p.moved == 4);
  CHECK(p.failed_attempts == 1);
  CHECK(p.left == 1);
  int asked = 0;
  for (const auto& [id, target] : m1.moves) asked += id == "2";
  CHECK(asked == 2);  // move_attempts
}

TEST_CASE("no eligible target: not moved, counted failed, tried again later") {
  const TimePoint t0{};
  FakeAgent m1("m1", 3);
  TokenBucket budget(100, new_ike_sa_burst(100));
  MoveCoordinator c(settings(100), budget);
  c.start("m1", t0, {});
  Run run{{{"m1", &m1}}, {}, {}};
  const MovePlanner nowhere = [](const std::string&, const std::string&, const IpAddress&) {
    return std::optional<MoveTarget>();
  };
  run.until(c, t0, t0 + 3s, nowhere);
  MoveProgress p = progress_of(c, "m1", t0 + 3s);
  CHECK(m1.moves.empty());
  CHECK(p.failed_no_target == 3);
  CHECK(p.state == MoveState::Moving);
  CHECK(p.last_error.find("no eligible member") != std::string::npos);
  run.until(c, t0 + 3s, t0 + 30s, to("m2"));  // a member became eligible
  p = progress_of(c, "m1", t0 + 30s);
  CHECK(p.state == MoveState::Empty);
  CHECK(p.moved == 3);
}

TEST_CASE("a failback's job moves only the sessions on its address, never to its home") {
  const TimePoint t0{};
  const IpAddress moved = *IpAddress::parse("198.51.100.21");
  const IpAddress own = *IpAddress::parse("198.51.100.12");
  FakeAgent m2("m2", 0);
  for (int i = 1; i <= 12; ++i)
    m2.add(std::to_string(i), client(i), i % 3 == 0 ? std::optional(own) : std::optional(moved));
  m2.add("13", client(13));  // the agent does not say where: left alone
  TokenBucket budget(100, new_ike_sa_burst(100));
  MoveCoordinator c(settings(100), budget);
  const std::string job = c.start_failback("m2", {moved, "m1"}, t0, {});
  CHECK(job == "m2 on 198.51.100.21");
  std::set<std::string> avoided;
  const MovePlanner plan = [&](const std::string& from, const std::string& avoid,
                               const IpAddress&) {
    CHECK(from == "m2");
    avoided.insert(avoid);
    return std::optional<MoveTarget>(MoveTarget{"m3", "198.51.100.13"});
  };
  Run run{{{"m2", &m2}}, {}, {}};
  run.until(c, t0, t0 + 1s, plan);
  c.on_reported_sessions("m2", 5, t0 + 1s);  // the whole member's count: no bearing on the job
  run.until(c, t0 + 1s, t0 + 20s, plan);
  CHECK(avoided == std::set<std::string>{"m1"});
  CHECK(m2.moves.size() == 8);
  for (const auto& [id, target] : m2.moves) CHECK(std::stoi(id) % 3 != 0);
  CHECK(m2.held(t0 + 20s) == 5);
  CHECK(c.state(job) == MoveState::Empty);
  CHECK_FALSE(c.wants_time());
  const MoveProgress p = progress_of(c, "m2", t0 + 20s);
  CHECK(p.address == moved);
  CHECK(p.total == 8);
  CHECK(p.moved == 8);
  REQUIRE(run.events.size() >= 2);
  CHECK(run.events.front().second.message ==
        "moving 8 sessions of m2 on 198.51.100.21 before it goes home to m1");
  CHECK(run.events.back().second.message ==
        "no session of m2 is left on 198.51.100.21: 8 sessions moved, 0 failed");
  // A drain of the same member is its own job.
  CHECK(c.start("m2", t0 + 20s, {}));
  CHECK(c.running("m2"));
  c.forget(job);
  CHECK_FALSE(c.state(job));
}

TEST_CASE("unanswered commands are retried; stopping ends the job") {
  const TimePoint t0{};
  TokenBucket budget(100, new_ike_sa_burst(100));
  MoveCoordinator c(settings(100), budget);
  c.start("m1", t0, {});
  auto cmds = c.due(t0, to("m2"));
  REQUIRE(cmds.size() == 1);
  CHECK(cmds[0].kind == OutgoingCommand::Kind::List);
  CommandOutcome timeout;  // result Timeout
  c.on_outcome(cmds[0], timeout, t0 + 2s);
  CHECK(progress_of(c, "m1", t0 + 2s).last_error == "list: timeout");
  CHECK(c.due(t0 + 2500ms, to("m2")).empty());  // waits retry_delay
  CHECK(c.due(t0 + 3s, to("m2")).size() == 1);  // then asks again
  c.stop("m1", "undrained");
  CHECK(progress_of(c, "m1", t0 + 3s).state == MoveState::Stopped);
  CHECK(progress_of(c, "m1", t0 + 3s).stop_reason == "undrained");
  CHECK(c.due(t0 + 10s, to("m2")).empty());
  const auto events = c.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].second.message.starts_with("stopped moving the sessions of m1 (undrained)"));
  CHECK(c.start("m1", t0 + 10s, {}));  // a stopped job starts over
}

TEST_CASE("an empty member stays empty while reports say 0, and is listed again otherwise") {
  const TimePoint t0{};
  FakeAgent m1("m1", 0);
  TokenBucket budget(100, new_ike_sa_burst(100));
  MoveCoordinator c(settings(100), budget);
  c.start("m1", t0, {});
  Run run{{{"m1", &m1}}, {}, {}};
  run.until(c, t0, t0 + 1s, to("m2"));
  CHECK(progress_of(c, "m1", t0 + 1s).state == MoveState::Empty);
  c.on_reported_sessions("m1", 0, t0 + 1s);
  CHECK(c.due(t0 + 60s, to("m2")).empty());  // no listing while empty
  m1.add("9", ip("203.0.113.9"));
  c.on_reported_sessions("m1", 1, t0 + 60s);
  run.until(c, t0 + 60s, t0 + 70s, to("m2"));
  const MoveProgress p = progress_of(c, "m1", t0 + 70s);
  CHECK(p.state == MoveState::Empty);
  CHECK(p.moved == 1);
}

// ------------------------------------------------------------------ the command bookkeeping

namespace {

std::vector<MemberConfig> commandable() {
  std::vector<MemberConfig> members(3);
  members[0].name = "m1";
  members[0].agent_key = std::vector<std::byte>(16, std::byte{0x11});
  members[0].agent_commands = Endpoint{ip("192.0.2.11"), 5556};
  members[1].name = "m2";
  members[1].agent_key = std::vector<std::byte>(16, std::byte{0x22});
  members[1].agent_commands = Endpoint{ip("2001:db8::12"), 5556};
  members[2].name = "m3";  // an agent, but no command address
  members[2].agent_key = std::vector<std::byte>(16, std::byte{0x33});
  return members;
}

std::span<const std::byte> bytes(const std::string& s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

std::string reply(const std::string& member, std::uint64_t seq, health::ReplyResult result,
                  std::byte key_byte, const char* reason = nullptr) {
  health::AgentReply r;
  r.member = member;
  r.seq = seq;
  r.time = 1'700'000'000;
  r.result = result;
  if (reason) r.reason = reason;
  return health::encode_agent_reply(r, std::vector<std::byte>(16, key_byte));
}

}  // namespace

TEST_CASE("commands: signed for their member, seq above the clock and growing") {
  AgentCommandBook book(1'700'000'000'000'000);
  book.configure(commandable());
  CHECK(book.can_command("m1"));
  CHECK_FALSE(book.can_command("m3"));
  const TimePoint t0{};
  const auto none = [](const CommandOutcome&) {};
  OutgoingCommand list{"m1", "m1", OutgoingCommand::Kind::List, std::string("41"), {}, {}};
  const auto a = book.prepare(list, t0 + 2s, 1'700'000'000'000'000, 1'700'000'000, none);
  REQUIRE(a);
  CHECK(a->seq == 1'700'000'000'000'000);
  CHECK(a->to == Endpoint{ip("192.0.2.11"), 5556});
  const auto parsed = health::parse_agent_command(bytes(a->datagram));
  REQUIRE(parsed.has_value());
  CHECK(parsed->member == "m1");
  CHECK(parsed->kind == health::CommandKind::List);
  CHECK(parsed->after == std::optional<std::string_view>("41"));
  CHECK(health::verify_agent_mac(std::vector<std::byte>(16, std::byte{0x11}), parsed->signed_part,
                                 parsed->mac));
  // The clock going back does not make seq go back.
  OutgoingCommand move{"m2", "m2", OutgoingCommand::Kind::Move, {}, "7", {"m1", "198.51.100.11"}};
  const auto b = book.prepare(move, t0 + 2s, 5, 1'700'000'000, none);
  REQUIRE(b);
  CHECK(b->seq == a->seq + 1);
  const auto moved = health::parse_agent_command(bytes(b->datagram));
  REQUIRE(moved.has_value());
  CHECK(moved->session == "7");
  CHECK(moved->gateway == "198.51.100.11");
  CHECK_FALSE(book.prepare({"m3", "m3", OutgoingCommand::Kind::List, {}, {}, {}}, t0, 9, 9, none));
}

TEST_CASE("replies: taken only signed by that member, for a command of it still waiting") {
  AgentCommandBook book(1000);
  book.configure(commandable());
  const TimePoint t0{};
  std::vector<CommandOutcome> got;
  const auto keep = [&](const CommandOutcome& o) { got.push_back(o); };
  const auto a = book.prepare({"m1", "m1", OutgoingCommand::Kind::Move, {}, "7", {"m2", "gw"}},
                              t0 + 2s, 1000, 1, keep);
  REQUIRE(a);
  const auto drops = [&](ReplyDrop d) {
    return book.counters().replies_dropped[static_cast<std::size_t>(d)];
  };
  book.on_datagram(bytes(std::string("IKESTEER-REPLY/1 nonsense")));
  CHECK(drops(ReplyDrop::Malformed) == 1);
  book.on_datagram(bytes(reply("m9", a->seq, health::ReplyResult::Ok, std::byte{0x11})));
  CHECK(drops(ReplyDrop::UnknownMember) == 1);
  book.on_datagram(bytes(reply("m1", a->seq, health::ReplyResult::Ok, std::byte{0x22})));
  CHECK(drops(ReplyDrop::BadMac) == 1);
  book.on_datagram(bytes(reply("m2", a->seq, health::ReplyResult::Ok, std::byte{0x22})));
  CHECK(drops(ReplyDrop::NotPending) == 1);  // m2's key, but the command was m1's
  book.on_datagram(bytes(reply("m1", a->seq + 1, health::ReplyResult::Ok, std::byte{0x11})));
  CHECK(drops(ReplyDrop::NotPending) == 2);
  CHECK(got.empty());
  book.on_datagram(
      bytes(reply("m1", a->seq, health::ReplyResult::Failed, std::byte{0x11}, "unknown_session")));
  REQUIRE(got.size() == 1);
  CHECK(got[0].result == CommandResult::Failed);
  CHECK(got[0].reason == "unknown_session");
  CHECK(book.counters().move[static_cast<std::size_t>(CommandResult::Failed)] == 1);
  // Answered once: the same reply again is not pending any more.
  book.on_datagram(
      bytes(reply("m1", a->seq, health::ReplyResult::Failed, std::byte{0x11}, "unknown_session")));
  CHECK(drops(ReplyDrop::NotPending) == 3);
  CHECK(book.idle());

  // A list page, and a command nobody answers.
  const auto l =
      book.prepare({"m2", "m2", OutgoingCommand::Kind::List, {}, {}, {}}, t0 + 2s, 0, 1, keep);
  const auto lost =
      book.prepare({"m1", "m1", OutgoingCommand::Kind::List, {}, {}, {}}, t0 + 1s, 0, 1, keep);
  REQUIRE(l);
  REQUIRE(lost);
  health::AgentReply header;
  header.member = "m2";
  header.seq = l->seq;
  header.time = 1;
  const std::vector<health::ListedSession> all = {{"3", ip("203.0.113.3"), "alice@example"},
                                                  {"10", ip("2001:db8:9::1"), "bob"}};
  book.on_datagram(bytes(health::encode_list_reply(header, all, std::nullopt,
                                                   std::vector<std::byte>(16, std::byte{0x22}))));
  REQUIRE(got.size() == 2);
  CHECK(got[1].result == CommandResult::Ok);
  CHECK(got[1].total == 2u);
  CHECK_FALSE(got[1].more);
  REQUIRE(got[1].sessions.size() == 2);
  CHECK(got[1].sessions[0].id == "3");
  CHECK(got[1].sessions[1].peer == ip("2001:db8:9::1"));
  book.expire(t0 + 999ms);
  CHECK(got.size() == 2);
  book.expire(t0 + 1s);
  REQUIRE(got.size() == 3);
  CHECK(got[2].result == CommandResult::Timeout);
  CHECK(book.counters().list[static_cast<std::size_t>(CommandResult::Timeout)] == 1);
  CHECK(book.counters().list[static_cast<std::size_t>(CommandResult::Ok)] == 1);
  CHECK(book.idle());
}
