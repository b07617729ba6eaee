#include "frontend/cluster/resolver.hpp"

#include <ares.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <utility>

#include "frontend/os/socket_address.hpp"
#include "frontend/os/uv_handle.hpp"

namespace ikesteer::frontend {

// Freed once its deliver timer has closed: a callback that timer makes may destroy the resolver,
// and the timer reads `destroyed` after it.
struct Resolver::Core {
  using Timer = UvHandle<uv_timer_t, Core>;
  // A socket c-ares wants watched. Closing its handle ends its callbacks: it may go at once.
  struct Poll {
    using Handle = UvHandle<uv_poll_t, Poll>;
    Handle handle;
    Core* core = nullptr;
    ares_socket_t fd = ARES_SOCKET_BAD;
  };
  struct Ready {
    ResolveCallback done;
    Result<Resolution, std::string> result;
  };

  uv_loop_t* loop = nullptr;
  ares_channel channel = nullptr;
  Timer timeout;  // c-ares' next retransmission or give-up
  Timer deliver;  // hands finished lookups to their callbacks, outside c-ares
  std::unordered_map<ares_socket_t, std::unique_ptr<Poll>> polls;
  std::vector<Ready> ready;
  std::string init_error;  // why there is no channel
  bool destroyed = false;

  void update_timeout() {
    timeval tv{};
    if (!ares_timeout(channel, nullptr, &tv)) {
      uv_timer_stop(timeout.get());
      return;
    }
    const auto ms = static_cast<std::uint64_t>(tv.tv_sec) * 1000 +
                    (static_cast<std::uint64_t>(tv.tv_usec) + 999) / 1000;
    uv_timer_start(
        timeout.get(),
        [](uv_timer_t* t) {
          Core& core = Timer::context(t);
          ares_process_fd(core.channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
          core.update_timeout();
        },
        ms, 0);
  }

  // c-ares tells which sockets it wants watched, and for what.
  static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
    auto* core = static_cast<Core*>(data);
    const auto it = core->polls.find(fd);
    if (!readable && !writable) {
      if (it != core->polls.end()) core->polls.erase(it);
      return;
    }
    Poll* p = it != core->polls.end() ? it->second.get() : nullptr;
    if (!p) {
      auto poll = std::make_unique<Poll>();
      poll->core = core;
      poll->fd = fd;
      if (poll->handle.init(core->loop, *poll, uv_poll_init_socket, fd) != 0)
        return;  // c-ares times the query out
      p = core->polls.emplace(fd, std::move(poll)).first->second.get();
    }
    uv_poll_start(p->handle.get(), (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0),
                  on_poll);
  }

  static void on_poll(uv_poll_t* h, int status, int events) {
    // Copied: c-ares may stop watching the socket, which frees the Poll.
    const Poll& poll = Poll::Handle::context(h);
    Core* core = poll.core;
    const ares_socket_t fd = poll.fd;
    // On an error c-ares reads or writes the socket and learns what it is.
    const bool all = status < 0;
    ares_process_fd(core->channel, all || (events & UV_READABLE) ? fd : ARES_SOCKET_BAD,
                    all || (events & UV_WRITABLE) ? fd : ARES_SOCKET_BAD);
    core->update_timeout();
  }

  void deliver_later(ResolveCallback done, Result<Resolution, std::string> result) {
    ready.push_back(Ready{std::move(done), std::move(result)});
    uv_timer_start(
        deliver.get(),
        [](uv_timer_t* t) {
          Core* core = &Timer::context(t);
          std::vector<Ready> batch = std::move(core->ready);
          core->ready.clear();
          for (Ready& r : batch) {
            if (core->destroyed) return;  // a callback destroyed the resolver
            r.done(std::move(r.result));
          }
        },
        0, 0);
  }
};

namespace {

struct Lookup {
  Resolver::Core* core;
  std::string host;
  ResolveCallback done;
};

Result<Resolution, std::string> resolution(const std::string& host, int status,
                                           const ares_addrinfo* info) {
  if (status != ARES_SUCCESS) return fail(host + ": " + ares_strerror(status));
  Resolution r;
  int ttl = INT_MAX;
  for (const ares_addrinfo_node* n = info ? info->nodes : nullptr; n; n = n->ai_next) {
    if ((n->ai_family != AF_INET && n->ai_family != AF_INET6) || !n->ai_addr ||
        n->ai_addrlen > sizeof(sockaddr_storage))
      continue;
    SocketAddress s;
    std::memcpy(&s.storage, n->ai_addr, n->ai_addrlen);
    s.length = static_cast<socklen_t>(n->ai_addrlen);
    const IpAddress a = s.address();
    if (std::find(r.addresses.begin(), r.addresses.end(), a) == r.addresses.end())
      r.addresses.push_back(a);
    ttl = std::min(ttl, n->ai_ttl);
  }
  for (const ares_addrinfo_cname* c = info ? info->cnames : nullptr; c; c = c->next)
    ttl = std::min(ttl, c->ttl);
  if (r.addresses.empty()) return fail(host + ": no addresses");
  r.ttl = std::chrono::seconds(std::max(ttl, 0));
  return r;
}

}  // namespace

Resolver::Resolver(uv_loop_t* loop, const ResolverOptions& options) : core_(new Core) {
  core_->loop = loop;
  core_->timeout.init(loop, *core_, uv_timer_init);
  core_->deliver.init(loop, *core_, uv_timer_init);
  static const int library = ares_library_init(ARES_LIB_INIT_ALL);
  if (library != ARES_SUCCESS) {
    core_->init_error = ares_strerror(library);
    return;
  }
  ares_options o{};
  o.sock_state_cb = Core::on_socket_state;
  o.sock_state_cb_data = core_;
  o.timeout = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(options.timeout).count());
  o.tries = options.tries;
  const int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
  if (const int rc = ares_init_options(&core_->channel, &o, mask); rc != ARES_SUCCESS) {
    core_->channel = nullptr;
    core_->init_error = ares_strerror(rc);
  }
}

Resolver::~Resolver() {
  core_->destroyed = true;
  // Lookups end with ARES_EDESTRUCTION, their sockets are closed.
  if (core_->channel) ares_destroy(core_->channel);
  core_->polls.clear();
  core_->ready.clear();
  core_->timeout.close();
  core_->deliver.close([](Core& core) { delete &core; });
}

void Resolver::resolve(const std::string& host, ResolveCallback done) {
  if (!core_->channel) {
    core_->deliver_later(std::move(done), fail(host + ": c-ares: " + core_->init_error));
    return;
  }
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;
  auto* lookup = new Lookup{core_, host, std::move(done)};
  ares_getaddrinfo(
      core_->channel, host.c_str(), nullptr, &hints,
      [](void* arg, int status, int, ares_addrinfo* info) {
        const std::unique_ptr<Lookup> l(static_cast<Lookup*>(arg));
        auto result = resolution(l->host, status, info);
        if (info) ares_freeaddrinfo(info);
        if (!l->core->destroyed) l->core->deliver_later(std::move(l->done), std::move(result));
      },
      lookup);
  core_->update_timeout();
}

}  // namespace ikesteer::frontend
