// ikesteer_loadgen: IKE_SA_INIT load generator that validates every REDIRECT reply.
//
// Requests and checks are in loadgen_wire.hpp. Clients are (source address, source port) pairs:
// a few wildcard-bound sockets give the ports, and IP_PKTINFO picks the source address per
// datagram (every 127/8 address is local on loopback). Open loop (--rate) or a bounded window
// in flight; always stops (--duration, --count). With --server-pid it reports the server's CPU
// seconds over the run, replies per server CPU-second and the server's RSS.
//
// Usage: ikesteer_loadgen [options]; --help lists them. Exit status 0 when at least one reply
// came back and none was invalid, 1 otherwise, 2 on a usage or set-up error.
#include <arpa/inet.h>
#include <endian.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cinttypes>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bench/latency_histogram.hpp"
#include "bench/loadgen_wire.hpp"
#include "bench/proc_stats.hpp"

namespace ikesteer::bench {
namespace {

constexpr std::size_t kRecvBatch = 64;
constexpr std::size_t kRecvBufferSize = 2048;
constexpr std::size_t kRingSize = std::size_t{1} << 21;  // pending requests tracked at once
constexpr std::size_t kMaxExamples = 5;
constexpr std::size_t kMaxGateways = 8;

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
  sockaddr_in target{};
  bool marker = false;
  std::uint32_t src_base = 0x7f010001;  // 127.1.0.1, host order
  std::uint32_t addresses = 16384;
  std::uint32_t ports = 4;
  double rate = 0;
  std::uint32_t window = 128;
  std::uint32_t batch = 32;
  double duration = 0;
  std::uint64_t count = 0;
  double timeout = 0.5;
  int server_pid = 0;
};

constexpr const char* kUsage = R"(usage: ikesteer_loadgen [options]
  --target ADDR        IPv4 address of the server (127.0.0.1)
  --port N             server UDP port (500); 4500 implies --non-esp-marker
  --non-esp-marker     prefix each request with 4 zero octets (UDP 4500 framing)
  --src-base ADDR      first client source address (127.1.0.1)
  --addresses N        distinct client source addresses (16384)
  --ports N            client source ports, one socket each (4); clients = addresses x ports
  --rate R             requests/s, open loop; 0 = as fast as the window allows (0)
  --window N           requests in flight when --rate is 0 (128)
  --batch N            requests per sendmmsg (32)
  --duration S         stop sending after S seconds
  --count N            stop sending after N requests (5 s duration if neither is given)
  --timeout S          an unanswered request counts as lost after S seconds (0.5)
  --server-pid PID     report the server's CPU time and RSS over the run
)";

template <class T>
bool parse_number(std::string_view s, T& out) {
  const auto* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && p == end;
}

bool parse_ipv4(std::string_view s, std::uint32_t& host_order) {
  const std::string text(s);
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) return false;
  host_order = ntohl(a.s_addr);
  return true;
}

std::optional<Options> parse_options(int argc, char** argv) {
  Options o;
  std::uint32_t target = INADDR_LOOPBACK;
  std::uint16_t port = 500;
  bool ok = true;
  for (int i = 1; i < argc && ok; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (arg == "--non-esp-marker") {
      o.marker = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "loadgen: %s needs a value or is unknown\n", argv[i]);
      return std::nullopt;
    }
    const std::string_view v = argv[++i];
    if (arg == "--target")
      ok = parse_ipv4(v, target);
    else if (arg == "--port")
      ok = parse_number(v, port) && port != 0;
    else if (arg == "--src-base")
      ok = parse_ipv4(v, o.src_base);
    else if (arg == "--addresses")
      ok = parse_number(v, o.addresses) && o.addresses > 0;
    else if (arg == "--ports")
      ok = parse_number(v, o.ports) && o.ports > 0 && o.ports <= 64;
    else if (arg == "--rate")
      ok = parse_number(v, o.rate) && o.rate >= 0;
    else if (arg == "--window")
      ok = parse_number(v, o.window) && o.window > 0;
    else if (arg == "--batch")
      ok = parse_number(v, o.batch) && o.batch > 0 && o.batch <= 1024;
    else if (arg == "--duration")
      ok = parse_number(v, o.duration) && o.duration > 0;
    else if (arg == "--count")
      ok = parse_number(v, o.count) && o.count > 0;
    else if (arg == "--timeout")
      ok = parse_number(v, o.timeout) && o.timeout > 0;
    else if (arg == "--server-pid")
      ok = parse_number(v, o.server_pid) && o.server_pid > 0;
    else {
      std::fprintf(stderr, "loadgen: unknown option %s\n%s", argv[i - 1], kUsage);
      return std::nullopt;
    }
    if (!ok) std::fprintf(stderr, "loadgen: bad value for %s: %s\n", argv[i - 1], argv[i]);
  }
  if (!ok) return std::nullopt;
  // Stay inside 127/8 and below its broadcast address.
  if (std::uint64_t{o.src_base} + o.addresses > 0x7fffffffULL || (o.src_base >> 24) != 127) {
    std::fprintf(stderr, "loadgen: --src-base + --addresses must stay inside 127.0.0.0/8\n");
    return std::nullopt;
  }
  if (o.duration == 0 && o.count == 0) o.duration = 5;
  if (o.count > 0xffffffffULL) o.count = 0xffffffffULL;  // the sequence number is 32 bits
  if (port == 4500) o.marker = true;
  o.target.sin_family = AF_INET;
  o.target.sin_port = htons(port);
  o.target.sin_addr.s_addr = htonl(target);
  return o;
}

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

// ---------------------------------------------------------------------------------------------
// The run

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_signal(int) {
  g_stop = 1;
}

struct Totals {
  std::uint64_t sent = 0;
  std::uint64_t replies = 0;
  std::uint64_t valid = 0;
  std::uint64_t invalid = 0;
  std::uint64_t unmatched = 0;  // valid content, but late (after --timeout) or a duplicate
  std::uint64_t lost = 0;
  std::uint64_t send_errors = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(Invalid::Count)> reasons{};
  std::vector<std::string> examples;
  std::vector<std::pair<Gateway, std::uint64_t>> gateways;
  std::uint64_t other_gateways = 0;
};

class LoadGen {
 public:
  LoadGen(const Options& o, std::uint64_t salt)
      : opt_(o),
        id_(salt, o.addresses, o.ports),
        expect_{o.target, o.marker, o.src_base},
        checker_(expect_, id_),
        sent_at_(kRingSize, 0),
        socket_outstanding_(o.ports, 0) {}

  ~LoadGen() {
    for (int fd : fds_) close(fd);
  }
  LoadGen(const LoadGen&) = delete;
  LoadGen& operator=(const LoadGen&) = delete;

  bool open_sockets() {
    for (std::uint32_t i = 0; i < opt_.ports; ++i) {
      const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) return perror_false("socket");
      fds_.push_back(fd);
      const int one = 1;
      const int buffer = 8 << 20;
      if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) != 0)
        return perror_false("IP_PKTINFO");
      // Root may exceed rmem_max; otherwise take what the limit allows.
      if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
      if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buffer, sizeof buffer) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
      sockaddr_in any{};
      any.sin_family = AF_INET;
      if (bind(fd, reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0)
        return perror_false("bind");
    }
    return true;
  }

  Totals run() {
    prepare_send();
    prepare_recv();
    const std::uint64_t timeout_ns = static_cast<std::uint64_t>(opt_.timeout * 1e9);
    const std::uint64_t duration_ns =
        opt_.duration > 0 ? static_cast<std::uint64_t>(opt_.duration * 1e9) : UINT64_MAX;
    start_ns_ = now_ns();
    last_reply_ns_ = start_ns_;
    std::uint64_t drain_until = 0;
    for (;;) {
      const std::uint64_t now = now_ns();
      const bool sending = g_stop == 0 && !gave_up_ && (opt_.count == 0 || t_.sent < opt_.count) &&
                           now - start_ns_ < duration_ns;
      if (!sending && drain_until == 0) {
        drain_until = now + timeout_ns;
        send_end_ns_ = now;
      }
      const bool drained = drain_until != 0 && now >= drain_until;
      expire(now, timeout_ns, drained);
      if (drain_until != 0 && outstanding_ == 0) break;

      std::size_t sent = 0;
      if (sending) {
        const std::uint64_t room = sendable(now);
        if (room > 0) sent = send_batch(room, now);
      }
      const std::size_t got = receive_all();
      if (sent == 0 && got == 0 && sending) nap(now);
    }
    return t_;
  }

  std::uint64_t start_ns() const { return start_ns_; }
  std::uint64_t send_end_ns() const { return send_end_ns_; }
  std::uint64_t last_reply_ns() const { return last_reply_ns_; }
  const Histogram& latency() const { return latency_; }
  std::uint64_t clients() const { return id_.clients(); }

 private:
  static bool perror_false(const char* what) {
    std::perror(what);
    return false;
  }

  // How many requests may go now: open loop follows the clock; closed loop refills the window
  // a whole batch at a time so that the server sees bursts it can batch too.
  std::uint64_t sendable(std::uint64_t now) const {
    std::uint64_t room;
    if (opt_.rate > 0) {
      const double due = static_cast<double>(now - start_ns_) * 1e-9 * opt_.rate + 1;
      const auto due_count = static_cast<std::uint64_t>(due);
      room = due_count > t_.sent ? due_count - t_.sent : 0;
    } else {
      room = opt_.window > outstanding_ ? opt_.window - outstanding_ : 0;
      if (room < std::min<std::uint64_t>(opt_.batch, opt_.window)) room = 0;
    }
    if (opt_.count > 0) room = std::min(room, opt_.count - t_.sent);
    return std::min<std::uint64_t>(room, opt_.batch);
  }

  void prepare_send() {
    const std::size_t size = kRequestTemplate.size() + (opt_.marker ? kMarkerSize : 0);
    send_buf_.assign(opt_.batch * size, std::byte{0});
    send_msgs_.assign(opt_.batch, mmsghdr{});
    send_iov_.assign(opt_.batch, iovec{});
    send_ctl_.assign(opt_.batch, Control{});
    for (std::size_t i = 0; i < opt_.batch; ++i) {
      std::byte* msg = send_buf_.data() + i * size;
      std::memcpy(msg + (opt_.marker ? kMarkerSize : 0), kRequestTemplate.data(),
                  kRequestTemplate.size());
      send_iov_[i] = {msg, size};
      msghdr& h = send_msgs_[i].msg_hdr;
      h.msg_name = &opt_.target;
      h.msg_namelen = sizeof opt_.target;
      h.msg_iov = &send_iov_[i];
      h.msg_iovlen = 1;
      h.msg_control = send_ctl_[i].buf;
      h.msg_controllen = sizeof send_ctl_[i].buf;
      cmsghdr* cm = CMSG_FIRSTHDR(&h);
      cm->cmsg_level = IPPROTO_IP;
      cm->cmsg_type = IP_PKTINFO;
      cm->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    }
  }

  void prepare_recv() {
    recv_buf_.assign(kRecvBatch * kRecvBufferSize, std::byte{0});
    recv_msgs_.assign(kRecvBatch, mmsghdr{});
    recv_iov_.assign(kRecvBatch, iovec{});
    recv_from_.assign(kRecvBatch, sockaddr_in{});
    recv_ctl_.assign(kRecvBatch, Control{});
    for (std::size_t i = 0; i < kRecvBatch; ++i)
      recv_iov_[i] = {recv_buf_.data() + i * kRecvBufferSize, kRecvBufferSize};
  }

  // Sends up to `room` requests that share the next request's socket.
  std::size_t send_batch(std::uint64_t room, std::uint64_t now) {
    std::uint64_t seq = t_.sent + 1;
    make_ring_room(seq + room);
    const std::uint32_t sock = id_.socket_index(seq);
    const std::size_t offset = opt_.marker ? kMarkerSize : 0;
    std::size_t k = 0;
    for (; k < room && id_.socket_index(seq + k) == sock; ++k) {
      const std::uint64_t s = seq + k;
      auto* msg = static_cast<std::byte*>(send_iov_[k].iov_base) + offset;
      const std::uint64_t spi = htobe64(id_.spi(s));
      std::memcpy(msg, &spi, sizeof spi);
      id_.nonce(s, std::span<std::byte, kNonceSize>(msg + kNonceOffset, kNonceSize));
      in_pktinfo info{};
      info.ipi_spec_dst.s_addr = htonl(opt_.src_base + id_.address_offset(s));
      std::memcpy(CMSG_DATA(CMSG_FIRSTHDR(&send_msgs_[k].msg_hdr)), &info, sizeof info);
    }
    const int n = sendmmsg(fds_[sock], send_msgs_.data(), static_cast<unsigned>(k), 0);
    if (n <= 0) {
      ++t_.send_errors;
      // A transient ENOBUFS/EAGAIN passes; a persistent error must not keep a --count run alive.
      if (++failed_in_a_row_ == 100'000) {
        std::perror("loadgen: sendmmsg keeps failing, stopping");
        gave_up_ = true;
      }
      return 0;
    }
    failed_in_a_row_ = 0;
    for (int i = 0; i < n; ++i) sent_at_[(seq + static_cast<std::uint64_t>(i)) % kRingSize] = now;
    const auto sent = static_cast<std::uint64_t>(n);
    t_.sent += sent;
    outstanding_ += sent;
    socket_outstanding_[sock] += sent;
    return static_cast<std::size_t>(n);
  }

  std::size_t receive_all() {
    std::size_t total = 0;
    for (std::uint32_t s = 0; s < fds_.size(); ++s) {
      if (socket_outstanding_[s] == 0) continue;
      for (;;) {
        for (std::size_t i = 0; i < kRecvBatch; ++i) {
          msghdr& h = recv_msgs_[i].msg_hdr;
          h.msg_name = &recv_from_[i];
          h.msg_namelen = sizeof recv_from_[i];
          h.msg_iov = &recv_iov_[i];
          h.msg_iovlen = 1;
          h.msg_control = recv_ctl_[i].buf;
          h.msg_controllen = sizeof recv_ctl_[i].buf;
          h.msg_flags = 0;
        }
        const int n = recvmmsg(fds_[s], recv_msgs_.data(), kRecvBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0) break;
        const std::uint64_t now = now_ns();
        for (int i = 0; i < n; ++i) on_reply(static_cast<std::size_t>(i), s, now);
        total += static_cast<std::size_t>(n);
        if (static_cast<std::size_t>(n) < kRecvBatch) break;
      }
    }
    return total;
  }

  void on_reply(std::size_t i, std::uint32_t socket, std::uint64_t now) {
    ++t_.replies;
    const msghdr& h = recv_msgs_[i].msg_hdr;
    Received r;
    r.payload = std::span<const std::byte>(static_cast<const std::byte*>(recv_iov_[i].iov_base),
                                           recv_msgs_[i].msg_len);
    r.from = recv_from_[i];
    r.socket = socket;
    for (const cmsghdr* cm = CMSG_FIRSTHDR(&h); cm != nullptr;
         cm = CMSG_NXTHDR(const_cast<msghdr*>(&h), const_cast<cmsghdr*>(cm))) {
      if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
        in_pktinfo info;
        std::memcpy(&info, CMSG_DATA(cm), sizeof info);
        r.to = info.ipi_addr;
      }
    }
    const Checked c = checker_.check(r, t_.sent + 1);
    if (c.invalid) {
      ++t_.invalid;
      ++t_.reasons[static_cast<std::size_t>(*c.invalid)];
      if (t_.examples.size() < kMaxExamples) t_.examples.push_back(example(r, c));
      settle(c.seq);
      return;
    }
    if (!settle(c.seq)) {
      ++t_.unmatched;
      return;
    }
    ++t_.valid;
    latency_.add(now - pending_time_);
    last_reply_ns_ = now;
    count_gateway(c.gateway);
  }

  // Marks request `seq` answered. False if it was not pending (late, duplicate or unknown).
  bool settle(std::uint64_t seq) {
    if (seq == 0 || seq < oldest_) return false;
    std::uint64_t& slot = sent_at_[seq % kRingSize];
    if (slot == 0) return false;
    pending_time_ = slot;
    slot = 0;
    --outstanding_;
    --socket_outstanding_[id_.socket_index(seq)];
    return true;
  }

  // Retires requests older than the timeout (or all, when `all`) as lost.
  void expire(std::uint64_t now, std::uint64_t timeout_ns, bool all) {
    while (oldest_ <= t_.sent) {
      std::uint64_t& slot = sent_at_[oldest_ % kRingSize];
      if (slot != 0) {
        if (!all && now - slot < timeout_ns) return;
        lose(oldest_);
      }
      ++oldest_;
    }
  }

  // Keeps every pending request in its own ring slot: retire the oldest if the ring is full.
  void make_ring_room(std::uint64_t end_seq) {
    while (end_seq - oldest_ > kRingSize) {
      if (sent_at_[oldest_ % kRingSize] != 0) lose(oldest_);
      ++oldest_;
    }
  }

  void lose(std::uint64_t seq) {
    sent_at_[seq % kRingSize] = 0;
    ++t_.lost;
    --outstanding_;
    --socket_outstanding_[id_.socket_index(seq)];
  }

  // The load generator busy-polls its own CPU: in this VM an idle vCPU takes up to
  // milliseconds to wake, which would show up as server latency. It only naps when nothing is
  // in flight and the next open-loop send is more than a millisecond away.
  void nap(std::uint64_t now) const {
    if (opt_.rate <= 0 || outstanding_ != 0) return;
    const double next = static_cast<double>(t_.sent) / opt_.rate * 1e9;
    const std::uint64_t due = start_ns_ + static_cast<std::uint64_t>(next);
    if (due < now + 1'000'000) return;
    const std::uint64_t gap = due - now - 500'000;
    const timespec ts{static_cast<time_t>(gap / 1'000'000'000),
                      static_cast<long>(gap % 1'000'000'000)};
    (void)nanosleep(&ts, nullptr);
  }

  std::string example(const Received& r, const Checked& c) const {
    char from[INET_ADDRSTRLEN] = {}, to[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &r.from.sin_addr, from, sizeof from);
    inet_ntop(AF_INET, &r.to, to, sizeof to);
    std::string hex;
    for (std::size_t i = 0; i < std::min<std::size_t>(r.payload.size(), 48); ++i) {
      char b[4];
      std::snprintf(b, sizeof b, "%02x", std::to_integer<unsigned>(r.payload[i]));
      hex += b;
    }
    char line[512];
    std::snprintf(line, sizeof line,
                  "seq %" PRIu64 " %s:%u -> %s (socket %u), %zu octets: %s [%s%s]", c.seq, from,
                  ntohs(r.from.sin_port), to, r.socket, r.payload.size(), describe(*c.invalid),
                  hex.c_str(), r.payload.size() > 48 ? "..." : "");
    return line;
  }

  void count_gateway(const Gateway& g) {
    for (auto& [known, n] : t_.gateways) {
      if (known.type == g.type && known.size == g.size &&
          std::memcmp(known.value.data(), g.value.data(), g.size) == 0) {
        ++n;
        return;
      }
    }
    if (t_.gateways.size() < kMaxGateways)
      t_.gateways.emplace_back(g, 1);
    else
      ++t_.other_gateways;
  }

  struct Control {
    alignas(cmsghdr) char buf[CMSG_SPACE(sizeof(in_pktinfo))];
  };

  Options opt_;
  Identity id_;
  Expectation expect_;
  ReplyChecker checker_;
  std::vector<int> fds_;
  std::vector<std::uint64_t> sent_at_;  // by seq % kRingSize; 0 = not pending
  std::vector<std::uint64_t> socket_outstanding_;
  std::uint64_t oldest_ = 1;  // no request below this one is pending
  std::uint64_t outstanding_ = 0;
  std::uint64_t pending_time_ = 0;
  std::uint64_t failed_in_a_row_ = 0;
  bool gave_up_ = false;
  std::uint64_t start_ns_ = 0, send_end_ns_ = 0, last_reply_ns_ = 0;
  Totals t_;
  Histogram latency_;

  std::vector<std::byte> send_buf_;
  std::vector<mmsghdr> send_msgs_;
  std::vector<iovec> send_iov_;
  std::vector<Control> send_ctl_;
  std::vector<std::byte> recv_buf_;
  std::vector<mmsghdr> recv_msgs_;
  std::vector<iovec> recv_iov_;
  std::vector<sockaddr_in> recv_from_;
  std::vector<Control> recv_ctl_;
};

std::uint64_t random_salt() {
  std::uint64_t salt = now_ns() ^ (static_cast<std::uint64_t>(getpid()) << 40);
  if (FILE* f = std::fopen("/dev/urandom", "re")) {
    if (std::fread(&salt, sizeof salt, 1, f) != 1) salt ^= 0x9e3779b97f4a7c15ULL;
    std::fclose(f);
  }
  return salt;
}

std::string ipv4_text(std::uint32_t host_order) {
  const in_addr a{htonl(host_order)};
  char buf[INET_ADDRSTRLEN] = {};
  return inet_ntop(AF_INET, &a, buf, sizeof buf);
}

int loadgen_main(int argc, char** argv) {
  const auto parsed = parse_options(argc, argv);
  if (!parsed) return 2;
  const Options& o = *parsed;
  // Timed sleeps to the nanosecond rather than the default 50 µs slack.
  (void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  LoadGen gen(o, random_salt());
  if (!gen.open_sockets()) return 2;

  std::optional<double> cpu_before, cpu_after;
  std::optional<long> rss_before, rss_after, rss_peak;
  if (o.server_pid > 0) {
    cpu_before = process_cpu_seconds(o.server_pid);
    rss_before = process_status_kb(o.server_pid, "VmRSS");
    if (!cpu_before) {
      std::fprintf(stderr, "loadgen: cannot read /proc/%d/stat\n", o.server_pid);
      return 2;
    }
  }
  const double self_before = own_cpu_seconds();
  const Totals t = gen.run();
  const double self_cpu = own_cpu_seconds() - self_before;
  if (o.server_pid > 0) {
    cpu_after = process_cpu_seconds(o.server_pid);
    rss_after = process_status_kb(o.server_pid, "VmRSS");
    rss_peak = process_status_kb(o.server_pid, "VmHWM");
  }

  const double elapsed = static_cast<double>(gen.last_reply_ns() - gen.start_ns()) * 1e-9;
  const double send_time = static_cast<double>(gen.send_end_ns() - gen.start_ns()) * 1e-9;
  const double rps = elapsed > 0 ? static_cast<double>(t.valid) / elapsed : 0;
  const Histogram& lat = gen.latency();
  const auto us = [](std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; };
  const double p50 = us(lat.percentile(0.50)), p90 = us(lat.percentile(0.90)),
               p99 = us(lat.percentile(0.99)), pmax = us(lat.max());

  char target[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &o.target.sin_addr, target, sizeof target);
  std::printf("target        %s:%u%s\n", target, ntohs(o.target.sin_port),
              o.marker ? " (non-ESP marker)" : "");
  std::printf("clients       %" PRIu64 " (%u addresses %s..%s x %u ports)\n", gen.clients(),
              o.addresses, ipv4_text(o.src_base).c_str(),
              ipv4_text(o.src_base + o.addresses - 1).c_str(), o.ports);
  if (o.rate > 0)
    std::printf("load          open loop, %.0f requests/s\n", o.rate);
  else
    std::printf("load          closed loop, window %u, batch %u\n", o.window, o.batch);
  std::printf("sending       %.3f s\n", send_time);
  std::printf(
      "sent          %" PRIu64 "%s\n", t.sent,
      t.send_errors ? (" (" + std::to_string(t.send_errors) + " failed sendmmsg)").c_str() : "");
  std::printf("replies       %" PRIu64 "\n", t.replies);
  std::printf("valid         %" PRIu64 "\n", t.valid);
  std::printf("invalid       %" PRIu64 "\n", t.invalid);
  for (std::size_t i = 0; i < t.reasons.size(); ++i)
    if (t.reasons[i] != 0)
      std::printf("  %" PRIu64 " x %s\n", t.reasons[i], describe(static_cast<Invalid>(i)));
  for (const auto& e : t.examples) std::printf("  e.g. %s\n", e.c_str());
  std::printf("unmatched     %" PRIu64 " (late or duplicate)\n", t.unmatched);
  std::printf("lost          %" PRIu64 " (no reply within %.3f s)\n", t.lost, o.timeout);
  std::printf("replies/s     %.0f\n", rps);
  std::printf("latency us    p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n", p50, p90, p99, pmax);
  std::printf("gateways     ");
  for (const auto& [g, n] : t.gateways) std::printf(" %s=%" PRIu64, gateway_text(g).c_str(), n);
  if (t.other_gateways) std::printf(" other=%" PRIu64, t.other_gateways);
  std::printf("\n");

  double cpu = 0, per_cpu = 0;
  if (cpu_before && cpu_after) {
    cpu = *cpu_after - *cpu_before;
    per_cpu = cpu > 0 ? static_cast<double>(t.valid) / cpu : 0;
    std::printf("server cpu    %.2f s (utime+stime of pid %d)\n", cpu, o.server_pid);
    std::printf("replies/cpu-s %.0f\n", per_cpu);
    std::printf("server rss    before %ld kB, after %ld kB, peak %ld kB\n", rss_before.value_or(-1),
                rss_after.value_or(-1), rss_peak.value_or(-1));
  }
  std::printf("loadgen cpu   %.2f s\n", self_cpu);
  // One machine-readable line for scripts.
  std::printf("RESULT sent=%" PRIu64 " replies=%" PRIu64 " valid=%" PRIu64 " invalid=%" PRIu64
              " unmatched=%" PRIu64 " lost=%" PRIu64
              " rps=%.0f p50=%.1f p90=%.1f p99=%.1f max=%.1f cpu=%.2f per_cpu=%.0f"
              " rss_before=%ld rss_after=%ld self_cpu=%.2f\n",
              t.sent, t.replies, t.valid, t.invalid, t.unmatched, t.lost, rps, p50, p90, p99, pmax,
              cpu, per_cpu, rss_before.value_or(-1), rss_after.value_or(-1), self_cpu);
  return t.valid > 0 && t.invalid == 0 ? 0 : 1;
}

}  // namespace
}  // namespace ikesteer::bench

int main(int argc, char** argv) {
  return ikesteer::bench::loadgen_main(argc, argv);
}
