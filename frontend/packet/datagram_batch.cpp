#include "frontend/packet/datagram_batch.hpp"

#include <cerrno>

namespace ikesteer::frontend {

DatagramBatch::DatagramBatch() : receive_buffers_(kSize * kReceiveSize), reply_buffers_(kSize) {
  for (unsigned i = 0; i < kSize; ++i) {
    receive_iovs_[i] = {receive_buffers_.data() + i * kReceiveSize, kReceiveSize};
    receive_msgs_[i].msg_hdr.msg_iov = &receive_iovs_[i];
    receive_msgs_[i].msg_hdr.msg_iovlen = 1;
    receive_msgs_[i].msg_hdr.msg_name = &peers_[i].storage;
    receive_msgs_[i].msg_hdr.msg_namelen = sizeof peers_[i].storage;
    send_msgs_[i].msg_hdr.msg_iov = &send_iovs_[i];
    send_msgs_[i].msg_hdr.msg_iovlen = 1;
  }
}

int DatagramBatch::serve(const UdpListener& listener, int receive_flags,
                         UdpTransportCounters& counters) {
  const int fd = listener.socket.fd();
  // recvmmsg shortens msg_namelen of the entries it fills: restore those of the last batch.
  for (unsigned i = 0; i < filled_; ++i)
    receive_msgs_[i].msg_hdr.msg_namelen = sizeof peers_[i].storage;
  const int n = ::recvmmsg(fd, receive_msgs_.data(), kSize, receive_flags, nullptr);
  filled_ = n > 0 ? static_cast<unsigned>(n) : 0;
  if (n <= 0) return n;
  const TimePoint now = Clock::now();
  unsigned replies = 0;
  for (unsigned i = 0; i < static_cast<unsigned>(n); ++i) {
    const msghdr& h = receive_msgs_[i].msg_hdr;
    if (h.msg_flags & MSG_TRUNC) {
      ++counters.oversize;
      continue;
    }
    const std::span<const std::byte> payload(receive_buffers_.data() + i * kReceiveSize,
                                             receive_msgs_[i].msg_len);
    const auto reply = listener.handler->handle(payload, peers_[i], listener.nat_port, now,
                                                reply_buffers_[replies]);
    if (reply.empty()) continue;
    send_iovs_[replies] = {const_cast<std::byte*>(reply.data()), reply.size()};
    send_msgs_[replies].msg_hdr.msg_name = &peers_[i].storage;
    send_msgs_[replies].msg_hdr.msg_namelen = h.msg_namelen;
    ++replies;
  }
  for (unsigned sent = 0; sent < replies;) {
    const int m = ::sendmmsg(fd, send_msgs_.data() + sent, replies - sent, MSG_DONTWAIT);
    if (m < 0) {
      if (errno == EINTR) continue;
      // The first datagram failed (EAGAIN, or an ICMP error on an unconnected socket).
      ++counters.send_errors;
      ++sent;
      continue;
    }
    sent += static_cast<unsigned>(m);
  }
  return n;
}

}  // namespace ikesteer::frontend
