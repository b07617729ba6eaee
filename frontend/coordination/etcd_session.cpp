#include "frontend/coordination/etcd_session.hpp"

#include <algorithm>

#include "common/log.hpp"

namespace ikesteer::frontend {
namespace {

using etcd::Compare;
using etcd::Op;

constexpr Duration kRetry = std::chrono::milliseconds(250);
constexpr unsigned kModifyAttempts = 5;

}  // namespace

EtcdSession::EtcdSession(etcd::Client client, Options options, Listener listener)
    : client_(std::move(client)), options_(std::move(options)), listener_(std::move(listener)) {}

EtcdSession::~EtcdSession() {
  stop();
}

void EtcdSession::start() {
  thread_ = std::thread([this] { run(); });
}

void EtcdSession::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EtcdSession::set_record(std::string value) {
  {
    std::lock_guard lock(mutex_);
    record_ = std::move(value);
    record_written_ = false;
    kicked_ = true;
  }
  wake_.notify_all();
}

void EtcdSession::put_fenced(std::string key, std::string value) {
  {
    std::lock_guard lock(mutex_);
    // A newer value of the key replaces one not yet written.
    std::erase_if(pending_, [&](const Pending& p) {
      return p.kind == Pending::Kind::Fenced && p.key == key;
    });
    pending_.push_back({Pending::Kind::Fenced, std::move(key), std::move(value), {}});
    kicked_ = true;
  }
  wake_.notify_all();
}

void EtcdSession::modify(std::string key, Modify modify) {
  {
    std::lock_guard lock(mutex_);
    pending_.push_back({Pending::Kind::Modify, std::move(key), {}, std::move(modify)});
    kicked_ = true;
  }
  wake_.notify_all();
}

void EtcdSession::put(std::string key, std::string value) {
  {
    std::lock_guard lock(mutex_);
    std::erase_if(pending_,
                  [&](const Pending& p) { return p.kind == Pending::Kind::Put && p.key == key; });
    pending_.push_back({Pending::Kind::Put, std::move(key), std::move(value), {}});
    kicked_ = true;
  }
  wake_.notify_all();
}

void EtcdSession::erase(std::string key) {
  {
    std::lock_guard lock(mutex_);
    pending_.push_back({Pending::Kind::Erase, std::move(key), {}, {}});
    kicked_ = true;
  }
  wake_.notify_all();
}

void EtcdSession::leader_key_changed() {
  {
    std::lock_guard lock(mutex_);
    campaign_due_ = true;
    kicked_ = true;
  }
  wake_.notify_all();
}

// Every call is bounded well inside the time a lease has left after a keep-alive.
TimePoint EtcdSession::deadline() const {
  return Clock::now() + options_.ttl / 4;
}

void EtcdSession::run() {
  const Duration renew_every = options_.ttl / 3;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const TimePoint now = Clock::now();
    TimePoint next = now + kRetry;
    if (ensure_lease(now) && keep_alive(now) && write_record() && campaign() && flush())
      next = renewed_sent_ + renew_every;
    lock.lock();
    wake_.wait_until(lock, next, [&] { return stopping_ || kicked_; });
    kicked_ = false;
  }
  lock.unlock();
  if (lease_ != 0) {
    // Resign: the leader key and the record go with the lease, and the others elect at once.
    if (client_.revoke(lease_, deadline()))
      log(LogLevel::Info, "cluster", "lease revoked", {{"lease", std::to_string(lease_)}});
    lease_ = 0;
  }
}

bool EtcdSession::ensure_lease(TimePoint now) {
  if (lease_ != 0) return true;
  const auto ttl = std::chrono::ceil<std::chrono::seconds>(options_.ttl).count();
  auto granted = client_.grant(ttl, deadline());
  if (!granted) {
    reached(false, granted.error().message);
    return false;
  }
  reached(true);
  lease_ = granted->id;
  renewed_sent_ = now;
  std::lock_guard lock(mutex_);
  record_written_ = false;
  campaign_due_ = true;
  return true;
}

bool EtcdSession::write_record() {
  std::string value;
  {
    std::lock_guard lock(mutex_);
    if (!record_ || record_written_) return true;
    value = *record_;
  }
  auto put = client_.put(options_.keys.instance(options_.instance), value, lease_, deadline());
  if (!put) {
    reached(false, put.error().message);
    return false;
  }
  if (listener_.wrote) listener_.wrote();
  std::lock_guard lock(mutex_);
  if (record_ == value) record_written_ = true;
  return true;
}

bool EtcdSession::campaign() {
  {
    std::lock_guard lock(mutex_);
    if (!campaign_due_) return true;
    campaign_due_ = false;
  }
  const std::string key = options_.keys.leader();
  const std::vector<Compare> absent{
      {Compare::Target::CreateRevision, Compare::Result::Equal, key, 0, ""}};
  const std::vector<Op> take{{Op::Kind::Put, {key, ""}, options_.instance, lease_}};
  const std::vector<Op> look{{Op::Kind::Range, {key, ""}, "", 0}};
  auto txn = client_.txn(absent, take, look, deadline());
  if (!txn) {
    {
      std::lock_guard lock(mutex_);
      campaign_due_ = true;
    }
    reached(false, txn.error().message);
    return false;
  }
  reached(true);
  const bool was_leader = leader_;
  if (txn->succeeded) {
    leader_ = true;
    leader_revision_ = txn->header.revision;
    if (listener_.wrote) listener_.wrote();
  } else {
    // Someone holds the key; it is ours only if it is on our lease (created before a restart
    // of this thread's view, e.g. after a lost answer to our own transaction).
    const auto& kvs = txn->ranges.empty() ? std::vector<etcd::KeyValue>{} : txn->ranges[0].kvs;
    leader_ = !kvs.empty() && kvs[0].lease == lease_;
    if (leader_) leader_revision_ = kvs[0].create_revision;
  }
  if (leader_ != was_leader || leader_) announce();
  return true;
}

bool EtcdSession::flush() {
  for (;;) {
    Pending next;
    {
      std::lock_guard lock(mutex_);
      if (pending_.empty()) return true;
      next = pending_.front();
    }
    if (!write(next)) return false;
    std::lock_guard lock(mutex_);
    // Written: drop it, unless a newer value replaced it meanwhile (then that one is next).
    if (!pending_.empty() && pending_.front().kind == next.kind &&
        pending_.front().key == next.key && pending_.front().value == next.value)
      pending_.pop_front();
  }
}

bool EtcdSession::write(const Pending& p) {
  using Kind = Pending::Kind;
  // Unreachable: kept and retried. Refused by etcd: dropped (retrying would not help).
  const auto failed = [&](const etcd::Error& e) {
    if (e.kind == etcd::Error::Kind::Unreachable) {
      reached(false, e.message);
      return false;
    }
    log(LogLevel::Error, "cluster", "etcd refused a write", {{"key", p.key}, {"error", e.message}});
    return true;
  };
  switch (p.kind) {
    case Kind::Fenced: {
      if (!leader_) return true;  // not ours to write: dropped
      const std::vector<Compare> ours{{Compare::Target::CreateRevision, Compare::Result::Equal,
                                       options_.keys.leader(), leader_revision_, ""}};
      auto txn = client_.txn(ours, {{Op::Kind::Put, {p.key, ""}, p.value, 0}}, {}, deadline());
      if (!txn) return failed(txn.error());
      if (!txn->succeeded) {
        log(LogLevel::Warn, "cluster", "no longer the leader: a write was refused",
            {{"key", p.key}});
        leader_ = false;
        announce();
        std::lock_guard lock(mutex_);
        campaign_due_ = true;
      } else if (listener_.wrote) {
        listener_.wrote();
      }
      return true;
    }
    case Kind::Modify:
      for (unsigned attempt = 0; attempt < kModifyAttempts; ++attempt) {
        auto current = client_.range({p.key, ""}, deadline());
        if (!current) return failed(current.error());
        const etcd::KeyValue* kv = current->kvs.empty() ? nullptr : &current->kvs[0];
        const std::string value = p.modify(kv ? std::string_view(kv->value) : std::string_view());
        if (kv && kv->value == value) return true;
        // Unchanged since read: the mod revision (0 for an absent key) is what we read.
        const std::vector<Compare> unchanged{{Compare::Target::ModRevision, Compare::Result::Equal,
                                              p.key, kv ? kv->mod_revision : 0, ""}};
        auto txn = client_.txn(unchanged, {{Op::Kind::Put, {p.key, ""}, value, 0}}, {}, deadline());
        if (!txn) return failed(txn.error());
        if (txn->succeeded) {
          if (listener_.wrote) listener_.wrote();
          return true;
        }
      }
      log(LogLevel::Warn, "cluster", "a change was not written: the key kept changing",
          {{"key", p.key}});
      return true;
    case Kind::Put: {
      auto put = client_.put(p.key, p.value, 0, deadline());
      if (!put) return failed(put.error());
      if (listener_.wrote) listener_.wrote();
      return true;
    }
    case Kind::Erase: {
      auto erased = client_.erase({p.key, ""}, deadline());
      if (!erased) return failed(erased.error());
      if (listener_.wrote) listener_.wrote();
      return true;
    }
  }
  return true;
}

bool EtcdSession::keep_alive(TimePoint now) {
  if (now < renewed_sent_ + options_.ttl / 3) return true;
  auto ttl = client_.keep_alive(lease_, deadline());
  if (!ttl) {
    reached(false, ttl.error().message);
    // Past its TTL the lease is gone even if etcd could not say so: start afresh when back.
    if (now >= renewed_sent_ + options_.ttl) lose_lease();
    return false;
  }
  reached(true);
  if (*ttl <= 0) {
    log(LogLevel::Warn, "cluster", "lease expired", {{"lease", std::to_string(lease_)}});
    lose_lease();
    return false;
  }
  renewed_sent_ = now;
  if (leader_) announce();
  return true;
}

void EtcdSession::lose_lease() {
  lease_ = 0;
  if (leader_) {
    leader_ = false;
    announce();
  }
}

void EtcdSession::announce() {
  Leadership l;
  l.leader = leader_;
  if (leader_) {
    l.token = {options_.instance, lease_, leader_revision_};
    const Duration margin = std::min<Duration>(options_.ttl / 4, std::chrono::seconds(1));
    l.acting_until = renewed_sent_ + options_.ttl - margin;
  }
  listener_.leadership(l);
}

void EtcdSession::reached(bool ok, const std::string& error) {
  if (reachable_ == ok) return;  // said once per change
  reachable_ = ok;
  listener_.reachability(ok, error);
}

}  // namespace ikesteer::frontend
