#include "frontend/coordination/etcd_mirror.hpp"

namespace ikesteer::frontend {
namespace {

constexpr Duration kListTimeout = std::chrono::seconds(2);
constexpr Duration kRetry = std::chrono::milliseconds(250);

}  // namespace

EtcdMirror::EtcdMirror(etcd::Client client, std::string prefix,
                       std::function<void(const MirrorSnapshot&)> changed,
                       std::function<void(const std::string&)> broken)
    : client_(std::move(client)),
      prefix_(std::move(prefix)),
      changed_(std::move(changed)),
      broken_(std::move(broken)) {}

EtcdMirror::~EtcdMirror() {
  stop();
}

void EtcdMirror::start() {
  thread_ = std::thread([this] { run(); });
}

void EtcdMirror::stop() {
  stopping_ = true;
  client_.cancel();
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EtcdMirror::restart() {
  client_.cancel();
}

bool EtcdMirror::pause(Duration d) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, d, [&] { return stopping_.load(); });
  return !stopping_;
}

void EtcdMirror::run() {
  const etcd::KeyRange range{prefix_, etcd::prefix_end(prefix_)};
  while (!stopping_) {
    client_.reset_cancel();
    if (stopping_) break;  // a stop() between the check and the reset must not be lost
    auto listed = client_.range(range, Clock::now() + kListTimeout);
    if (!listed) {
      broken_(listed.error().message);
      if (!pause(kRetry)) break;
      continue;
    }
    auto keys = std::make_shared<MirroredKeys>();
    for (etcd::KeyValue& kv : listed->kvs) (*keys)[kv.key] = std::move(kv);
    MirrorSnapshot snapshot{keys, listed->header.revision};
    changed_(snapshot);
    auto watched = client_.watch(range, snapshot.revision + 1, Clock::now() + kListTimeout,
                                 [&](const etcd::WatchMessage& m) {
                                   if (m.events.empty()) return;
                                   auto next = std::make_shared<MirroredKeys>(*snapshot.keys);
                                   for (const etcd::WatchEvent& e : m.events) {
                                     if (e.type == etcd::WatchEvent::Type::Delete)
                                       next->erase(e.kv.key);
                                     else
                                       (*next)[e.kv.key] = e.kv;
                                   }
                                   snapshot = {next, m.header.revision};
                                   changed_(snapshot);
                                 });
    if (stopping_) break;
    if (!watched && watched.error().kind != etcd::Error::Kind::Cancelled)
      broken_(watched.error().message);
    if (!pause(kRetry)) break;
  }
}

}  // namespace ikesteer::frontend
