#include "frontend/actions/address_mover.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>

#include "common/log.hpp"
#include "frontend/actions/neighbour_announcer.hpp"
#include "frontend/actions/netlink_address.hpp"
#include "frontend/actions/process_runner.hpp"
#include "frontend/os/uv_handle.hpp"

namespace ikesteer::frontend {
namespace {

std::uint64_t milliseconds(Duration d) {
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
  return static_cast<std::uint64_t>(std::max<std::int64_t>(ms, 0));
}

std::string_view trimmed(std::string_view text) {
  const std::size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return {};
  return text.substr(start, text.find_last_not_of(" \t\r\n") - start + 1);
}

std::string hook_detail(const ProcessResult& r) {
  std::string detail = status_text(r);
  if (const std::string_view output = trimmed(r.output); !output.empty())
    detail.append(": ").append(output);
  if (r.discarded > 0) detail += " (" + std::to_string(r.discarded) + " more bytes)";
  return detail;
}

}  // namespace

// Freed once its timer has closed rather than in close(): report() reads `mover` after the
// callback, which may have destroyed the mover and so closed the job.
struct AddressMover::Job {
  using Timer = UvHandle<uv_timer_t, Job>;
  AddressMover* mover = nullptr;  // nullptr once finished or abandoned
  MoveRequest request;
  MoveCallback done;
  TimePoint started;
  Timer timer;  // defers the first step to a later loop turn, then spaces announcements
  std::unique_ptr<ProcessRunner> hook;
  unsigned announcements_left = 0;
  bool closing = false;

  std::string where() const {
    return request.address.to_string() + "/" + std::to_string(request.prefix);
  }
  // Calls back; returns false when the mover was destroyed meanwhile (the job is closing).
  bool report(bool ok, std::string detail) {
    MoveCallback callback = std::move(done);
    callback({ok, std::move(detail), Clock::now() - started});
    return mover != nullptr;
  }
  void close() {
    if (closing) return;
    closing = true;
    if (mover != nullptr) std::erase(mover->jobs_, this);
    mover = nullptr;
    hook.reset();  // kills a hook still running
    timer.close([](Job& job) { delete &job; });
  }
};

AddressMover::AddressMover(uv_loop_t* loop, MoverOptions options)
    : loop_(loop), options_(std::move(options)) {}

AddressMover::~AddressMover() {
  for (Job* job : std::vector<Job*>(jobs_)) job->close();
}

void AddressMover::run(MoveRequest request, MoveCallback done) {
  auto* job = new Job;
  job->mover = this;
  job->request = std::move(request);
  job->done = std::move(done);
  job->started = Clock::now();
  job->timer.init(loop_, *job, uv_timer_init);
  jobs_.push_back(job);
  if (!job->request.on_frontend && !options_.hook.empty()) {
    start_hook(*job);
    return;
  }
  uv_timer_start(
      job->timer.get(),
      [](uv_timer_t* t) {
        Job& j = Job::Timer::context(t);
        j.mover->on_deferred(j);
      },
      0, 0);
}

void AddressMover::on_deferred(Job& job) {
  if (job.request.on_frontend) {
    builtin(job);
  } else if (job.report(false, "no hook configured")) {
    job.close();
  }
}

void AddressMover::builtin(Job& job) {
  const MoveRequest& r = job.request;
  if (options_.interface.empty()) {
    if (job.report(false, "no failover interface configured")) job.close();
    return;
  }
  if (!r.claim) {
    const auto removed = remove_address(options_.interface, r.address, r.prefix);
    if (job.report(
            removed.has_value(),
            removed ? "removed " + job.where() + " from " + options_.interface : removed.error()))
      job.close();
    return;
  }
  if (r.fencing && options_.current_token && !options_.current_token(*r.fencing)) {
    if (job.report(false, "refused: the fencing token of revision " +
                              std::to_string(r.fencing->revision) + " is no longer current"))
      job.close();
    return;
  }
  const auto added = add_address(options_.interface, r.address, r.prefix);
  if (!added) {
    if (job.report(false, added.error())) job.close();
    return;
  }
  // The address is in place: the claim succeeded even if telling the segment fails (the
  // neighbours' caches then expire on their own).
  std::string detail = "added " + job.where() + " on " + options_.interface;
  if (options_.announce_count > 0) {
    if (const auto sent = announce_address(options_.interface, r.address); !sent)
      detail += "; " + sent.error();
    job.announcements_left = options_.announce_count - 1;
  }
  if (!job.report(true, std::move(detail))) return;
  if (job.announcements_left == 0) {
    job.close();
    return;
  }
  const std::uint64_t interval = milliseconds(options_.announce_interval);
  uv_timer_start(
      job.timer.get(),
      [](uv_timer_t* t) {
        Job& j = Job::Timer::context(t);
        const std::string& interface = j.mover->options_.interface;
        if (const auto sent = announce_address(interface, j.request.address); !sent)
          log(LogLevel::Warn, "failover", "announcement failed", {{"error", sent.error()}});
        if (--j.announcements_left == 0) j.close();
      },
      interval, interval);
}

void AddressMover::start_hook(Job& job) {
  const MoveRequest& r = job.request;
  ProcessSpec spec{options_.hook,
                   {{"IKESTEER_ACTION", r.claim ? "claim" : "release"},
                    {"IKESTEER_ADDRESS", r.address.to_string()},
                    {"IKESTEER_PREFIX", std::to_string(r.prefix)},
                    {"IKESTEER_MEMBER", r.member},
                    {"IKESTEER_INTERFACE", options_.interface}},
                   options_.hook_timeout};
  if (r.fencing) {
    spec.env.push_back({"IKESTEER_INSTANCE", r.fencing->instance});
    spec.env.push_back({"IKESTEER_FENCING_LEASE", std::to_string(r.fencing->lease)});
    spec.env.push_back({"IKESTEER_FENCING_REVISION", std::to_string(r.fencing->revision)});
  }
  job.hook = std::make_unique<ProcessRunner>(loop_);
  job.hook->run(std::move(spec), [j = &job](ProcessResult result) {
    if (j->report(succeeded(result), hook_detail(result))) j->close();
  });
}

}  // namespace ikesteer::frontend
