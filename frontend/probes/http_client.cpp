#include "frontend/probes/http_client.hpp"

#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <optional>
#include <span>

#include "frontend/os/socket_address.hpp"

namespace ikesteer::frontend {
namespace {

using namespace std::string_view_literals;

std::string sys_error(const char* what, int err) {
  return std::string(what) + ": " + uv_strerror(uv_translate_sys_error(err));
}

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <class T>
std::optional<T> parse_number(std::string_view s, int base) {
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// RFC 9112 §7.1: chunk-size [; ext] CRLF data CRLF ... 0 CRLF [trailers] CRLF. Appends what has
// arrived (a partial last chunk too); true once the last chunk is seen (trailers are not needed).
Result<bool, std::string> decode_chunked(std::string_view raw, std::string& body) {
  std::size_t pos = 0;
  for (;;) {
    const std::size_t eol = raw.find("\r\n", pos);
    if (eol == std::string_view::npos) return false;
    const std::string_view line = raw.substr(pos, eol - pos);
    const auto size = parse_number<std::size_t>(trim(line.substr(0, line.find(';'))), 16);
    if (!size) return fail(std::string("bad chunk size"));
    if (*size == 0) return true;
    const std::size_t data = eol + 2;
    const std::string_view chunk = raw.substr(data, *size);
    body.append(chunk);
    if (chunk.size() < *size || raw.size() < data + *size + 2) return false;
    if (raw.substr(data + *size, 2) != "\r\n") return fail(std::string("bad chunk framing"));
    pos = data + *size + 2;
  }
}

// A TLS context for health checks. No certificate verification: the probe asks whether a
// member's server answers, it does not trust what it says; a member's certificate may well be
// issued for a name other than the address probed.
SSL_CTX* tls_context() {
  static SSL_CTX* const ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    if (c) {
      SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
      SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
      // Servers often close without close_notify; the framing says whether we have it all.
      SSL_CTX_set_options(c, SSL_OP_IGNORE_UNEXPECTED_EOF);
    }
    return c;
  }();
  return ctx;
}

std::string tls_error(int ssl_error) {
  if (const unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    return std::string("tls: ") + (reason ? reason : "error " + std::to_string(e));
  }
  if (ssl_error == SSL_ERROR_SYSCALL && errno != 0) return sys_error("tls", errno);
  return "tls: connection closed";
}

// OpenSSL writes with write(2), which raises SIGPIPE when the peer has gone; the signal is
// blocked in this thread meanwhile and one that became pending is taken away (as libpq does).
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe, &old_);
  }
  ~SigpipeBlocked() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      sigset_t pipe;
      sigemptyset(&pipe);
      sigaddset(&pipe, SIGPIPE);
      const timespec zero{};
      sigtimedwait(&pipe, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t old_{};
  bool was_pending_ = false;
};

// A non-blocking socket, optionally with TLS, whose every wait ends at the deadline.
class Connection {
 public:
  Connection(TimePoint deadline, const std::atomic<bool>& cancel)
      : deadline_(deadline), cancel_(cancel) {}
  ~Connection() {
    if (ssl_) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Result<void, std::string> connect(const HttpRequest& r, const std::string& sni) {
    const SocketAddress to = SocketAddress::from(r.address, r.port);
    fd_ = ::socket(to.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return fail(sys_error("socket", errno));
    if (::connect(fd_, to.get(), to.length) != 0) {
      if (errno != EINPROGRESS) return fail(sys_error("connect", errno));
      if (auto ok = wait(POLLOUT); !ok) return ok;
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) return fail(sys_error("connect", err));
    }
    if (!r.tls) return {};
    SSL_CTX* ctx = tls_context();
    if (!ctx || !(ssl_ = SSL_new(ctx)) || SSL_set_fd(ssl_, fd_) != 1) return fail(tls_error(0));
    // SSL_set_tlsext_host_name(), without the macro's C cast.
    if (!sni.empty() && SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                                 const_cast<char*>(sni.c_str())) != 1)
      return fail(tls_error(0));
    for (;;) {
      ERR_clear_error();
      const int rc = SSL_connect(ssl_);
      if (rc == 1) return {};
      if (auto ok = wait_for_tls(SSL_get_error(ssl_, rc)); !ok) return ok;
    }
  }

  Result<void, std::string> send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n;
      if (ssl_) {
        ERR_clear_error();
        const int rc = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
        if (rc <= 0) {
          if (auto ok = wait_for_tls(SSL_get_error(ssl_, rc)); !ok) return ok;
          continue;
        }
        n = rc;
      } else {
        n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0) {
          if (errno != EAGAIN && errno != EINTR) return fail(sys_error("send", errno));
          if (auto ok = wait(POLLOUT); !ok) return ok;
          continue;
        }
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
  }

  // Octets read into `buf`; 0 when the peer has closed.
  Result<std::size_t, std::string> receive(std::span<char> buf) {
    for (;;) {
      if (ssl_) {
        ERR_clear_error();
        const int rc = SSL_read(ssl_, buf.data(), static_cast<int>(buf.size()));
        if (rc > 0) return static_cast<std::size_t>(rc);
        const int e = SSL_get_error(ssl_, rc);
        if (e == SSL_ERROR_ZERO_RETURN) return std::size_t{0};
        if (auto ok = wait_for_tls(e); !ok) return fail(ok.error());
      } else {
        const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno != EAGAIN && errno != EINTR) return fail(sys_error("recv", errno));
        if (auto ok = wait(POLLIN); !ok) return fail(ok.error());
      }
    }
  }

 private:
  Result<void, std::string> wait_for_tls(int ssl_error) {
    if (ssl_error == SSL_ERROR_WANT_READ) return wait(POLLIN);
    if (ssl_error == SSL_ERROR_WANT_WRITE) return wait(POLLOUT);
    return fail(tls_error(ssl_error));
  }

  // Waits in slices so that a cancelled attempt stops soon.
  Result<void, std::string> wait(short events) {
    using std::chrono::milliseconds;
    for (;;) {
      if (cancel_.load(std::memory_order_relaxed)) return fail(std::string("cancelled"));
      const auto left = std::chrono::ceil<milliseconds>(deadline_ - Clock::now());
      if (left <= milliseconds(0)) return fail(std::string("timeout"));
      pollfd p{fd_, events, 0};
      const int rc =
          ::poll(&p, 1, static_cast<int>(std::min<milliseconds>(left, milliseconds(50)).count()));
      if (rc > 0) return {};
      if (rc < 0 && errno != EINTR) return fail(sys_error("poll", errno));
    }
  }

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  TimePoint deadline_;
  const std::atomic<bool>& cancel_;
};

}  // namespace

Result<HttpResponse, std::string> parse_http_response(std::string_view raw) {
  for (;;) {
    HttpResponse r;
    const std::size_t head_end = raw.find("\r\n\r\n");
    if (head_end == std::string_view::npos) {
      if (!raw.starts_with("HTTP/"sv.substr(0, std::min<std::size_t>(raw.size(), 5))))
        return fail(std::string("not an HTTP response"));
      return r;
    }
    const std::string_view head = raw.substr(0, head_end);
    raw.remove_prefix(head_end + 4);
    // RFC 9112 §4: HTTP-version SP 3DIGIT SP [reason].
    const std::string_view status_line = head.substr(0, head.find("\r\n"));
    const auto status =
        status_line.size() >= 12 && status_line.starts_with("HTTP/1.") && status_line[8] == ' '
            ? parse_number<int>(status_line.substr(9, 3), 10)
            : std::nullopt;
    if (!status || (status_line.size() > 12 && status_line[12] != ' '))
      return fail(std::string("malformed status line"));
    // RFC 9110 §15.2: interim (1xx) responses precede the final one; 101 is not expected.
    if (*status >= 100 && *status < 200 && *status != 101) continue;

    std::optional<std::size_t> length;
    bool chunked = false;
    std::string_view fields = head.substr(status_line.size());
    while (!fields.empty()) {
      fields.remove_prefix(std::min<std::size_t>(2, fields.size()));  // CRLF
      const std::string_view line = fields.substr(0, fields.find("\r\n"));
      fields.remove_prefix(line.size());
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) return fail(std::string("malformed header field"));
      const std::string_view name = line.substr(0, colon);
      const std::string_view value = trim(line.substr(colon + 1));
      if (iequals(name, "content-length")) {
        length = parse_number<std::size_t>(value, 10);
        if (!length) return fail(std::string("bad Content-Length"));
      } else if (iequals(name, "transfer-encoding")) {
        // RFC 9112 §6.3: chunked is the last coding when present.
        chunked = value.size() >= 7 && iequals(value.substr(value.size() - 7), "chunked");
      }
    }
    r.head = true;
    r.status = *status;
    if (*status == 204 || *status == 304) {
      r.complete = true;
    } else if (chunked) {
      auto last = decode_chunked(raw, r.body);
      if (!last) return fail(last.error());
      r.complete = *last;
    } else if (length) {
      r.body = raw.substr(0, *length);
      r.complete = raw.size() >= *length;
    } else {
      r.body = raw;  // until the peer closes
    }
    return r;
  }
}

Result<HttpResponse, std::string> http_get(const HttpRequest& request, TimePoint deadline,
                                           const std::atomic<bool>& cancel) {
  const SigpipeBlocked no_sigpipe;
  std::string host = request.host.empty() ? request.address.to_string() : request.host;
  const auto literal = IpAddress::parse(host);
  // RFC 6066 §3: SNI carries DNS names only.
  const std::string sni = literal ? std::string() : host;
  if (literal && !literal->is_v4()) host = "[" + host + "]";  // RFC 9110 §7.2 uri-host
  if (request.port != (request.tls ? 443 : 80)) host += ":" + std::to_string(request.port);

  Connection c(deadline, cancel);
  if (auto ok = c.connect(request, sni); !ok) return fail(ok.error());
  const std::string get = "GET " + (request.path.empty() ? std::string("/") : request.path) +
                          " HTTP/1.1\r\nHost: " + host +
                          "\r\nUser-Agent: ikesteer-health\r\nAccept: */*\r\n"
                          "Connection: close\r\n\r\n";
  if (auto ok = c.send(get); !ok) return fail(ok.error());

  std::string raw;
  std::array<char, 16 * 1024> buf;
  while (raw.size() < kMaxHttpResponse) {
    const std::size_t room = std::min(buf.size(), kMaxHttpResponse - raw.size());
    const auto n = c.receive(std::span(buf).first(room));
    if (!n) {
      // Out of time (or cut off) after the head: judge what has arrived.
      auto partial = parse_http_response(raw);
      if (partial && partial->head) return partial;
      return fail(n.error());
    }
    if (*n == 0) break;
    raw.append(buf.data(), *n);
    auto parsed = parse_http_response(raw);
    if (!parsed || parsed->complete) return parsed;
  }
  // Closed by the peer, or kMaxHttpResponse read: judge what has arrived.
  auto parsed = parse_http_response(raw);
  if (parsed && !parsed->head)
    return fail(std::string(raw.size() < kMaxHttpResponse ? "closed before a response"
                                                          : "response head over 64 KiB"));
  return parsed;
}

}  // namespace ikesteer::frontend
