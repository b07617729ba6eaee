#include "agent/libreswan/run_command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace ikesteer::agent::libreswan {
namespace {

using Clock = std::chrono::steady_clock;

std::string os_error(const std::string& what, int error) {
  return what + ": " + std::strerror(error);
}

// Closes its descriptor on every path out of run_command.
class Fd {
 public:
  Fd() = default;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

Result<void, std::string> open_pipe(Pipe& pipe) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail(os_error("pipe2", errno));
  // The parent polls its end: never block in read().
  if (::fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) {
    const int error = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return fail(os_error("fcntl", error));
  }
  pipe.read.reset(fds[0]);
  pipe.write.reset(fds[1]);
  return {};
}

class SpawnActions {
 public:
  SpawnActions() { ok_ = ::posix_spawn_file_actions_init(&actions_) == 0; }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  ~SpawnActions() {
    if (ok_) ::posix_spawn_file_actions_destroy(&actions_);
  }
  bool ok() const { return ok_; }
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
  bool ok_ = false;
};

// Waits for the child (retrying on EINTR); its wait status, or -1.
int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

// A child may close its output and go on running: wait for it until the deadline only.
bool exits_before(pid_t pid, Clock::time_point deadline, int& status) {
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return true;
    if (done < 0 && errno != EINTR) {
      status = -1;
      return true;
    }
    if (Clock::now() >= deadline) return false;
    ::usleep(2000);
  }
}

}  // namespace

Result<CommandOutput, std::string> run_command(const std::vector<std::string>& argv,
                                               const CommandLimits& limits) {
  if (argv.empty() || argv[0].empty()) return fail(std::string("no program to run"));
  Pipe out;
  Pipe err;
  if (auto opened = open_pipe(out); !opened) return fail(opened.error());
  if (auto opened = open_pipe(err); !opened) return fail(opened.error());

  SpawnActions actions;
  if (!actions.ok()) return fail(std::string("posix_spawn_file_actions_init failed"));
  // The pipe ends are close-on-exec; dup2 gives the child plain copies as 1 and 2.
  if (::posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0) != 0 ||
      ::posix_spawn_file_actions_adddup2(actions.get(), out.write.get(), 1) != 0 ||
      ::posix_spawn_file_actions_adddup2(actions.get(), err.write.get(), 2) != 0)
    return fail(std::string("posix_spawn_file_actions failed"));

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid = -1;
  if (const int error =
          ::posix_spawn(&pid, argv[0].c_str(), actions.get(), nullptr, args.data(), environ);
      error != 0)
    return fail(os_error("cannot run " + argv[0], error));
  out.write.reset();
  err.write.reset();

  CommandOutput result;
  std::string problem;
  const Clock::time_point deadline = Clock::now() + limits.timeout;
  std::array<Fd*, 2> fds{&out.read, &err.read};
  std::array<std::string*, 2> sinks{&result.out, &result.err};
  while (problem.empty() && (out.read.get() >= 0 || err.read.get() >= 0)) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      problem =
          argv[0] + " did not finish within " + std::to_string(limits.timeout.count()) + " ms";
      break;
    }
    std::array<pollfd, 2> polled{};
    for (std::size_t i = 0; i < 2; ++i) polled[i] = {fds[i]->get(), POLLIN, 0};
    const int ready = ::poll(polled.data(), polled.size(), static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) problem = os_error("poll", errno);
    for (std::size_t i = 0; i < 2 && ready > 0 && problem.empty(); ++i) {
      if (polled[i].revents == 0) continue;
      char buffer[16384];
      const ssize_t n = ::read(fds[i]->get(), buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
        if (result.out.size() + result.err.size() > limits.max_output)
          problem = argv[0] + " printed more than " + std::to_string(limits.max_output) + " bytes";
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        fds[i]->reset();  // end of output (or a broken pipe): stop polling it
      }
    }
  }
  int status = -1;
  if (problem.empty() && !exits_before(pid, deadline, status))
    problem = argv[0] + " did not exit within " + std::to_string(limits.timeout.count()) + " ms";
  if (!problem.empty()) {
    ::kill(pid, SIGKILL);
    reap(pid);
    return fail(problem);
  }
  if (status < 0) return fail(os_error("waitpid", errno));
  if (WIFSIGNALED(status))
    return fail(argv[0] + " was killed by signal " + std::to_string(WTERMSIG(status)));
  result.exit_status = WEXITSTATUS(status);
  return result;
}

}  // namespace ikesteer::agent::libreswan
