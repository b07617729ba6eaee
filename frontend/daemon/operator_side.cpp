#include "frontend/daemon/operator_side.hpp"

#include <algorithm>

#include "frontend/cluster/steering_plan.hpp"
#include "frontend/cluster/steering_why.hpp"
#include "frontend/http/api_routes.hpp"
#include "frontend/http/dashboard.hpp"

namespace ikesteer::frontend {
namespace {

constexpr std::size_t kRatePoints = 15 * 60;  // one a second, 15 minutes
constexpr auto kActionTimeout = std::chrono::seconds(5);

std::uint64_t redirects(const Totals& t) {
  return t.ike.responder.replies[static_cast<std::size_t>(redirect::ReplyKind::Redirect)];
}

}  // namespace

OperatorSide::OperatorSide(uv_loop_t* loop, Parts parts)
    : loop_(loop), parts_(std::move(parts)), sampler_(loop) {
  wakeup_.init(loop_, *this, uv_async_init,
               [](uv_async_t* a) { Wakeup::context(a).run_pending(); });
}

OperatorSide::~OperatorSide() {
  stop();
}

Result<void, std::string> OperatorSide::start(const Config::Http& http, std::string version) {
  sampler_.start(
      std::chrono::seconds(1), [this] { sample(); }, std::chrono::seconds(1));
  if (!http.enabled) return {};
  http::HttpServerOptions options;
  options.listen = http.listen;
  options.tls_certificate = http.tls_certificate;
  options.tls_key = http.tls_key;
  options.max_connections = http.max_connections;
  options.max_body_bytes = http.max_body_bytes;
  options.read_timeout = http.read_timeout;
  options.write_timeout = http.write_timeout;
  server_ = std::make_unique<http::HttpServer>(options);
  http::install_api(*server_, *this, http::ApiOptions{http.token, std::move(version)});
  http::install_dashboard(*server_, *this);
  return server_->start();
}

void OperatorSide::stop() {
  {
    // First answer waiting handlers, so that the HTTP thread can finish and be joined.
    std::lock_guard lock(pending_mutex_);
    closing_ = true;
    for (Pending& p : pending_) p.outcome.set_value({false, 503, "shutting down"});
    pending_.clear();
  }
  if (server_) server_->stop();
  server_.reset();
  sampler_.stop();
  wakeup_.close();
}

Published OperatorSide::current() const {
  return parts_.shared.current();
}

HealthReport OperatorSide::health() const {
  return parts_.monitor.report();
}

std::vector<Event> OperatorSide::events_since(std::uint64_t after) const {
  return parts_.events.since(after);
}

Totals OperatorSide::totals() const {
  return parts_.totals();
}

std::vector<RatePoint> OperatorSide::rates() const {
  std::lock_guard lock(rates_mutex_);
  return {rates_.begin(), rates_.end()};
}

void OperatorSide::sample() {
  const Totals now = parts_.totals();
  std::lock_guard lock(rates_mutex_);
  if (last_totals_) {
    // Counters restart at zero when a reload changes the member list: never a negative rate.
    auto rate = [](std::uint64_t after, std::uint64_t before) {
      return after >= before ? static_cast<double>(after - before) : 0.0;
    };
    RatePoint point{std::chrono::system_clock::now(),
                    rate(redirects(now), redirects(*last_totals_)),
                    rate(now.dns.authority.received, last_totals_->dns.authority.received),
                    0,
                    {}};
    const auto before = drop_counters(last_totals_->ike, last_totals_->dns);
    for (const auto& [reason, count] : drop_counters(now.ike, now.dns)) {
      const auto was = before.find(reason);
      const double r = rate(count, was == before.end() ? 0 : was->second);
      if (r == 0) continue;
      point.drops_by_reason[reason] = r;
      point.drops += r;
    }
    rates_.push_back(std::move(point));
    if (rates_.size() > kRatePoints) rates_.pop_front();
  }
  last_totals_ = now;
}

namespace {

PoolPlacement placement(const SteeringPlan& plan, const std::string& pool, const IpAddress& client,
                        const SteeringWhy& why) {
  PoolPlacement p{pool, why.matched(client), std::nullopt, why.first_skip};
  if (why.spilled() && why.first_pool < plan.pools().size())
    p.spilled_from = plan.pools()[why.first_pool];
  return p;
}

}  // namespace

std::vector<RecentDecision> OperatorSide::recent_decisions() const {
  const Published published = parts_.shared.current();
  const TimePoint steady_now = Clock::now();
  const auto system_now = std::chrono::system_clock::now();
  std::vector<std::pair<TimePoint, RecentDecision>> all;
  for (const IkeCounters& loop : parts_.ike_loops()) {
    // A loop that has not seen the newest configuration yet names members by its own; the
    // gateway each was sent to comes from steering over that list.
    if (!loop.config || loop.config->members.size() != published.cluster->members.size()) continue;
    const SteeringPlan& steering = *published.steering;
    for (const DecisionRecord& r : loop.recent) {
      const auto age =
          std::chrono::duration_cast<std::chrono::system_clock::duration>(steady_now - r.at);
      all.push_back({r.at,
                     {system_now - age, r.client, loop.config->members[r.member].name,
                      describe(steering.identity(r.member, r.client.family())), r.why.reason,
                      placement(steering, loop.config->members[r.member].pool, r.client, r.why)}});
    }
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<RecentDecision> out;
  for (auto& [at, d] : all) out.push_back(std::move(d));
  return out;
}

SteeringExplanation OperatorSide::explain(const IpAddress& client) const {
  const Published published = parts_.shared.current();
  const SteeringPlan& plan = *published.steering;
  SteeringExplanation e;
  e.client = client;
  e.key = plan.key(client);
  for (const std::uint16_t pool : plan.route(client).pools) e.pools.push_back(plan.pools()[pool]);
  // A copy of the plan's selector has no load: where the client goes at low volume, and why.
  health::PoolSelector fresh = plan.selector();
  const SteeringDecision d = plan.steer(fresh, client, std::nullopt, Clock::now());
  e.reason = d.pick.reason;
  if (d.pick.member) {
    const MemberConfig& m = published.config->members[*d.pick.member];
    e.member = m.name;
    e.gateway = describe(plan.identity(*d.pick.member, client.family()));
    e.placement = placement(plan, m.pool, client, SteeringWhy::of(d.pick, d.matched));
    const health::Selector& pool = plan.selector().pool(d.pick.pool);
    for (std::size_t local : pool.rank(e.key.bytes()))
      e.ranking.push_back(
          published.config->members[plan.selector().pool_members(d.pick.pool)[local]].name);
  }
  return e;
}

ActionOutcome OperatorSide::act(const OperatorAction& action) {
  std::future<ActionOutcome> outcome;
  {
    std::lock_guard lock(pending_mutex_);
    if (closing_) return {false, 503, "shutting down"};
    pending_.push_back({action, {}});
    outcome = pending_.back().outcome.get_future();
    uv_async_send(wakeup_.get());
  }
  if (outcome.wait_for(kActionTimeout) != std::future_status::ready)
    return {false, 503, "the main loop did not answer in time"};
  return outcome.get();
}

void OperatorSide::run_pending() {
  std::deque<Pending> batch;
  {
    std::lock_guard lock(pending_mutex_);
    batch.swap(pending_);
  }
  for (Pending& p : batch) p.outcome.set_value(parts_.apply(p.action));
}

std::string OperatorSide::not_ready() const {
  if (const auto cluster = parts_.cluster())
    if (std::string why = not_ready_reason(*cluster); !why.empty()) return why;
  const Published published = parts_.shared.current();
  for (std::size_t i = 0; i < published.cluster->members.size(); ++i)
    if (published.cluster->members[i].state == health::MemberState::Unknown)
      return "member " + published.config->members[i].name + " has no verdict yet";
  return {};
}

}  // namespace ikesteer::frontend
