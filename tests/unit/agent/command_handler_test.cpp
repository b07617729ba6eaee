#include "agent/daemon/command_handler.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

using namespace ikesteer;
using namespace ikesteer::agent;
using namespace ikesteer::agent::daemon;
using health::AgentReject;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;

std::vector<std::byte> key_of(unsigned char fill) {
  return std::vector<std::byte>(16, std::byte{fill});
}
const std::vector<std::byte> kKey = key_of(0x11);

// The member's IKE daemon, as the test sets it up.
class FakeBackend final : public SessionBackend {
 public:
  std::vector<Session> sessions;
  bool reachable = true;
  Result<RedirectDone, RedirectError> redirect_answer = RedirectDone{.matches = 1};
  mutable int lists = 0;
  mutable std::vector<std::pair<std::string, std::string>> redirects;

  Result<SessionList, std::string> list_sessions() const override {
    ++lists;
    if (!reachable) return fail(std::string("connect: No such file or directory"));
    return SessionList{.sessions = sessions, .skipped = 0, .malformed = {}};
  }
  Result<RedirectDone, RedirectError> redirect(std::string_view id,
                                               std::string_view gateway) const override {
    redirects.emplace_back(id, gateway);
    return redirect_answer;
  }
};

Session session(unsigned id, std::string identity = "") {
  Session s;
  s.id = std::to_string(id);
  s.name = "cluster";
  s.peer_address = *IpAddress::parse("203.0.113." + std::to_string(id % 250 + 1));
  s.peer_id = identity.empty() ? "c" + std::to_string(id) + ".clients.example" : identity;
  if (id % 2 == 0) s.local_address = IpAddress::parse("198.51.100.21");  // odd: not known
  return s;
}

std::uint64_t g_seq = 1000;

std::string list_command(std::optional<std::string_view> after = std::nullopt,
                         std::string_view member = "m1", std::int64_t time = kNow,
                         const std::vector<std::byte>& key = kKey) {
  health::AgentCommand c;
  c.member = member;
  c.seq = ++g_seq;
  c.time = time;
  c.kind = health::CommandKind::List;
  c.after = after;
  return health::encode_agent_command(c, key);
}

std::string move_command(std::string_view session_id, std::string_view gateway = "198.51.100.12") {
  health::AgentCommand c;
  c.member = "m1";
  c.seq = ++g_seq;
  c.time = kNow;
  c.kind = health::CommandKind::Move;
  c.session = session_id;
  c.gateway = gateway;
  return health::encode_agent_command(c, kKey);
}

std::span<const std::byte> bytes(const std::string& s) {
  return std::as_bytes(std::span(s));
}

CommandTime at(std::int64_t unix_seconds, int steady_seconds = 0) {
  return {.unix_seconds = unix_seconds,
          .steady = std::chrono::steady_clock::time_point(std::chrono::seconds(steady_seconds))};
}

// The reply, parsed and its MAC checked under kKey. Its views point into the outcome's
// datagram: the outcome must outlive it (hence no temporaries).
health::AgentReply reply_of(CommandOutcome&&) = delete;
health::AgentReply reply_of(const CommandOutcome& outcome) {
  REQUIRE(outcome.reply.has_value());
  CHECK(outcome.reply->size() <= health::kMaxAgentReplySize);
  auto parsed = health::parse_agent_reply(bytes(*outcome.reply));
  REQUIRE(parsed.has_value());
  CHECK(health::verify_agent_mac(kKey, parsed->signed_part, parsed->mac));
  return *parsed;
}

struct Fixture {
  FakeBackend backend;
  CommandHandler handler{"m1", kKey, std::chrono::seconds(30), backend};
};

}  // namespace

TEST_CASE("list: every session in id order, in one page when they fit") {
  Fixture f;
  f.backend.sessions = {session(12), session(3), session(7, "CN=a b, O=x")};
  const CommandOutcome outcome = f.handler.handle(bytes(list_command()), at(kNow));
  CHECK_FALSE(outcome.refusal.has_value());
  const std::string text = *outcome.reply;
  const health::AgentReply reply = reply_of(outcome);
  CHECK(reply.result == health::ReplyResult::Ok);
  CHECK(reply.member == "m1");
  CHECK(reply.time == kNow);
  CHECK(reply.seq == g_seq);
  CHECK(reply.sessions == 3u);
  CHECK_FALSE(reply.more);
  REQUIRE(reply.listed.size() == 3);
  CHECK(reply.listed[0].id == "3");
  CHECK(reply.listed[1].id == "7");
  CHECK(reply.listed[2].id == "12");
  CHECK(health::percent_decode(reply.listed[1].identity) == "CN=a b, O=x");
  CHECK(reply.listed[2].peer == *IpAddress::parse("203.0.113.13"));
  CHECK(f.backend.lists == 1);
}

TEST_CASE("list: pages follow one another; the first page's list serves for a few seconds") {
  Fixture f;
  for (unsigned id = 1; id <= 80; ++id)
    f.backend.sessions.push_back(session(id, "client-" + std::to_string(id) + ".example"));
  std::set<std::string> seen;
  std::optional<std::string> after;
  int pages = 0;
  for (;;) {
    const CommandOutcome outcome = f.handler.handle(bytes(list_command(after)), at(kNow, 1));
    const health::AgentReply reply = reply_of(outcome);
    REQUIRE(reply.result == health::ReplyResult::Ok);
    CHECK(reply.sessions == 80u);
    REQUIRE_FALSE(reply.listed.empty());
    for (const health::ListedSession& s : reply.listed) {
      CHECK(seen.insert(std::string(s.id)).second);
      CHECK(s.local == session(static_cast<unsigned>(std::stoul(std::string(s.id)))).local_address);
    }
    ++pages;
    if (!reply.more) break;
    after = std::string(reply.listed.back().id);
    REQUIRE(pages < 80);
  }
  CHECK(pages > 1);
  CHECK(seen.size() == 80);
  CHECK(f.backend.lists == 1);  // one fetch for the whole paging

  // A following page asked long after the first page: fetched anew.
  f.handler.handle(bytes(list_command("10")), at(kNow, 1 + 6));
  CHECK(f.backend.lists == 2);
  // A first page: always fetched anew.
  f.handler.handle(bytes(list_command()), at(kNow, 1 + 7));
  CHECK(f.backend.lists == 3);
}

TEST_CASE("list: the IKE daemon unreachable -> failed daemon_unreachable") {
  Fixture f;
  f.backend.reachable = false;
  const CommandOutcome reply_outcome = f.handler.handle(bytes(list_command()), at(kNow));
  const health::AgentReply reply = reply_of(reply_outcome);
  CHECK(reply.result == health::ReplyResult::Failed);
  CHECK(reply.reason == "daemon_unreachable");
  CHECK(reply.listed.empty());
}

TEST_CASE("move: ok only when the daemon queued the redirect of a session") {
  Fixture f;
  const CommandOutcome ok_outcome = f.handler.handle(bytes(move_command("7")), at(kNow));
  const health::AgentReply ok = reply_of(ok_outcome);
  CHECK(ok.result == health::ReplyResult::Ok);
  CHECK_FALSE(ok.reason.has_value());
  REQUIRE(f.backend.redirects.size() == 1);
  CHECK(f.backend.redirects[0] == std::pair<std::string, std::string>("7", "198.51.100.12"));

  // The backend knows its daemon's answers; the reply says each in the protocol's words.
  const struct {
    RedirectFailure failure;
    std::string_view reason;
  } failures[] = {
      {RedirectFailure::UnknownSession, "unknown_session"},
      {RedirectFailure::DaemonUnreachable, "daemon_unreachable"},
      {RedirectFailure::DaemonRefused, "daemon_refused"},
  };
  for (const auto& c : failures) {
    INFO(c.reason);
    f.backend.redirect_answer = fail(RedirectError{c.failure, "what the daemon said"});
    const CommandOutcome outcome =
        f.handler.handle(bytes(move_command("8", "gw-2.example")), at(kNow));
    const health::AgentReply reply = reply_of(outcome);
    CHECK(reply.result == health::ReplyResult::Failed);
    CHECK(reply.reason == c.reason);
    CHECK(outcome.level == LogLevel::Warn);
    CHECK(std::find(outcome.details.begin(), outcome.details.end(),
                    std::pair<std::string_view, std::string>("error", "what the daemon said")) !=
          outcome.details.end());
  }
  CHECK(health::kReplyFailureReasons.size() == std::size(failures));
}

TEST_CASE("malformed and bad-MAC commands: no reply, counted") {
  Fixture f;
  const CommandOutcome garbage = f.handler.handle(bytes(std::string("hello")), at(kNow));
  CHECK_FALSE(garbage.reply.has_value());
  CHECK(garbage.refusal == AgentReject::Malformed);

  const CommandOutcome wrong_key =
      f.handler.handle(bytes(list_command(std::nullopt, "m1", kNow, key_of(0x22))), at(kNow));
  CHECK_FALSE(wrong_key.reply.has_value());
  CHECK(wrong_key.refusal == AgentReject::BadMac);

  CHECK(f.handler.refusals().of(AgentReject::Malformed) == 1);
  CHECK(f.handler.refusals().of(AgentReject::BadMac) == 1);
  CHECK(f.backend.lists == 0);
}

TEST_CASE("authenticated but replayed, stale or for another member: refused with a reply") {
  Fixture f;
  const std::string command = list_command();
  CHECK_FALSE(f.handler.handle(bytes(command), at(kNow)).refusal.has_value());
  const CommandOutcome again = f.handler.handle(bytes(command), at(kNow));
  CHECK(again.refusal == AgentReject::Replayed);
  health::AgentReply reply = reply_of(again);
  CHECK(reply.result == health::ReplyResult::Refused);
  CHECK(reply.reason == "replayed");

  const CommandOutcome stale =
      f.handler.handle(bytes(list_command(std::nullopt, "m1", kNow - 100)), at(kNow));
  CHECK(stale.refusal == AgentReject::Stale);
  CHECK(reply_of(stale).reason == "stale");
  // Ahead of our clock counts too.
  CHECK(f.handler.handle(bytes(list_command(std::nullopt, "m1", kNow + 31)), at(kNow)).refusal ==
        AgentReject::Stale);

  const CommandOutcome other = f.handler.handle(bytes(list_command(std::nullopt, "m2")), at(kNow));
  CHECK(other.refusal == AgentReject::UnknownMember);
  reply = reply_of(other);
  CHECK(reply.reason == "unknown_member");
  CHECK(reply.member == "m2");
  // Another member's name without our key's MAC: nothing to answer.
  const CommandOutcome stranger =
      f.handler.handle(bytes(list_command(std::nullopt, "m2", kNow, key_of(0x22))), at(kNow));
  CHECK(stranger.refusal == AgentReject::UnknownMember);
  CHECK_FALSE(stranger.reply.has_value());

  CHECK(f.handler.refusals().of(AgentReject::Replayed) == 1);
  CHECK(f.handler.refusals().of(AgentReject::Stale) == 2);
  CHECK(f.handler.refusals().of(AgentReject::UnknownMember) == 2);
  CHECK(f.backend.lists == 1);

  // A refusal leaves the replay state alone: the next fresh command is admitted.
  CHECK_FALSE(f.handler.handle(bytes(list_command()), at(kNow)).refusal.has_value());
}

TEST_CASE("refusal counts as log fields, one per reason") {
  RefusalCounts counts;
  counts.add(AgentReject::Stale);
  counts.add(AgentReject::Stale);
  std::vector<std::string> storage;
  const auto fields = counts.log_fields(storage);
  REQUIRE(fields.size() == kCommandRefusals.size());
  CHECK(fields[0].first == "refused_malformed");
  CHECK(fields.back().first == "refused_stale");
  CHECK(fields.back().second == "2");
}
