#include "frontend/cluster/agent_commands.hpp"

#include <array>

#include "common/log.hpp"
#include "frontend/os/socket_address.hpp"
#include "frontend/os/uv_handle.hpp"
#include "health/agent_command.hpp"

namespace ikesteer::frontend {
namespace {

// Deadlines are checked this often: command_timeout is at least 100 ms.
constexpr Duration kSweep = std::chrono::milliseconds(50);

std::uint64_t unix_us() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::int64_t unix_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// Closing the handle stops its callbacks, so the socket (and its buffer) may go with it.
struct AgentCommands::Socket {
  using Handle = UvHandle<uv_udp_t, Socket>;
  Handle handle;
  AgentCommandBook* book = nullptr;
  std::array<char, health::kMaxAgentReplySize + 1> buffer{};  // +1: oversized is detectable
};

AgentCommands::AgentCommands(uv_loop_t* loop) : loop_(loop), book_(unix_us()), sweep_(loop) {}

AgentCommands::~AgentCommands() = default;

void AgentCommands::close() {
  v4_.reset();
  v6_.reset();
  sweep_.stop();
  sweeping_ = false;
}

// An ephemeral port of this family, bound at first use.
AgentCommands::Socket* AgentCommands::socket_for(IpFamily family) {
  std::unique_ptr<Socket>& slot = family == IpFamily::V4 ? v4_ : v6_;
  if (slot) return slot.get();
  auto s = std::make_unique<Socket>();
  s->book = &book_;
  const SocketAddress any =
      SocketAddress::from(*IpAddress::parse(family == IpFamily::V4 ? "0.0.0.0" : "::"), 0);
  int rc = s->handle.init(loop_, *s, uv_udp_init);
  if (rc == 0)
    rc = uv_udp_bind(s->handle.get(), any.get(), family == IpFamily::V6 ? UV_UDP_IPV6ONLY : 0);
  if (rc == 0)
    rc = uv_udp_recv_start(
        s->handle.get(),
        [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
          Socket& socket = Socket::Handle::context(h);
          *buf = uv_buf_init(socket.buffer.data(), static_cast<unsigned>(socket.buffer.size()));
        },
        [](uv_udp_t* h, ssize_t n, const uv_buf_t* buf, const sockaddr*, unsigned) {
          if (n <= 0) return;
          Socket::Handle::context(h).book->on_datagram(
              std::as_bytes(std::span(buf->base, static_cast<std::size_t>(n))));
        });
  if (rc != 0) {
    log(LogLevel::Error, "sessions", "cannot open the agent command socket",
        {{"error", uv_strerror(rc)}});
    return nullptr;
  }
  slot = std::move(s);
  return slot.get();
}

bool AgentCommands::send(const OutgoingCommand& command, Duration timeout, CommandDone done) {
  auto prepared =
      book_.prepare(command, Clock::now() + timeout, unix_us(), unix_s(), std::move(done));
  if (!prepared) return false;
  // A datagram that cannot leave now is not retried here: the command times out and the job
  // asks again.
  if (Socket* s = socket_for(prepared->to.address.family())) {
    const SocketAddress to = SocketAddress::from(prepared->to.address, prepared->to.port);
    uv_buf_t buf =
        uv_buf_init(prepared->datagram.data(), static_cast<unsigned>(prepared->datagram.size()));
    if (const int rc = uv_udp_try_send(s->handle.get(), &buf, 1, to.get()); rc < 0)
      log(LogLevel::Debug, "sessions", "agent command not sent",
          {{"member", command.member}, {"to", to.to_string()}, {"error", uv_strerror(rc)}});
  }
  if (!sweeping_) {
    sweeping_ = true;
    sweep_.start(
        kSweep,
        [this] {
          book_.expire(Clock::now());
          if (book_.idle()) {
            sweep_.stop();
            sweeping_ = false;
          }
        },
        kSweep);
  }
  return true;
}

}  // namespace ikesteer::frontend
