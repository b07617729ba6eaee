#include "frontend/actions/netlink_address.hpp"

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "frontend/os/unique_fd.hpp"

namespace ikesteer::frontend {
namespace {

template <class T>
void append(std::vector<std::byte>& out, const T& value) {
  const auto* p = reinterpret_cast<const std::byte*>(&value);
  out.insert(out.end(), p, p + sizeof value);
}

void append_attribute(std::vector<std::byte>& out, unsigned short type, const IpAddress& address) {
  const auto bytes = address.bytes();
  rtattr a{};
  a.rta_len = static_cast<unsigned short>(sizeof a + bytes.size());
  a.rta_type = type;
  append(out, a);
  out.insert(out.end(), bytes.begin(), bytes.end());
  out.resize(RTA_ALIGN(out.size()));
}

// Sends one request (header first) and waits for its acknowledgement; returns the kernel's
// errno (0 = done).
Result<int, std::string> transact(const std::vector<std::byte>& request, std::uint32_t seq) {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (fd.get() < 0) return fail(std::string("netlink socket: ") + std::strerror(errno));
  const timeval timeout{1, 0};  // the kernel answers at once; this only bounds a surprise
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd.get(), request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0)
    return fail(std::string("netlink send: ") + std::strerror(errno));
  std::array<std::byte, 8192> buffer;
  for (;;) {
    const ssize_t n = ::recv(fd.get(), buffer.data(), buffer.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(std::string("netlink receive: ") + std::strerror(errno));
    }
    const auto length = static_cast<std::size_t>(n);
    for (std::size_t at = 0; length - at >= sizeof(nlmsghdr);) {
      nlmsghdr h;
      std::memcpy(&h, buffer.data() + at, sizeof h);
      if (h.nlmsg_len < sizeof h || h.nlmsg_len > length - at) break;
      if (h.nlmsg_seq == seq && h.nlmsg_type == NLMSG_ERROR) {
        nlmsgerr e;
        if (h.nlmsg_len < NLMSG_ALIGN(sizeof h) + sizeof e)
          return fail(std::string("netlink: truncated acknowledgement"));
        std::memcpy(&e, buffer.data() + at + NLMSG_ALIGN(sizeof h), sizeof e);
        return -e.error;
      }
      at += NLMSG_ALIGN(h.nlmsg_len);
    }
  }
}

Result<void, std::string> change(int type, int flags, const std::string& interface,
                                 const IpAddress& address, unsigned prefix) {
  const std::string what = address.to_string() + "/" + std::to_string(prefix) + " on " + interface;
  const unsigned index = ::if_nametoindex(interface.c_str());
  if (index == 0) return fail(what + ": " + std::strerror(errno));
  nlmsghdr header{};  // nlmsg_len is set once the attributes are in
  header.nlmsg_type = static_cast<unsigned short>(type);
  header.nlmsg_flags = static_cast<unsigned short>(NLM_F_REQUEST | NLM_F_ACK | flags);
  header.nlmsg_seq = 1;
  ifaddrmsg body{};
  body.ifa_family = address.is_v4() ? AF_INET : AF_INET6;
  body.ifa_prefixlen = static_cast<unsigned char>(prefix);
  body.ifa_flags = address.is_v4() ? 0 : IFA_F_NODAD;
  body.ifa_scope = RT_SCOPE_UNIVERSE;
  body.ifa_index = index;
  std::vector<std::byte> request;
  append(request, header);
  append(request, body);
  append_attribute(request, IFA_LOCAL, address);
  append_attribute(request, IFA_ADDRESS, address);
  const auto length = static_cast<std::uint32_t>(request.size());
  std::memcpy(request.data() + offsetof(nlmsghdr, nlmsg_len), &length, sizeof length);
  const auto error = transact(request, header.nlmsg_seq);
  if (!error) return fail(what + ": " + error.error());
  // Idempotent: an address already there (add) or already gone (remove) is what was asked for.
  if (*error == 0 || (type == RTM_NEWADDR && *error == EEXIST) ||
      (type == RTM_DELADDR && *error == EADDRNOTAVAIL))
    return {};
  return fail(what + ": " + std::strerror(*error));
}

}  // namespace

Result<void, std::string> add_address(const std::string& interface, const IpAddress& address,
                                      unsigned prefix) {
  return change(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, interface, address, prefix);
}

Result<void, std::string> remove_address(const std::string& interface, const IpAddress& address,
                                         unsigned prefix) {
  return change(RTM_DELADDR, 0, interface, address, prefix);
}

}  // namespace ikesteer::frontend
