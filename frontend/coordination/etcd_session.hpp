// This instance's session with etcd, on a thread of its own (etcd::Client blocks): a lease kept
// alive, this instance's record on it, the leader election, and the writes the main loop hands
// over. What it learns goes back through the Listener, called on its thread.
//
// The election: whoever creates the leader key (a transaction that succeeds only while the key
// does not exist) leads, with the key on its lease; the key's creation revision is the fencing
// revision. A leader acts until `acting_until` = when its last successful keep-alive was sent
// + ttl - margin: etcd restarts a lease's TTL when a keep-alive arrives, which is after it was
// sent, so a leader that cannot renew stops acting before its lease can expire and another
// instance can be elected. Writes of a leader are transactions that check the leader key is
// still its own, so a replaced leader's late write is refused by etcd itself.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/clock.hpp"
#include "frontend/actions/fencing_token.hpp"
#include "frontend/coordination/cluster_keys.hpp"
#include "frontend/etcd/etcd_client.hpp"

namespace ikesteer::frontend {

struct Leadership {
  bool leader = false;
  FencingToken token;        // while leader
  TimePoint acting_until{};  // while leader: stop acting then, unless renewed
};

class EtcdSession {
 public:
  struct Options {
    ClusterKeys keys;
    std::string instance;
    Duration ttl;
  };
  struct Listener {
    std::function<void(const Leadership&)> leadership;  // on every change and renewal
    // etcd answered (true) or not (false, with why); on every change.
    std::function<void(bool reachable, const std::string& error)> reachability;
    std::function<void()> wrote;  // after every write that changed etcd (for the metrics)
  };
  // Read-modify-write of one key: given its value ("" when absent), the new value.
  using Modify = std::function<std::string(std::string_view current)>;

  EtcdSession(etcd::Client client, Options options, Listener listener);
  ~EtcdSession();
  EtcdSession(const EtcdSession&) = delete;
  EtcdSession& operator=(const EtcdSession&) = delete;

  void start();
  // Resigns (revokes the lease: the leader key and this instance's record go at once, and
  // another instance is elected without waiting for the TTL), then ends the thread.
  void stop();

  // Writes, in order per kind; a key's newest value replaces one not yet written.
  void set_record(std::string value);                   // this instance's record, on the lease
  void put_fenced(std::string key, std::string value);  // only while leader
  void modify(std::string key, Modify modify);          // compare-and-swap, retried on conflict
  void put(std::string key, std::string value);
  void erase(std::string key);
  // The leader key changed or went (seen by the mirror): campaign again now.
  void leader_key_changed();

 private:
  struct Pending {
    enum class Kind : std::uint8_t { Fenced, Modify, Put, Erase };
    Kind kind;
    std::string key;
    std::string value;
    Modify modify;
  };

  void run();
  // Each returns false when etcd did not answer (then retried later).
  bool ensure_lease(TimePoint now);
  bool write_record();
  bool campaign();
  bool flush();
  bool write(const Pending& p);
  bool keep_alive(TimePoint now);
  void lose_lease();
  void announce();
  void reached(bool ok, const std::string& error = {});
  TimePoint deadline() const;

  etcd::Client client_;
  Options options_;
  Listener listener_;
  std::thread thread_;

  std::mutex mutex_;  // guards everything below it
  std::condition_variable wake_;
  bool stopping_ = false;
  bool kicked_ = false;  // new work since the thread last looked
  bool campaign_due_ = true;
  std::optional<std::string> record_;  // to write
  bool record_written_ = false;
  std::deque<Pending> pending_;

  // The thread's own.
  std::int64_t lease_ = 0;
  TimePoint renewed_sent_{};  // when the last successful grant or keep-alive was sent
  bool leader_ = false;
  std::int64_t leader_revision_ = 0;
  std::optional<bool> reachable_;
};

}  // namespace ikesteer::frontend
