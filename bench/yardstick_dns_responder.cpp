// yardstick_dns_responder: the least work a UDP DNS server can do, as the DNS benchmark's
// floor. One thread asleep in recvmmsg(MSG_WAITFORONE), sendmmsg for the batch; every query
// is answered REFUSED (RFC 1035 §4.1.1) with its own question and nothing else, so what it
// costs is the kernel's price of a datagram in and out.
//
// Usage: yardstick_dns_responder [--listen IPv4] [--port N]
// Runs until SIGINT/SIGTERM.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

constexpr unsigned kBatch = 64;
constexpr std::size_t kMaxQuery = 1232;
constexpr std::size_t kHeaderSize = 12;
constexpr std::uint8_t kRefused = 5;

int fail(const char* what) {
  std::perror(what);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const char* listen = "127.0.0.1";
  int port = 53;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view option = argv[i];
    if (option == "--listen") {
      listen = argv[i + 1];
    } else if (option == "--port") {
      port = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: %s [--listen IPv4] [--port N]\n", argv[0]);
      return 2;
    }
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, listen, &address.sin_addr) != 1) return fail("--listen");
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return fail("socket");
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return fail("bind");

  static std::array<std::array<std::uint8_t, kMaxQuery>, kBatch> buffers;
  static std::array<sockaddr_in, kBatch> peers;
  static std::array<iovec, kBatch> iovs;
  static std::array<mmsghdr, kBatch> msgs;
  for (;;) {
    for (unsigned i = 0; i < kBatch; ++i) {
      iovs[i] = {buffers[i].data(), buffers[i].size()};
      msgs[i].msg_hdr = {};
      msgs[i].msg_hdr.msg_name = &peers[i];
      msgs[i].msg_hdr.msg_namelen = sizeof peers[i];
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = ::recvmmsg(fd, msgs.data(), kBatch, MSG_WAITFORONE, nullptr);
    if (n <= 0) continue;
    unsigned replies = 0;
    for (unsigned i = 0; i < static_cast<unsigned>(n); ++i) {
      std::uint8_t* m = buffers[i].data();
      if (msgs[i].msg_len < kHeaderSize || (m[2] & 0x80) != 0) continue;  // too short, a response
      m[2] = static_cast<std::uint8_t>(0x80 | (m[2] & 0x79));             // QR, same opcode and RD
      m[3] = kRefused;
      // The header's counts: the question stays, anything after it goes.
      m[6] = m[7] = m[8] = m[9] = m[10] = m[11] = 0;
      std::size_t length = kHeaderSize;
      if (m[4] == 0 && m[5] == 1) {  // QDCOUNT 1: keep the name (labels, no pointer), type, class
        const std::size_t size = msgs[i].msg_len;
        std::size_t end = kHeaderSize;
        while (end < size && m[end] != 0 && m[end] < 64) end += 1 + m[end];
        if (end < size && m[end] == 0 && end + 5 <= size) length = end + 5;
      }
      if (length == kHeaderSize) m[4] = m[5] = 0;
      iovs[i].iov_len = length;
      if (replies != i) msgs[replies] = msgs[i];
      ++replies;
    }
    if (replies != 0) ::sendmmsg(fd, msgs.data(), replies, 0);
  }
}
