#include "frontend/actions/neighbour_announcer.hpp"

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "frontend/os/unique_fd.hpp"

namespace ikesteer::frontend {
namespace {

using Mac = std::array<std::byte, 6>;

std::string error_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

Result<Mac, std::string> hardware_address(int fd, const std::string& interface) {
  ifreq request{};
  if (interface.size() >= sizeof request.ifr_name) return fail(std::string("name too long"));
  std::memcpy(request.ifr_name, interface.c_str(), interface.size());
  if (::ioctl(fd, SIOCGIFHWADDR, &request) != 0) return fail(error_text("SIOCGIFHWADDR"));
  if (request.ifr_hwaddr.sa_family != ARPHRD_ETHER)
    return fail(std::string("not an Ethernet interface"));
  Mac mac;
  std::memcpy(mac.data(), request.ifr_hwaddr.sa_data, mac.size());
  return mac;
}

void put(std::vector<std::byte>& out, std::span<const std::byte> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

void put16(std::vector<std::byte>& out, std::uint16_t v) {
  out.push_back(static_cast<std::byte>(v >> 8));
  out.push_back(static_cast<std::byte>(v));
}

// RFC 5227 §2.3: an ARP Announcement is a broadcast ARP request (§3 says why not a reply)
// whose sender and target protocol addresses are both the announced address, like
// `arping -U`; the target hardware address is ignored and set to zero (§2.1.1).
Result<void, std::string> gratuitous_arp(unsigned index, const std::string& interface,
                                         const IpAddress& address) {
  UniqueFd fd(::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP)));
  if (fd.get() < 0) return fail(error_text("packet socket"));
  const auto mac = hardware_address(fd.get(), interface);
  if (!mac) return fail(mac.error());
  std::vector<std::byte> arp;
  put16(arp, ARPHRD_ETHER);
  put16(arp, ETH_P_IP);
  arp.push_back(std::byte{6});  // hardware address length
  arp.push_back(std::byte{4});  // protocol address length
  put16(arp, ARPOP_REQUEST);
  put(arp, *mac);
  put(arp, address.bytes());
  put(arp, Mac{});
  put(arp, address.bytes());
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = static_cast<int>(index);
  to.sll_halen = 6;
  std::memset(to.sll_addr, 0xff, 6);
  if (::sendto(fd.get(), arp.data(), arp.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) <
      0)
    return fail(error_text("send ARP"));
  return {};
}

// RFC 4861 §4.4: the Router flag says whether the sender is a router; a router that clears it
// is dropped from its neighbours' default router lists (§7.2.5). Like the kernel's own NAs, it
// follows the interface's IPv6 forwarding setting.
bool forwards_ipv6(const std::string& interface) {
  std::ifstream setting("/proc/sys/net/ipv6/conf/" + interface + "/forwarding");
  int value = 0;
  return setting >> value && value != 0;
}

// RFC 4861 §7.2.6: an unsolicited Neighbour Advertisement to all-nodes (ff02::1), Solicited
// flag clear, Override flag set, with the Target Link-Layer Address option; §4.4 format, and
// hop limit 255 (§7.1.2: receivers drop anything else). The kernel fills in the ICMPv6
// checksum on raw ICMPv6 sockets (RFC 3542 §3.1).
Result<void, std::string> unsolicited_na(unsigned index, const std::string& interface,
                                         const IpAddress& address) {
  UniqueFd fd(::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6));
  if (fd.get() < 0) return fail(error_text("ICMPv6 socket"));
  const auto mac = hardware_address(fd.get(), interface);
  if (!mac) return fail(mac.error());
  const int hops = 255;
  const int if_index = static_cast<int>(index);
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
                   static_cast<socklen_t>(interface.size())) != 0 ||
      ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &if_index, sizeof if_index) != 0 ||
      ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) != 0)
    return fail(error_text("ICMPv6 setsockopt"));
  const unsigned router = forwards_ipv6(interface) ? 0x80 : 0;
  std::vector<std::byte> na;
  na.push_back(std::byte{ND_NEIGHBOR_ADVERT});          // type 136
  na.push_back(std::byte{0});                           // code
  put16(na, 0);                                         // checksum, filled by the kernel
  na.push_back(static_cast<std::byte>(router | 0x20));  // Router, Solicited clear, Override
  na.insert(na.end(), 3, std::byte{0});                 // reserved
  put(na, address.bytes());                             // target address
  na.push_back(std::byte{ND_OPT_TARGET_LINKADDR});
  na.push_back(std::byte{1});  // option length in units of 8 octets
  put(na, *mac);
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  to.sin6_addr.s6_addr[0] = 0xff;  // ff02::1
  to.sin6_addr.s6_addr[1] = 0x02;
  to.sin6_addr.s6_addr[15] = 0x01;
  to.sin6_scope_id = index;
  if (::sendto(fd.get(), na.data(), na.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0)
    return fail(error_text("send Neighbour Advertisement"));
  return {};
}

}  // namespace

Result<void, std::string> announce_address(const std::string& interface, const IpAddress& address) {
  const std::string what = "announce " + address.to_string() + " on " + interface + ": ";
  const unsigned index = ::if_nametoindex(interface.c_str());
  if (index == 0) return fail(what + std::strerror(errno));
  auto sent = address.is_v4() ? gratuitous_arp(index, interface, address)
                              : unsolicited_na(index, interface, address);
  if (!sent) return fail(what + sent.error());
  return {};
}

}  // namespace ikesteer::frontend
