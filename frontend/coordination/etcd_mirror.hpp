// A copy of every key under the cluster prefix, kept current on a thread of its own: list, then
// watch from the next revision; when the stream breaks, list afresh (a compaction may have
// dropped the revisions in between). Each change hands the whole copy over (a few keys).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "frontend/etcd/etcd_client.hpp"

namespace ikesteer::frontend {

using MirroredKeys = std::map<std::string, etcd::KeyValue>;

struct MirrorSnapshot {
  std::shared_ptr<const MirroredKeys> keys;
  std::int64_t revision = 0;  // etcd's revision this copy is current to
};

class EtcdMirror {
 public:
  // `changed` and `broken` are called on the mirror's thread.
  EtcdMirror(etcd::Client client, std::string prefix,
             std::function<void(const MirrorSnapshot&)> changed,
             std::function<void(const std::string& error)> broken);
  ~EtcdMirror();
  EtcdMirror(const EtcdMirror&) = delete;
  EtcdMirror& operator=(const EtcdMirror&) = delete;

  void start();
  void stop();
  // Lists afresh: etcd answered the session again after it had not, and a stream cut off
  // silently (no FIN, no RST) would otherwise never end.
  void restart();

 private:
  void run();
  bool pause(Duration d);  // false: stopping

  etcd::Client client_;
  std::string prefix_;
  std::function<void(const MirrorSnapshot&)> changed_;
  std::function<void(const std::string&)> broken_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
};

}  // namespace ikesteer::frontend
