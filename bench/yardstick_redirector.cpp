// yardstick_redirector: the least work a correct IKE_SA_INIT redirector can do, as the
// benchmark's upper bound. One thread, recvmmsg/sendmmsg, no policy, no counters on the hot path
// beyond two integers. It checks the header, walks the payload chain for Ni and
// REDIRECT_SUPPORTED / REDIRECTED_FROM, and answers with a REDIRECT to an IPv4 member carrying
// Nonce Data = Ni, sent from the address the request reached.
//
// Usage: yardstick_redirector [--listen ADDR] [--port N] [--non-esp-marker]
//                             --member IPv4 [--member IPv4 ...]
// Runs until SIGINT/SIGTERM, then prints its counters to stderr.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/hash.hpp"

namespace {

constexpr std::size_t kBatch = 64;
constexpr std::size_t kMaxRequest = 2048;
constexpr std::size_t kHeaderSize = 28;
constexpr std::size_t kMarkerSize = 4;
// Header, Notify header (4 + 4), GW type and length, IPv4, up to 256 octets of Nonce Data.
constexpr std::size_t kMaxReply = kMarkerSize + kHeaderSize + 8 + 2 + 4 + 256;

std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
std::uint32_t be32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}
bool all_zero(const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] != 0) return false;
  return true;
}

// Writes the REDIRECT reply for `msg` into `out`; returns its size, or 0 to drop.
std::size_t redirect(const std::uint8_t* msg, std::size_t size, const std::uint8_t member[4],
                     std::uint8_t* out) {
  // RFC 7296 §3.1: a request (R clear) for IKE_SA_INIT, major version 2, SPIr 0, MID 0, and a
  // Length equal to the datagram.
  if (size < kHeaderSize || all_zero(msg, 8) || !all_zero(msg + 8, 8)) return 0;
  if ((msg[17] >> 4) != 2 || msg[18] != 34 || (msg[19] & 0x20) != 0) return 0;
  if (be32(msg + 20) != 0 || be32(msg + 24) != size) return 0;

  // RFC 7296 §3.2: walk the chain; every length >= 4 and inside the message, ending at Length.
  const std::uint8_t* nonce = nullptr;
  std::size_t nonce_size = 0;
  bool supported = false;
  std::uint8_t next = msg[16];
  std::size_t at = kHeaderSize;
  while (next != 0) {
    if (size - at < 4) return 0;
    const std::size_t len = be16(msg + at + 2);
    if (len < 4 || len > size - at) return 0;
    if (next == 40) {
      nonce = msg + at + 4;
      nonce_size = len - 4;
    } else if (next == 41 && len >= 8) {
      // RFC 5685 §4.1/§4.4: REDIRECT_SUPPORTED, or REDIRECTED_FROM (which implies it).
      const std::uint16_t type = be16(msg + at + 6);
      supported |= type == 16406 || type == 16408;
    }
    next = msg[at];
    at += len;
  }
  if (at != size || !supported || nonce == nullptr) return 0;
  if (nonce_size < 16 || nonce_size > 256) return 0;  // RFC 7296 §3.9

  // RFC 5685 §4.3: HDR(SPIi, 0, R) N(REDIRECT: GW type 1, IPv4, Nonce Data = Ni).
  const std::size_t notify = 4 + 4 + 2 + 4 + nonce_size;
  const std::size_t total = kHeaderSize + notify;
  std::memcpy(out, msg, 8);
  std::memset(out + 8, 0, 8);
  out[16] = 41;
  out[17] = 0x20;
  out[18] = 34;
  out[19] = 0x20;
  std::memset(out + 20, 0, 4);
  out[24] = 0;
  out[25] = 0;
  out[26] = static_cast<std::uint8_t>(total >> 8);
  out[27] = static_cast<std::uint8_t>(total);
  std::uint8_t* n = out + kHeaderSize;
  n[0] = 0;
  n[1] = 0;
  n[2] = static_cast<std::uint8_t>(notify >> 8);
  n[3] = static_cast<std::uint8_t>(notify);
  n[4] = 0;  // Protocol ID
  n[5] = 0;  // SPI Size
  n[6] = 0x40;
  n[7] = 0x17;  // REDIRECT
  n[8] = 1;     // IPv4
  n[9] = 4;
  std::memcpy(n + 10, member, 4);
  std::memcpy(n + 14, nonce, nonce_size);
  return total;
}

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_signal(int) {
  g_stop = 1;
}

struct Control {
  alignas(cmsghdr) char buf[CMSG_SPACE(sizeof(in_pktinfo))];
};

int usage() {
  std::fputs(
      "usage: yardstick_redirector [--listen ADDR] [--port N] [--non-esp-marker] "
      "--member IPv4 [--member IPv4 ...]\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  sockaddr_in listen_addr{};
  listen_addr.sin_family = AF_INET;
  listen_addr.sin_port = htons(500);
  bool marker = false;
  std::vector<std::array<std::uint8_t, 4>> members;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--non-esp-marker") {
      marker = true;
      continue;
    }
    if (i + 1 >= argc) return usage();
    const char* value = argv[++i];
    if (arg == "--listen") {
      if (inet_pton(AF_INET, value, &listen_addr.sin_addr) != 1) return usage();
    } else if (arg == "--port") {
      std::uint16_t port = 0;
      const std::string_view v = value;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), port);
      if (ec != std::errc() || p != v.data() + v.size() || port == 0) return usage();
      listen_addr.sin_port = htons(port);
    } else if (arg == "--member") {
      std::array<std::uint8_t, 4> m{};
      if (inet_pton(AF_INET, value, m.data()) != 1) return usage();
      members.push_back(m);
    } else {
      return usage();
    }
  }
  if (members.empty()) return usage();
  if (ntohs(listen_addr.sin_port) == 4500) marker = true;

  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  const int buffer = 4 << 20;
  if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) != 0) {
    std::perror("yardstick: socket");
    return 1;
  }
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer) != 0)
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&listen_addr), sizeof listen_addr) != 0) {
    std::perror("yardstick: bind");
    return 1;
  }
  // No SA_RESTART: the signal interrupts recvmmsg.
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  std::vector<std::uint8_t> in_buf(kBatch * kMaxRequest), out_buf(kBatch * kMaxReply);
  std::array<mmsghdr, kBatch> in{}, out{};
  std::array<iovec, kBatch> in_iov{}, out_iov{};
  std::array<sockaddr_in, kBatch> peers{};
  std::array<Control, kBatch> in_ctl{}, out_ctl{};
  for (std::size_t i = 0; i < kBatch; ++i) in_iov[i] = {&in_buf[i * kMaxRequest], kMaxRequest};

  const std::size_t skip = marker ? kMarkerSize : 0;
  std::uint64_t received = 0, replied = 0;
  while (g_stop == 0) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      msghdr& h = in[i].msg_hdr;
      h.msg_name = &peers[i];
      h.msg_namelen = sizeof peers[i];
      h.msg_iov = &in_iov[i];
      h.msg_iovlen = 1;
      h.msg_control = in_ctl[i].buf;
      h.msg_controllen = sizeof in_ctl[i].buf;
    }
    const int got = recvmmsg(fd, in.data(), kBatch, MSG_WAITFORONE, nullptr);
    if (got < 0) {
      if (errno == EINTR) continue;
      std::perror("yardstick: recvmmsg");
      return 1;
    }
    received += static_cast<std::uint64_t>(got);
    unsigned k = 0;
    for (std::size_t i = 0; i < static_cast<std::size_t>(got); ++i) {
      const std::uint8_t* msg = &in_buf[i * kMaxRequest];
      const std::size_t size = in[i].msg_len;
      // RFC 3948 §2.2: on 4500 only datagrams starting with the 4-octet zero marker are IKE.
      if (size < skip || !all_zero(msg, skip)) continue;
      std::uint64_t spi;
      std::memcpy(&spi, msg + skip, sizeof spi);
      const auto& member = members[ikesteer::mix64(spi) % members.size()];
      std::uint8_t* reply = &out_buf[k * kMaxReply];
      std::memset(reply, 0, skip);
      const std::size_t n = redirect(msg + skip, size - skip, member.data(), reply + skip);
      if (n == 0) continue;

      // Reply from the address the request reached (RFC 7296 §2.11) to where it came from.
      in_pktinfo reached{};
      msghdr& ih = in[i].msg_hdr;
      for (cmsghdr* cm = CMSG_FIRSTHDR(&ih); cm != nullptr; cm = CMSG_NXTHDR(&ih, cm)) {
        if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO)
          std::memcpy(&reached, CMSG_DATA(cm), sizeof reached);
      }
      in_pktinfo source{};
      source.ipi_spec_dst = reached.ipi_addr;
      out_iov[k] = {reply, skip + n};
      msghdr& oh = out[k].msg_hdr;
      oh = msghdr{};
      oh.msg_name = &peers[i];
      oh.msg_namelen = sizeof peers[i];
      oh.msg_iov = &out_iov[k];
      oh.msg_iovlen = 1;
      oh.msg_control = out_ctl[k].buf;
      oh.msg_controllen = sizeof out_ctl[k].buf;
      cmsghdr* cm = CMSG_FIRSTHDR(&oh);
      cm->cmsg_level = IPPROTO_IP;
      cm->cmsg_type = IP_PKTINFO;
      cm->cmsg_len = CMSG_LEN(sizeof source);
      std::memcpy(CMSG_DATA(cm), &source, sizeof source);
      ++k;
    }
    for (unsigned done = 0; done < k;) {
      const int n = sendmmsg(fd, out.data() + done, k - done, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        break;  // e.g. ENOBUFS: drop the rest of the batch like a full queue would
      }
      done += static_cast<unsigned>(n);
      replied += static_cast<std::uint64_t>(n);
    }
  }
  std::fprintf(stderr, "yardstick: received %llu, replied %llu\n",
               static_cast<unsigned long long>(received), static_cast<unsigned long long>(replied));
  close(fd);
  return 0;
}
