#include "frontend/coordination/coordinator.hpp"

#include <algorithm>

#include "common/log.hpp"

namespace ikesteer::frontend {
namespace {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const etcd::KeyValue* find(const MirroredKeys& keys, const std::string& key) {
  const auto it = keys.find(key);
  return it == keys.end() ? nullptr : &it->second;
}

std::string value_of(const MirrorSnapshot& s, const std::string& key) {
  if (!s.keys) return {};
  const etcd::KeyValue* kv = find(*s.keys, key);
  return kv ? kv->value : std::string();
}

Result<etcd::Client, std::string> client_for(const Config::Cluster& c) {
  return etcd::Client::create({c.endpoints, c.tls_ca, c.tls_certificate, c.tls_key});
}

}  // namespace

std::string not_ready_reason(const ClusterStatus& s) {
  if (!s.etcd_reachable) {
    const std::time_t since = std::chrono::system_clock::to_time_t(s.unreachable_since);
    char when[32] = "";
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&since));
    // A leader cut off acts until its last keep-alive's lease could run out, then stops.
    return std::string("etcd unreachable since ") + when + " (" + s.etcd_error +
           "): answering from the last shared state, " +
           (s.acting ? "acting until its lease runs out" : "not acting");
  }
  if (!s.synced) return "the shared state has not been read from etcd yet";
  return {};
}

Result<std::unique_ptr<Coordinator>, std::string> Coordinator::create(
    uv_loop_t* loop, const Config& config, std::string version, EventLog& events, Hooks hooks) {
  auto session = client_for(config.cluster);
  if (!session) return fail("cluster: " + session.error());
  auto mirror = client_for(config.cluster);
  if (!mirror) return fail("cluster: " + mirror.error());
  return std::unique_ptr<Coordinator>(new Coordinator(loop, config, std::move(version), events,
                                                      std::move(hooks), std::move(session).value(),
                                                      std::move(mirror).value()));
}

Coordinator::Coordinator(uv_loop_t* loop, const Config& config, std::string version,
                         EventLog& events, Hooks hooks, etcd::Client session_client,
                         etcd::Client mirror_client)
    : loop_(loop),
      keys_(config.cluster.prefix),
      instance_(config.cluster.instance),
      version_(std::move(version)),
      advertise_(config.cluster.advertise),
      events_(events),
      hooks_(std::move(hooks)),
      started_ms_(unix_ms()),
      acting_timer_(loop) {
  status_.instance = instance_;
  status_.unreachable_since = std::chrono::system_clock::now();
  status_.etcd_error = "not contacted yet";
  wakeup_.init(loop_, *this, uv_async_init, [](uv_async_t* a) { Wakeup::context(a).on_wakeup(); });
  const auto post = [this](auto fill) {
    {
      std::lock_guard lock(inbox_mutex_);
      fill();
    }
    uv_async_send(wakeup_.get());
  };
  session_ = std::make_unique<EtcdSession>(
      std::move(session_client), EtcdSession::Options{keys_, instance_, config.cluster.lease_ttl},
      EtcdSession::Listener{
          [this, post](const Leadership& l) { post([&] { inbox_leadership_ = l; }); },
          [this, post](bool ok, const std::string& error) {
            post([&] { inbox_reachability_.emplace(ok, error); });
          },
          [this] {
            std::lock_guard lock(status_mutex_);
            ++status_.writes;
          }});
  mirror_ = std::make_unique<EtcdMirror>(
      std::move(mirror_client), keys_.prefix(),
      [this, post](const MirrorSnapshot& s) { post([&] { inbox_snapshot_ = s; }); },
      [](const std::string& error) {
        log(LogLevel::Debug, "cluster", "watch ended", {{"error", error}});
      });
}

Coordinator::~Coordinator() {
  stop();
}

void Coordinator::start() {
  log(LogLevel::Info, "cluster", "joining", {{"instance", instance_}, {"prefix", keys_.prefix()}});
  session_->start();
  mirror_->start();
}

void Coordinator::stop() {
  if (!session_) return;
  mirror_->stop();
  session_->stop();  // resigns: another instance leads at once
  mirror_.reset();
  session_.reset();
  acting_timer_.stop();
  wakeup_.close();
  acting_ = false;
}

bool Coordinator::reachable() const {
  std::lock_guard lock(status_mutex_);
  return status_.etcd_reachable;
}

ClusterStatus Coordinator::status() const {
  std::lock_guard lock(status_mutex_);
  return status_;
}

void Coordinator::on_wakeup() {
  std::optional<Leadership> leadership;
  std::optional<MirrorSnapshot> snapshot;
  std::optional<std::pair<bool, std::string>> reachability;
  {
    std::lock_guard lock(inbox_mutex_);
    leadership.swap(inbox_leadership_);
    snapshot.swap(inbox_snapshot_);
    reachability.swap(inbox_reachability_);
  }
  if (reachability) on_reachability(reachability->first, reachability->second);
  if (snapshot) on_snapshot(*snapshot);
  if (leadership) on_leadership(*leadership);
}

void Coordinator::on_reachability(bool reachable, const std::string& error) {
  {
    std::lock_guard lock(status_mutex_);
    if (status_.etcd_reachable == reachable) return;
    status_.etcd_reachable = reachable;
    status_.etcd_error = reachable ? "" : error;
    if (!reachable) status_.unreachable_since = std::chrono::system_clock::now();
  }
  if (reachable) {
    events_.add(LogLevel::Info, "cluster", "etcd", "", "etcd reachable", {{"instance", instance_}});
    mirror_->restart();  // a stream cut off silently would never end by itself
  } else {
    events_.add(LogLevel::Warn, "cluster", "etcd", "",
                "etcd unreachable: answering from the last shared state",
                {{"instance", instance_}, {"error", error}});
  }
}

void Coordinator::on_leadership(const Leadership& l) {
  const TimePoint now = Clock::now();
  if (!l.leader || l.acting_until <= now) {
    leadership_.reset();
    if (acting_) stop_acting("no longer the leader");
    return;
  }
  leadership_ = l;
  acting_timer_.start(l.acting_until - now,
                      [this] { stop_acting("the lease was not renewed in time"); });
  take_over_if_synced();
}

// A new leader acts once its copy of the shared state includes its own election, so that it
// continues from everything the previous leader wrote.
void Coordinator::take_over_if_synced() {
  if (acting_ || !leadership_ || snapshot_.revision < leadership_->token.revision) return;
  acting_ = true;
  written_verdicts_.clear();
  written_holders_.clear();
  {
    std::lock_guard lock(status_mutex_);
    status_.acting = true;
    status_.token = leadership_->token;
    ++status_.terms;
  }
  events_.add(LogLevel::Info, "cluster", "leader", instance_, "this instance leads and acts",
              {{"instance", instance_},
               {"lease", std::to_string(leadership_->token.lease)},
               {"revision", std::to_string(leadership_->token.revision)}});
  hooks_.authority(leadership_->token, recorded_holders());
  hooks_.moves(moves_);
}

void Coordinator::stop_acting(const std::string& why) {
  leadership_.reset();
  acting_timer_.stop();
  if (!acting_) return;
  acting_ = false;
  {
    std::lock_guard lock(status_mutex_);
    status_.acting = false;
    status_.token.reset();
  }
  events_.add(LogLevel::Warn, "cluster", "leader", instance_, "this instance stops acting: " + why,
              {{"instance", instance_}, {"why", why}});
  hooks_.authority(std::nullopt, {});
  seen_owners_ = value_of(snapshot_, keys_.owners());  // followers show the recorded holders
  hooks_.holders(recorded_holders());
}

std::map<IpAddress, std::string> Coordinator::recorded_holders() const {
  const std::string text = value_of(snapshot_, keys_.owners());
  if (text.empty()) return {};
  auto owners = decode_owners(text);
  if (!owners) {
    log(LogLevel::Error, "cluster", "recorded address holders unreadable",
        {{"error", owners.error()}});
    return {};
  }
  return owners->holders;
}

std::map<std::string, MoveRequestRecord> Coordinator::move_requests() const {
  std::map<std::string, MoveRequestRecord> out;
  if (!snapshot_.keys) return out;
  const std::string prefix = keys_.moves();
  for (auto it = snapshot_.keys->lower_bound(prefix);
       it != snapshot_.keys->end() && it->first.starts_with(prefix); ++it)
    if (auto request = decode_move_request(it->second.value))
      out[it->first.substr(prefix.size())] = std::move(request).value();
  return out;
}

void Coordinator::on_snapshot(const MirrorSnapshot& s) {
  const std::string leader_before = value_of(snapshot_, keys_.leader());
  const std::int64_t leader_revision_before =
      snapshot_.keys && find(*snapshot_.keys, keys_.leader())
          ? find(*snapshot_.keys, keys_.leader())->create_revision
          : 0;
  snapshot_ = s;
  const etcd::KeyValue* leader = find(*s.keys, keys_.leader());
  if (!leader || leader->value != leader_before ||
      leader->create_revision != leader_revision_before)
    session_->leader_key_changed();

  const std::string overrides = value_of(s, keys_.overrides());
  if (overrides != overrides_text_) {
    overrides_text_ = overrides;
    hooks_.overrides(overrides);
  }
  if (const std::string text = value_of(s, keys_.verdicts()); !text.empty()) {
    auto verdicts = decode_verdicts(text);
    if (!verdicts) {
      log(LogLevel::Error, "cluster", "shared verdicts unreadable", {{"error", verdicts.error()}});
    } else if (!verdicts_ || verdicts_->token != verdicts->token ||
               verdicts_->members != verdicts->members) {
      verdicts_ = std::move(verdicts).value();
      if (!acting_) hooks_.verdicts();
    }
  }
  if (const std::string owners = value_of(s, keys_.owners()); !acting_ && owners != seen_owners_) {
    seen_owners_ = owners;
    hooks_.holders(recorded_holders());
  }
  take_events(s);
  auto moves = move_requests();
  if (moves != moves_) {
    moves_ = std::move(moves);
    if (acting_) hooks_.moves(moves_);
  }
  {
    std::lock_guard lock(status_mutex_);
    status_.synced = true;
    status_.revision = s.revision;
    status_.leader = leader ? leader->value : std::string();
    status_.instances.clear();
    const std::string prefix = keys_.instances();
    for (auto it = s.keys->lower_bound(prefix);
         it != s.keys->end() && it->first.starts_with(prefix); ++it)
      if (auto record = decode_instance(it->second.value))
        status_.instances.push_back(std::move(record).value());
  }
  take_over_if_synced();
}

void Coordinator::publish_verdicts(const ClusterState& state,
                                   const std::vector<MemberConfig>& members) {
  if (!session_ || !acting_ || !leadership_) return;
  std::string text = encode_verdicts(shared_view(state), members, leadership_->token);
  if (text == written_verdicts_) return;
  written_verdicts_ = text;
  session_->put_fenced(keys_.verdicts(), std::move(text));
}

void Coordinator::publish_holders(const std::map<IpAddress, std::string>& holders) {
  if (!session_ || !acting_ || !leadership_) return;
  const std::string compare = encode_owners(holders, leadership_->token, 0);
  if (compare == written_holders_) return;
  written_holders_ = compare;
  session_->put_fenced(keys_.owners(), encode_owners(holders, leadership_->token, unix_ms()));
}

void Coordinator::publish_view(const ClusterState& state,
                               const std::vector<MemberConfig>& members) {
  if (!session_) return;
  InstanceRecord record{instance_, version_, advertise_, started_ms_, {}};
  for (std::size_t i = 0; i < state.members.size() && i < members.size(); ++i)
    record.view[members[i].name] = std::string(health::to_string(state.members[i].state));
  std::string text = encode_instance(record);
  if (text == written_view_) return;
  written_view_ = text;
  session_->set_record(std::move(text));
}

void Coordinator::change_overrides(std::function<std::string(std::string_view)> modify) {
  if (session_) session_->modify(keys_.overrides(), std::move(modify));
}

void Coordinator::publish_event(const Event& event) {
  if (session_) session_->put(keys_.event(instance_, event.id), encode_event(event));
}

// Other instances' events written since the last look, oldest first.
void Coordinator::take_events(const MirrorSnapshot& s) {
  const std::string prefix = keys_.events();
  const std::string own = prefix + instance_ + "/";
  std::vector<Event> fresh;
  for (auto it = s.keys->lower_bound(prefix); it != s.keys->end() && it->first.starts_with(prefix);
       ++it) {
    if (it->second.mod_revision <= events_seen_ || it->first.starts_with(own)) continue;
    if (auto e = decode_event(it->second.value)) fresh.push_back(std::move(e).value());
  }
  events_seen_ = s.revision;
  std::stable_sort(fresh.begin(), fresh.end(),
                   [](const Event& a, const Event& b) { return a.at < b.at; });
  for (Event& e : fresh) hooks_.event(std::move(e));
}

void Coordinator::request_move(const std::string& member, const std::string& who) {
  if (session_) session_->put(keys_.move(member), encode_move_request({who, unix_ms()}));
}

void Coordinator::end_move(const std::string& member) {
  if (session_) session_->erase(keys_.move(member));
}

}  // namespace ikesteer::frontend
