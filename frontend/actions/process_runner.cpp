#include "frontend/actions/process_runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "frontend/os/uv_handle.hpp"

extern char** environ;

namespace ikesteer::frontend {
namespace {

// Once the command has exited, how long to wait for the rest of its output: a background child
// it left behind may hold the pipe open for ever.
constexpr std::uint64_t kDrainMs = 100;

std::vector<std::string> environment_with(
    const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    if (std::none_of(extra.begin(), extra.end(), [&](const auto& kv) { return kv.first == name; }))
      env.emplace_back(entry);
  }
  for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (std::string& s : strings) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

}  // namespace

bool succeeded(const ProcessResult& r) {
  return r.spawn_error.empty() && !r.timed_out && r.exit_status == 0;
}

std::string status_text(const ProcessResult& r) {
  if (!r.spawn_error.empty()) return "spawn: " + r.spawn_error;
  if (r.timed_out) return "timeout";
  if (r.term_signal != 0) return "signal " + std::to_string(r.term_signal);
  return "exit " + std::to_string(r.exit_status);
}

struct ProcessRunner::Run {
  using Process = UvHandle<uv_process_t, Run>;
  using Pipe = UvHandle<uv_pipe_t, Run>;
  using Timer = UvHandle<uv_timer_t, Run>;
  Process process;  // once uv_spawn was called, even if it failed
  Pipe output;
  Timer timer;
  ProcessRunner* owner = nullptr;  // nullptr once the runner is gone: nobody to call back
  ProcessCallback done;
  ProcessResult result;
  TimePoint started;
  std::array<char, 4096> chunk{};
  int open_handles = 0;  // set by finish()
  bool spawned = false;
  bool exited = false;
  bool eof = false;
  bool finishing = false;

  void start(ProcessSpec& spec, uv_loop_t* loop);
  void on_read(ssize_t n, const uv_buf_t* buf);
  void on_exit(std::int64_t status, int signal);
  void on_timer();
  void finish();
};

void ProcessRunner::Run::start(ProcessSpec& spec, uv_loop_t* loop) {
  output.init(loop, *this, uv_pipe_init, 0);
  timer.init(loop, *this, uv_timer_init);
  if (spec.argv.empty()) {
    result.spawn_error = "empty command";
    return;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    result.spawn_error = std::string("pipe: ") + std::strerror(errno);
    return;
  }
  std::vector<char*> args = pointers(spec.argv);
  std::vector<std::string> env_strings = environment_with(spec.env);
  std::vector<char*> env = pointers(env_strings);
  uv_stdio_container_t stdio[3];
  stdio[0].flags = UV_IGNORE;  // /dev/null
  for (int i : {1, 2}) {
    stdio[i].flags = UV_INHERIT_FD;
    stdio[i].data.fd = fds[1];
  }
  uv_process_options_t options{};
  options.exit_cb = [](uv_process_t* p, std::int64_t status, int signal) {
    Process::context(p).on_exit(status, signal);
  };
  options.file = args[0];
  options.args = args.data();
  options.env = env.data();
  options.stdio_count = 3;
  options.stdio = stdio;
  // A new session, so the process group id is the child's pid: the timeout kills the command
  // and everything it started.
  options.flags = UV_PROCESS_DETACHED;
  const int rc = process.init(loop, *this, uv_spawn, &options);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    result.spawn_error = uv_strerror(rc);
    return;
  }
  spawned = true;
  uv_pipe_open(output.get(), fds[0]);
  uv_read_start(
      output.get<uv_stream_t>(),
      [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
        Run& r = Pipe::context(h);
        *buf = uv_buf_init(r.chunk.data(), static_cast<unsigned>(r.chunk.size()));
      },
      [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) { Pipe::context(s).on_read(n, buf); });
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(spec.timeout).count();
  uv_update_time(loop);  // the loop's cached time may be old: the timeout counts from now
  uv_timer_start(
      timer.get(), [](uv_timer_t* t) { Timer::context(t).on_timer(); },
      static_cast<std::uint64_t>(std::max<std::int64_t>(ms, 0)), 0);
}

void ProcessRunner::Run::on_read(ssize_t n, const uv_buf_t* buf) {
  if (n < 0) {  // EOF (or an error, treated alike): every writer is gone
    eof = true;
    uv_read_stop(output.get<uv_stream_t>());
    if (exited) finish();
    return;
  }
  const auto count = static_cast<std::size_t>(n);
  const std::size_t take = std::min(count, ProcessResult::kMaxOutput - result.output.size());
  result.output.append(buf->base, take);
  result.discarded += count - take;
}

void ProcessRunner::Run::on_exit(std::int64_t status, int signal) {
  exited = true;
  result.elapsed = Clock::now() - started;
  result.term_signal = signal;
  result.exit_status = signal != 0 ? -1 : static_cast<int>(status);
  if (eof) {
    finish();
    return;
  }
  uv_timer_start(
      timer.get(), [](uv_timer_t* t) { Timer::context(t).finish(); }, kDrainMs, 0);
}

void ProcessRunner::Run::on_timer() {
  result.timed_out = true;
  ::kill(-process.get()->pid, SIGKILL);  // not reaped yet, so the group id is still ours
}

void ProcessRunner::Run::finish() {
  if (finishing) return;
  finishing = true;
  if (!spawned) result.elapsed = Clock::now() - started;
  // The callback is made once every handle is closed: always on a later loop turn, and the
  // runner may then be destroyed or reused from inside it.
  auto on_closed = [](Run& r) {
    if (--r.open_handles > 0) return;
    ProcessRunner* runner = r.owner;
    ProcessCallback callback = std::move(r.done);
    ProcessResult outcome = std::move(r.result);
    delete &r;
    if (runner == nullptr) return;
    runner->current_ = nullptr;
    callback(std::move(outcome));
  };
  open_handles = process ? 3 : 2;
  timer.close(on_closed);
  output.close(on_closed);
  process.close(on_closed);
}

ProcessRunner::~ProcessRunner() {
  if (current_ == nullptr) return;
  current_->owner = nullptr;
  current_->done = nullptr;
  // Killed, it exits at once; the loop reaps it (no zombie) and then frees the handles.
  if (current_->spawned && !current_->exited) ::kill(-current_->process.get()->pid, SIGKILL);
}

void ProcessRunner::run(ProcessSpec spec, ProcessCallback done) {
  auto* r = new Run;
  r->owner = this;
  r->done = std::move(done);
  r->started = Clock::now();
  current_ = r;
  r->start(spec, loop_);
  if (!r->spawned) r->finish();
}

}  // namespace ikesteer::frontend
