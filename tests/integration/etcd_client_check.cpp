// etcd_client.sh's checks of frontend/etcd/'s Client against a real etcd on loopback, over the
// transport ETCD_MODE names ("http" or "https"): ETCD_PORT is etcd's client port for it,
// ETCD_DEAD_PORT a loopback port nothing listens on, ETCD_TLS_DIR holds ca.pem, client.pem,
// client-key.pem and wrong-ca.pem. Each mode writes under its own key prefix.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "frontend/etcd/etcd_client.hpp"
#include "frontend/etcd/http_channel.hpp"

namespace ikesteer::frontend::etcd {
namespace {

using namespace std::chrono_literals;

struct Setup {
  bool tls = false;
  std::uint16_t port = 0;
  std::uint16_t dead_port = 0;
  std::string tls_dir;
  std::string prefix;  // of every key this run writes
};

const Setup& setup() {
  static const Setup s = [] {
    const auto env = [](const char* name) {
      const char* v = std::getenv(name);
      REQUIRE_MESSAGE(v, name << " is not set (run etcd_client.sh)");
      return std::string(v);
    };
    Setup r;
    r.tls = env("ETCD_MODE") == "https";
    r.port = static_cast<std::uint16_t>(std::stoi(env("ETCD_PORT")));
    r.dead_port = static_cast<std::uint16_t>(std::stoi(env("ETCD_DEAD_PORT")));
    r.tls_dir = env("ETCD_TLS_DIR");
    r.prefix = env("ETCD_MODE") + "/";
    return r;
  }();
  return s;
}

ClientEndpoint endpoint(std::uint16_t port, const char* address = "127.0.0.1") {
  return {.tls = setup().tls, .address = *IpAddress::parse(address), .port = port};
}

ClientOptions options_for(std::vector<ClientEndpoint> endpoints, std::string ca = "ca.pem") {
  ClientOptions o;
  o.endpoints = std::move(endpoints);
  o.tls_ca = setup().tls_dir + "/" + ca;
  o.tls_certificate = setup().tls_dir + "/client.pem";
  o.tls_key = setup().tls_dir + "/client-key.pem";
  return o;
}

Client client_for(ClientOptions options) {
  auto c = Client::create(std::move(options));
  REQUIRE_MESSAGE(c, (c ? "" : c.error()));
  return std::move(c).value();
}

Client etcd_client() {
  return client_for(options_for({endpoint(setup().port)}));
}

TimePoint in_2s() {
  return Clock::now() + 2s;
}

KeyRange just(std::string key) {
  return {.key = std::move(key), .range_end = ""};
}

Op op(Op::Kind kind, std::string key, std::string value = "") {
  return {.kind = kind, .range = just(std::move(key)), .value = std::move(value), .lease = 0};
}

// `key`'s create or mod revision, version or lease equal to `number`, or its value to `value`.
Compare equal(Compare::Target target, std::string key, std::int64_t number,
              std::string value = "") {
  return {.target = target,
          .result = Compare::Result::Equal,
          .key = std::move(key),
          .number = number,
          .value = std::move(value)};
}

std::string key(std::string_view name) {
  return setup().prefix + std::string(name);
}

template <class T>
T ok(Result<T, Error> r) {
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  return std::move(r).value();
}

void ok(const Result<void, Error>& r) {
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
}

// A watch on a thread of its own, its messages collected.
class Watcher {
 public:
  Watcher(const KeyRange& range, std::int64_t start_revision)
      : client_(etcd_client()), thread_([this, range, start_revision] {
          auto r = client_.watch(range, start_revision, in_2s(), [this](const WatchMessage& m) {
            const std::lock_guard lock(mutex_);
            messages_.push_back(m);
            changed_.notify_all();
          });
          const std::lock_guard lock(mutex_);
          result_ = r ? std::optional<Error>() : r.error();
          ended_ = true;
          changed_.notify_all();
        }) {}
  ~Watcher() {
    client_.cancel();
    thread_.join();
  }
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Waits up to 2 s for `events` events; all events so far.
  std::vector<WatchEvent> events(std::size_t events) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, 2s, [&] { return ended_ || collected().size() >= events; });
    return collected();
  }
  bool wait_created() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 2s, [&] { return !messages_.empty(); }) &&
           messages_.front().created;
  }
  // Cancels and waits up to 2 s for watch() to return; its error, or nullopt if it did not.
  std::optional<Error> cancel_and_wait() {
    client_.cancel();
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, 2s, [&] { return ended_; })) return std::nullopt;
    return result_;
  }

 private:
  std::vector<WatchEvent> collected() const {
    std::vector<WatchEvent> all;
    for (const auto& m : messages_) all.insert(all.end(), m.events.begin(), m.events.end());
    return all;
  }

  Client client_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<WatchMessage> messages_;
  std::optional<Error> result_;
  bool ended_ = false;
  std::thread thread_;  // last: starts once the rest is ready
};

TEST_CASE("put, range, erase") {
  Client c = etcd_client();
  const Header put = ok(c.put(key("kv/a"), "one", 0, in_2s()));
  CHECK(put.revision > 0);
  CHECK(put.member_id != 0);
  ok(c.put(key("kv/b"), std::string("t\0o", 3), 0, in_2s()));
  CHECK(c.current_endpoint() == "127.0.0.1:" + std::to_string(setup().port));

  const RangeResult a = ok(c.range(just(key("kv/a")), in_2s()));
  REQUIRE(a.kvs.size() == 1);
  CHECK(a.kvs[0].key == key("kv/a"));
  CHECK(a.kvs[0].value == "one");
  CHECK(a.kvs[0].mod_revision == put.revision);
  CHECK(a.kvs[0].version == 1);

  const KeyRange all{.key = key("kv/"), .range_end = prefix_end(key("kv/"))};
  const RangeResult both = ok(c.range(all, in_2s()));
  CHECK(both.count == 2);
  REQUIRE(both.kvs.size() == 2);
  CHECK(both.kvs[1].value == std::string("t\0o", 3));

  const Header erased = ok(c.erase(all, in_2s()));
  CHECK(erased.revision > put.revision);
  CHECK(ok(c.range(all, in_2s())).kvs.empty());
}

TEST_CASE("txn: compare-and-set takes either branch") {
  Client c = etcd_client();
  const std::string k = key("txn/leader");
  using T = Compare::Target;
  const Compare absent = equal(T::CreateRevision, k, 0);
  const auto claim = [&](std::string value) {
    return std::vector<Op>{op(Op::Kind::Put, k, std::move(value))};
  };
  const std::vector<Op> read = {op(Op::Kind::Range, k)};

  const TxnResult first = ok(c.txn({absent}, claim("m1"), read, in_2s()));
  CHECK(first.succeeded);
  CHECK(first.ranges.empty());
  const TxnResult second = ok(c.txn({absent}, claim("m2"), read, in_2s()));
  CHECK_FALSE(second.succeeded);
  REQUIRE(second.ranges.size() == 1);
  REQUIRE(second.ranges[0].kvs.size() == 1);
  CHECK(second.ranges[0].kvs[0].value == "m1");

  // Swap only from the revision read: a stale one fails.
  const std::int64_t revision = second.ranges[0].kvs[0].mod_revision;
  const auto at = [&](std::int64_t r) { return std::vector<Compare>{equal(T::ModRevision, k, r)}; };
  CHECK(ok(c.txn(at(revision), claim("m3"), {}, in_2s())).succeeded);
  CHECK_FALSE(ok(c.txn(at(revision), claim("m4"), {}, in_2s())).succeeded);
  const std::vector<Compare> value_is_m3 = {equal(T::Value, k, 0, "m3")};
  CHECK(ok(c.txn(value_is_m3, {op(Op::Kind::Delete, k)}, {}, in_2s())).succeeded);
  CHECK(ok(c.range(just(k), in_2s())).kvs.empty());
}

TEST_CASE("leases: grant, attach, keep alive, revoke") {
  Client c = etcd_client();
  const LeaseGrant lease = ok(c.grant(30, in_2s()));
  CHECK(lease.id != 0);
  CHECK(lease.ttl == 30);
  const std::string k = key("lease/held");
  ok(c.put(k, "x", lease.id, in_2s()));
  CHECK(ok(c.range(just(k), in_2s())).kvs.at(0).lease == lease.id);
  const std::vector<Compare> held = {equal(Compare::Target::Lease, k, lease.id)};
  CHECK(ok(c.txn(held, {}, {}, in_2s())).succeeded);

  const std::int64_t ttl = ok(c.keep_alive(lease.id, in_2s()));
  CHECK(ttl > 0);
  CHECK(ttl <= 30);
  ok(c.revoke(lease.id, in_2s()));
  CHECK(ok(c.range(just(k), in_2s())).kvs.empty());
  CHECK(ok(c.keep_alive(lease.id, in_2s())) == 0);

  const auto again = c.revoke(lease.id, in_2s());
  REQUIRE_FALSE(again);
  CHECK(again.error().kind == Error::Kind::Refused);
  CHECK(again.error().message == "etcd: etcdserver: requested lease not found (code 5)");
}

TEST_CASE("a key with a lease disappears when the lease expires") {
  Client c = etcd_client();
  // etcd raises TTLs below its minimum (1.5 × election timeout: 2 s by default).
  const LeaseGrant lease = ok(c.grant(1, in_2s()));
  CHECK(lease.ttl >= 1);
  const std::string k = key("lease/expiring");
  ok(c.put(k, "x", lease.id, in_2s()));
  const auto granted = Clock::now();
  bool gone = false;
  while (!gone && Clock::now() < granted + std::chrono::seconds(lease.ttl) + 3s) {
    std::this_thread::sleep_for(100ms);
    gone = ok(c.range(just(k), in_2s())).kvs.empty();
  }
  CHECK(gone);
  CHECK(Clock::now() - granted >= std::chrono::seconds(lease.ttl) - 500ms);
  CHECK(ok(c.keep_alive(lease.id, in_2s())) == 0);
}

TEST_CASE("status") {
  Client c = etcd_client();
  const Status s = ok(c.status(in_2s()));
  CHECK(s.version.starts_with("3."));
  CHECK(s.leader != 0);
  CHECK(s.leader == s.header.member_id);
  CHECK(s.db_size > 0);
}

TEST_CASE("watch: PUT and DELETE in order, live and replayed from a revision") {
  Client c = etcd_client();
  const KeyRange range{.key = key("watch/"), .range_end = prefix_end(key("watch/"))};
  std::int64_t first_revision = 0;
  {
    Watcher live(range, 0);
    REQUIRE(live.wait_created());
    first_revision = ok(c.put(key("watch/a"), "1", 0, in_2s())).revision;
    ok(c.put(key("watch/a"), "2", 0, in_2s()));
    ok(c.put(key("other"), "not watched", 0, in_2s()));
    ok(c.erase(just(key("watch/a")), in_2s()));
    const auto events = live.events(3);
    REQUIRE(events.size() == 3);
    CHECK(events[0].type == WatchEvent::Type::Put);
    CHECK(events[0].kv.value == "1");
    CHECK(events[0].kv.mod_revision == first_revision);
    CHECK(events[1].kv.value == "2");
    CHECK(events[2].type == WatchEvent::Type::Delete);
    CHECK(events[2].kv.key == key("watch/a"));
    const auto ended = live.cancel_and_wait();
    REQUIRE(ended);
    CHECK(ended->kind == Error::Kind::Cancelled);
  }
  Watcher replay(range, first_revision);
  const auto events = replay.events(3);
  REQUIRE(events.size() == 3);
  CHECK(events[0].kv.value == "1");
  CHECK(events[1].kv.value == "2");
  CHECK(events[2].type == WatchEvent::Type::Delete);
}

TEST_CASE("cancel() ends a watch at once, and the next one until reset_cancel()") {
  Watcher idle(just(key("idle")), 0);
  REQUIRE(idle.wait_created());
  const auto asked = Clock::now();
  const auto ended = idle.cancel_and_wait();
  const auto took = Clock::now() - asked;
  REQUIRE(ended);
  CHECK(ended->kind == Error::Kind::Cancelled);
  CHECK(took < 2s);
  MESSAGE("cancel() ended the watch in "
          << std::chrono::duration_cast<std::chrono::microseconds>(took).count() << " µs");

  Client c = etcd_client();
  c.cancel();
  const auto refused = c.watch(just(key("idle")), 0, in_2s(), [](const WatchMessage&) {});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == Error::Kind::Cancelled);
  c.reset_cancel();
  // From within on_message, as a caller that saw enough would.
  int messages = 0;
  const auto own = c.watch(just(key("idle")), 0, in_2s(), [&](const WatchMessage&) {
    ++messages;
    c.cancel();
  });
  REQUIRE_FALSE(own);
  CHECK(own.error().kind == Error::Kind::Cancelled);
  CHECK(messages == 1);
}

// The Client has no compaction; the channel under it posts one.
void compact(std::int64_t revision) {
  boost::asio::io_context io;
  auto tls = make_tls_context(options_for({}));
  REQUIRE(tls);
  HttpChannel channel(io, tls->get(), nullptr);
  REQUIRE(channel.connect(endpoint(setup().port), in_2s()));
  REQUIRE(channel.post("/v3/kv/compaction", R"({"revision":")" + std::to_string(revision) + "\"}",
                       in_2s()));
  const auto answer = channel.receive(in_2s());
  REQUIRE(answer);
  CHECK_MESSAGE(answer->status == 200, answer->body);
}

TEST_CASE("a watch from a compacted revision: the server cancels it, and watch() returns") {
  Client c = etcd_client();
  const std::int64_t old = ok(c.put(key("compacted"), "1", 0, in_2s())).revision;
  const std::int64_t now = ok(c.put(key("compacted"), "2", 0, in_2s())).revision;
  compact(now);
  std::vector<WatchMessage> messages;
  ok(c.watch(just(key("compacted")), old, in_2s(),
             [&](const WatchMessage& m) { messages.push_back(m); }));
  REQUIRE_FALSE(messages.empty());
  CHECK(messages.back().canceled);
  CHECK(messages.back().compact_revision == now);
  CHECK(messages.back().events.empty());
}

TEST_CASE("failover: a dead first endpoint, then etcd; the next call starts at etcd") {
  Client c = client_for(options_for({endpoint(setup().dead_port), endpoint(setup().port)}));
  CHECK(c.current_endpoint().empty());
  ok(c.status(in_2s()));
  CHECK(c.current_endpoint() == "127.0.0.1:" + std::to_string(setup().port));
  ok(c.put(key("failover"), "x", 0, in_2s()));
  CHECK(ok(c.range(just(key("failover")), in_2s())).kvs.size() == 1);
}

// A loopback port that takes connections (the kernel's backlog) but never answers.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof a;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), length) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &length) == 0);
    port_ = ntohs(a.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

TEST_CASE("every endpoint dead: Unreachable by the deadline, naming each") {
  SilentListener silent;
  Client c = client_for(options_for({endpoint(setup().dead_port), endpoint(silent.port())}));
  const auto asked = Clock::now();
  const auto r = c.status(asked + 500ms);
  const auto took = Clock::now() - asked;
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == Error::Kind::Unreachable);
  CHECK(took < 2s);
  const std::string& m = r.error().message;
  MESSAGE(m);
  CHECK(m.find("127.0.0.1:" + std::to_string(setup().dead_port) + ": connect: ") == 0);
  CHECK(m.find("; 127.0.0.1:" + std::to_string(silent.port()) + ": ") != std::string::npos);
  CHECK(m.ends_with("timeout"));
  CHECK(c.current_endpoint().empty());

  // A watch, too, gives up connecting at its deadline.
  const auto watch = c.watch(just(key("x")), 0, Clock::now() + 500ms, [](const WatchMessage&) {});
  REQUIRE_FALSE(watch);
  CHECK(watch.error().kind == Error::Kind::Unreachable);
}

TEST_CASE("create(): no endpoints, unreadable TLS files") {
  CHECK_FALSE(Client::create({}));
  if (!setup().tls) return;
  const auto missing = Client::create(options_for({endpoint(setup().port)}, "no-such-ca.pem"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().find("no-such-ca.pem") != std::string::npos);
}

TEST_CASE("TLS: a wrong CA, a certificate for another address, no client certificate") {
  if (!setup().tls) return;
  const auto refused = [](ClientOptions options) {
    Client c = client_for(std::move(options));
    const auto r = c.status(in_2s());
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == Error::Kind::Unreachable);
    MESSAGE(r.error().message);
    return r.error().message;
  };
  CHECK(refused(options_for({endpoint(setup().port)}, "wrong-ca.pem")).find("tls: ") !=
        std::string::npos);
  CHECK(refused(options_for({endpoint(setup().port, "127.0.0.2")})).find("tls: ") !=
        std::string::npos);
  ClientOptions anonymous = options_for({endpoint(setup().port)});
  anonymous.tls_certificate.clear();
  anonymous.tls_key.clear();
  refused(std::move(anonymous));
}

}  // namespace
}  // namespace ikesteer::frontend::etcd
