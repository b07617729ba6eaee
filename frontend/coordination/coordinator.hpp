// Cluster mode on the main loop: runs the etcd session and mirror (each on its own thread),
// hands what they learn to the daemon, and writes what the daemon changes.
//
// - The operators' overrides live in etcd; an action on any instance is written there, and
//   every instance runs with what the mirror shows (overrides()).
// - The leader publishes its member verdicts; the others steer and answer DNS with those
//   (verdicts()), so every instance gives a client the same answer.
// - Only the acting leader runs failover and session moves: authority() says when that starts
//   (with its token and the address holders the previous leader recorded) and ends.
// - Without etcd an instance keeps its last shared state, does not act, and says so (status()).
#pragma once

#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "frontend/cluster/cluster_state.hpp"
#include "frontend/config/config.hpp"
#include "frontend/coordination/cluster_keys.hpp"
#include "frontend/coordination/cluster_status.hpp"
#include "frontend/coordination/etcd_mirror.hpp"
#include "frontend/coordination/etcd_session.hpp"
#include "frontend/coordination/shared_records.hpp"
#include "frontend/log/event_log.hpp"
#include "frontend/os/uv_handle.hpp"
#include "frontend/os/uv_timer.hpp"

namespace ikesteer::frontend {

class Coordinator {
 public:
  struct Hooks {
    // The overrides' text as kept in etcd ("" when none); on every change.
    std::function<void(const std::string&)> overrides;
    // The leader's verdicts changed (see verdicts()); on followers only.
    std::function<void()> verdicts;
    // Acting begins (a token and the recorded holders) or ends (nullopt).
    std::function<void(std::optional<FencingToken>, const std::map<IpAddress, std::string>&)>
        authority;
    // While not acting: the address holders the leader recorded; on every change.
    std::function<void(const std::map<IpAddress, std::string>&)> holders;
    // Another instance's event (oldest first).
    std::function<void(Event)> event;
    // While acting: the drains with move asked for, by member; on every change.
    std::function<void(const std::map<std::string, MoveRequestRecord>&)> moves;
  };

  // Fails when the etcd client cannot be made (a TLS file that cannot be read).
  static Result<std::unique_ptr<Coordinator>, std::string> create(uv_loop_t* loop,
                                                                  const Config& config,
                                                                  std::string version,
                                                                  EventLog& events, Hooks hooks);
  ~Coordinator();
  Coordinator(const Coordinator&) = delete;
  Coordinator& operator=(const Coordinator&) = delete;

  void start();
  // Resigns the lease (another instance leads at once) and ends the threads.
  void stop();

  bool acting() const { return acting_; }
  const std::optional<SharedVerdicts>& verdicts() const { return verdicts_; }
  bool reachable() const;

  // What the daemon changes. Verdicts and holders are written only while acting and only
  // when they differ from what was last written; the view (this instance's record) likewise.
  void publish_verdicts(const ClusterState& state, const std::vector<MemberConfig>& members);
  void publish_holders(const std::map<IpAddress, std::string>& holders);
  void publish_view(const ClusterState& state, const std::vector<MemberConfig>& members);
  // An operator's change, read-modify-written on the overrides' text.
  void change_overrides(std::function<std::string(std::string_view current)> modify);
  // This instance's event, for every instance's event log.
  void publish_event(const Event& event);
  void request_move(const std::string& member, const std::string& who);
  void end_move(const std::string& member);

  ClusterStatus status() const;  // from any thread

 private:
  Coordinator(uv_loop_t* loop, const Config& config, std::string version, EventLog& events,
              Hooks hooks, etcd::Client session_client, etcd::Client mirror_client);
  using Wakeup = UvHandle<uv_async_t, Coordinator>;

  void on_wakeup();
  void on_leadership(const Leadership& l);
  void on_snapshot(const MirrorSnapshot& s);
  void on_reachability(bool reachable, const std::string& error);
  void take_over_if_synced();
  void stop_acting(const std::string& why);
  std::map<IpAddress, std::string> recorded_holders() const;
  std::map<std::string, MoveRequestRecord> move_requests() const;
  void take_events(const MirrorSnapshot& s);

  uv_loop_t* loop_;
  ClusterKeys keys_;
  std::string instance_;
  std::string version_;
  std::string advertise_;
  EventLog& events_;
  Hooks hooks_;
  std::int64_t started_ms_;
  Wakeup wakeup_;
  UvTimer acting_timer_;
  std::unique_ptr<EtcdSession> session_;
  std::unique_ptr<EtcdMirror> mirror_;

  // Handed over by the threads, taken by on_wakeup().
  mutable std::mutex inbox_mutex_;
  std::optional<Leadership> inbox_leadership_;
  std::optional<MirrorSnapshot> inbox_snapshot_;
  std::optional<std::pair<bool, std::string>> inbox_reachability_;

  // The main loop's.
  bool acting_ = false;
  std::optional<Leadership> leadership_;  // the newest, while this instance leads
  MirrorSnapshot snapshot_;
  std::optional<SharedVerdicts> verdicts_;
  std::optional<std::string> overrides_text_;
  std::map<std::string, MoveRequestRecord> moves_;
  std::string written_verdicts_, written_holders_, written_view_;
  std::string seen_owners_;       // the owners record as last handed to a follower
  std::int64_t events_seen_ = 0;  // the mirror's revision up to which events were taken

  mutable std::mutex status_mutex_;
  ClusterStatus status_;
};

}  // namespace ikesteer::frontend
