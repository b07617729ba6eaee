// The actions that change the host's network: netlink addresses, announcements and the builtin
// address mover, each run in a fresh network namespace with a veth pair (v0, and v1 where the
// segment is watched). Skipped when not root.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "frontend/actions/address_mover.hpp"
#include "frontend/actions/neighbour_announcer.hpp"
#include "frontend/actions/netlink_address.hpp"
#include "uv_test_loop.hpp"

using namespace ikesteer;
using namespace ikesteer::frontend;
using namespace std::chrono_literals;

namespace {

// Moves this (single-threaded) test into a new network namespace holding the veth pair v0/v1,
// and back on destruction.
class Namespace {
 public:
  Namespace() {
    if (::geteuid() != 0) {
      skip_ = "not root";
      return;
    }
    saved_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (saved_ < 0 || ::unshare(CLONE_NEWNET) != 0) {
      skip_ = std::string("new network namespace: ") + std::strerror(errno);
      return;
    }
    entered_ = true;
    if (std::system("ip link add v0 type veth peer name v1 && ip link set lo up && "
                    "ip link set v0 up && ip link set v1 up") != 0)
      skip_ = "cannot create a veth pair";
  }
  ~Namespace() {
    if (entered_) REQUIRE(::setns(saved_, CLONE_NEWNET) == 0);
    if (saved_ >= 0) ::close(saved_);
  }
  Namespace(const Namespace&) = delete;
  Namespace& operator=(const Namespace&) = delete;

  bool ready() const { return skip_.empty(); }
  const std::string& skip_reason() const { return skip_; }

 private:
  int saved_ = -1;
  bool entered_ = false;
  std::string skip_;
};

std::string addresses_of(const char* interface) {
  std::string out;
  FILE* p = ::popen(("ip -o addr show dev " + std::string(interface)).c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 512> line;
  while (std::fgets(line.data(), static_cast<int>(line.size()), p) != nullptr) out += line.data();
  ::pclose(p);
  return out;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<std::byte> mac_of(const char* interface) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq request{};
  std::strncpy(request.ifr_name, interface, sizeof request.ifr_name - 1);
  REQUIRE(::ioctl(fd, SIOCGIFHWADDR, &request) == 0);
  ::close(fd);
  const auto* mac = reinterpret_cast<const std::byte*>(request.ifr_hwaddr.sa_data);
  return {mac, mac + 6};
}

struct Frame {
  std::vector<std::byte> bytes;  // from the network header on
  unsigned char type = 0;        // PACKET_BROADCAST, PACKET_MULTICAST, ...
};

// Everything of one EtherType that arrives on an interface.
class Capture {
 public:
  Capture(const char* interface, std::uint16_t ethertype) {
    fd_ = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ethertype));
    REQUIRE(fd_ >= 0);
    sockaddr_ll at{};
    at.sll_family = AF_PACKET;
    at.sll_protocol = htons(ethertype);
    at.sll_ifindex = static_cast<int>(::if_nametoindex(interface));
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0);
  }
  ~Capture() { ::close(fd_); }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  // The frames that arrive within `wait`.
  std::vector<Frame> take(Duration wait) {
    std::vector<Frame> frames;
    const TimePoint deadline = Clock::now() + wait;
    for (;;) {
      Frame f;
      f.bytes.resize(2048);
      sockaddr_ll from{};
      socklen_t length = sizeof from;
      const ssize_t n = ::recvfrom(fd_, f.bytes.data(), f.bytes.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &length);
      if (n >= 0) {
        f.bytes.resize(static_cast<std::size_t>(n));
        f.type = from.sll_pkttype;
        frames.push_back(std::move(f));
        continue;
      }
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      if (left <= 0ms) return frames;
      pollfd p{fd_, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(left.count()));
    }
  }

 private:
  int fd_ = -1;
};

std::span<const std::byte> slice(const Frame& f, std::size_t at, std::size_t n) {
  return std::span(f.bytes).subspan(at, n);
}

bool same(std::span<const std::byte> a, std::span<const std::byte> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

unsigned u8(const Frame& f, std::size_t at) {
  return std::to_integer<unsigned>(f.bytes.at(at));
}

unsigned u16(const Frame& f, std::size_t at) {
  return u8(f, at) << 8 | u8(f, at + 1);
}

// ARP announcements of `address` (RFC 5227 §2.3 layout), from the frames of a Capture.
std::vector<Frame> arp_announcements(const std::vector<Frame>& frames, const IpAddress& address) {
  std::vector<Frame> out;
  for (const Frame& f : frames)
    if (f.bytes.size() >= 28 && same(slice(f, 14, 4), address.bytes()) &&
        same(slice(f, 24, 4), address.bytes()))
      out.push_back(f);
  return out;
}

// ICMPv6 Neighbour Advertisements for `address`, from the IPv6 frames of a Capture.
std::vector<Frame> neighbour_advertisements(const std::vector<Frame>& frames,
                                            const IpAddress& address) {
  std::vector<Frame> out;
  for (const Frame& f : frames)
    if (f.bytes.size() >= 40 + 24 && u8(f, 6) == 58 && u8(f, 40) == 136 &&
        same(slice(f, 48, 16), address.bytes()))
      out.push_back(f);
  return out;
}

// The one's complement sum over the pseudo-header and the ICMPv6 message, checksum included:
// 0xffff when the checksum is right (RFC 4443 §2.3, RFC 8200 §8.1).
unsigned icmpv6_sum(const Frame& f) {
  const std::size_t length = u16(f, 4);
  std::uint32_t sum = 0;
  for (std::size_t i = 8; i < 40; i += 2) sum += u16(f, i);  // source and destination
  sum += static_cast<std::uint32_t>(length) + 58;
  for (std::size_t i = 0; i < length; i += 2)
    sum += u8(f, 40 + i) << 8 | (i + 1 < length ? u8(f, 41 + i) : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

}  // namespace

TEST_CASE("netlink adds and removes IPv4 and IPv6 addresses, idempotently") {
  Namespace ns;
  if (!ns.ready()) {
    MESSAGE("skipped: " << ns.skip_reason());
    return;
  }
  CHECK(add_address("v0", ip("192.0.2.1"), 24));
  CHECK(add_address("v0", ip("192.0.2.1"), 24));  // already there
  CHECK(add_address("v0", ip("2001:db8::1"), 64));
  CHECK(add_address("v0", ip("2001:db8::1"), 64));
  std::string now = addresses_of("v0");
  CHECK(has(now, "inet 192.0.2.1/24 "));
  CHECK(has(now, "inet6 2001:db8::1/64 "));
  CHECK(has(now, "nodad"));
  CHECK(!has(now, "2001:db8::1/64 scope global tentative"));

  CHECK(remove_address("v0", ip("192.0.2.1"), 24));
  CHECK(remove_address("v0", ip("192.0.2.1"), 24));  // already gone
  CHECK(remove_address("v0", ip("2001:db8::1"), 64));
  CHECK(remove_address("v0", ip("2001:db8::1"), 64));
  now = addresses_of("v0");
  CHECK(!has(now, "192.0.2.1"));
  CHECK(!has(now, "2001:db8::1"));

  const auto missing = add_address("nosuch0", ip("192.0.2.1"), 24);
  REQUIRE(!missing);
  CHECK(missing.error() == "192.0.2.1/24 on nosuch0: No such device");
  const auto bad_prefix = add_address("v0", ip("192.0.2.1"), 33);
  REQUIRE(!bad_prefix);
  CHECK(has(bad_prefix.error(), "192.0.2.1/33 on v0: "));
}

TEST_CASE("a gratuitous ARP is a broadcast ARP request from our MAC for the address") {
  Namespace ns;
  if (!ns.ready()) {
    MESSAGE("skipped: " << ns.skip_reason());
    return;
  }
  Capture segment("v1", ETH_P_ARP);
  const IpAddress address = ip("192.0.2.7");
  REQUIRE(announce_address("v0", address));
  const auto arps = arp_announcements(segment.take(200ms), address);
  REQUIRE(arps.size() == 1);
  const Frame& f = arps[0];
  CHECK(f.type == PACKET_BROADCAST);
  CHECK(u16(f, 0) == 1);       // Ethernet
  CHECK(u16(f, 2) == 0x0800);  // IPv4
  CHECK(u8(f, 4) == 6);
  CHECK(u8(f, 5) == 4);
  CHECK(u16(f, 6) == 1);  // request
  CHECK(same(slice(f, 8, 6), mac_of("v0")));
  CHECK(same(slice(f, 18, 6), std::vector<std::byte>(6)));  // target MAC: zero
}

TEST_CASE("an unsolicited Neighbour Advertisement goes to all nodes, with Override set") {
  Namespace ns;
  if (!ns.ready()) {
    MESSAGE("skipped: " << ns.skip_reason());
    return;
  }
  const IpAddress address = ip("2001:db8::7");
  REQUIRE(add_address("v0", address, 64));  // a source address for the advertisement
  Capture segment("v1", ETH_P_IPV6);
  REQUIRE(announce_address("v0", address));
  const auto nas = neighbour_advertisements(segment.take(200ms), address);
  REQUIRE(nas.size() == 1);
  const Frame& f = nas[0];
  CHECK(f.type == PACKET_MULTICAST);
  CHECK(u8(f, 7) == 255);  // hop limit
  CHECK(same(slice(f, 24, 16), ip("ff02::1").bytes()));
  CHECK(u16(f, 4) == 32);    // payload: 24-octet NA + 8-octet option
  CHECK(u8(f, 41) == 0);     // code
  CHECK(u8(f, 44) == 0x20);  // Router and Solicited clear, Override set
  CHECK(u8(f, 64) == 2);     // Target Link-Layer Address option
  CHECK(u8(f, 65) == 1);     // of 8 octets
  CHECK(same(slice(f, 66, 6), mac_of("v0")));
  CHECK(icmpv6_sum(f) == 0xffff);  // the kernel filled in the checksum

  // A router says so (RFC 4861 §7.2.5: else hosts drop it as their default router).
  std::ofstream("/proc/sys/net/ipv6/conf/v0/forwarding") << "1\n";
  REQUIRE(announce_address("v0", address));
  const auto from_router = neighbour_advertisements(segment.take(200ms), address);
  REQUIRE(from_router.size() == 1);
  CHECK(u8(from_router[0], 44) == 0xa0);  // Router and Override set
}

TEST_CASE("announcing on a missing or non-Ethernet interface fails") {
  Namespace ns;
  if (!ns.ready()) {
    MESSAGE("skipped: " << ns.skip_reason());
    return;
  }
  const auto loopback = announce_address("lo", ip("192.0.2.7"));
  REQUIRE(!loopback);
  CHECK(loopback.error() == "announce 192.0.2.7 on lo: not an Ethernet interface");
  const auto missing = announce_address("nosuch0", ip("2001:db8::7"));
  REQUIRE(!missing);
  CHECK(missing.error() == "announce 2001:db8::7 on nosuch0: No such device");
}

TEST_CASE("the builtin mover adopts an address, announces it, and releases it") {
  Namespace ns;
  if (!ns.ready()) {
    MESSAGE("skipped: " << ns.skip_reason());
    return;
  }
  for (const char* text : {"192.0.2.9", "2001:db8::9"}) {
    CAPTURE(text);
    const IpAddress address = ip(text);
    const unsigned prefix = address.is_v4() ? 24 : 64;
    const std::string where = address.to_string() + "/" + std::to_string(prefix);
    const auto announcements = [&](const std::vector<Frame>& frames) {
      return address.is_v4() ? arp_announcements(frames, address)
                             : neighbour_advertisements(frames, address);
    };
    Capture segment("v1", address.is_v4() ? ETH_P_ARP : ETH_P_IPV6);
    test::TestLoop l;
    MoverOptions options;
    options.interface = "v0";
    options.announce_count = 3;
    options.announce_interval = 150ms;
    AddressMover mover(l.get(), options);

    std::optional<MoveOutcome> claimed;
    std::size_t announced_by_then = 0;
    mover.run({true, address, prefix, true, "", {}}, [&](MoveOutcome o) {
      claimed = o;
      // Reported once the address is there and the first announcement is out, not later.
      CHECK(has(addresses_of("v0"), where));
      announced_by_then = announcements(segment.take(50ms)).size();
    });
    CHECK(!claimed.has_value());
    const TimePoint started = Clock::now();
    l.drain();  // until the last announcement
    REQUIRE(claimed.has_value());
    CHECK(claimed->ok);
    CHECK(claimed->detail == "added " + where + " on v0");
    CHECK(claimed->elapsed < 150ms);
    CHECK(announced_by_then == 1);
    CHECK(Clock::now() - started >= 298ms);  // two intervals, in whole milliseconds
    CHECK(announcements(segment.take(100ms)).size() == 2);

    std::vector<MoveOutcome> released;
    for (int i = 0; i < 2; ++i)  // the second finds nothing to remove: fine
      mover.run({false, address, prefix, true, "", {}},
                [&](MoveOutcome o) { released.push_back(std::move(o)); });
    l.drain();
    REQUIRE(released.size() == 2);
    for (const MoveOutcome& o : released) {
      CHECK(o.ok);
      CHECK(o.detail == "removed " + where + " from v0");
    }
    CHECK(!has(addresses_of("v0"), where));
    CHECK(announcements(segment.take(50ms)).empty());  // a release is not announced
  }
}

TEST_CASE("the builtin mover: no announcements when none are configured; failures reported") {
  Namespace ns;
  if (!ns.ready()) {
    MESSAGE("skipped: " << ns.skip_reason());
    return;
  }
  Capture segment("v1", ETH_P_ARP);
  test::TestLoop l;
  MoverOptions quiet;
  quiet.interface = "v0";
  quiet.announce_count = 0;
  AddressMover mover(l.get(), quiet);
  std::vector<MoveOutcome> outcomes;
  mover.run({true, ip("192.0.2.10"), 24, true, "", {}},
            [&](MoveOutcome o) { outcomes.push_back(std::move(o)); });
  l.drain();
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].ok);
  CHECK(arp_announcements(segment.take(100ms), ip("192.0.2.10")).empty());

  MoverOptions elsewhere;
  elsewhere.interface = "nosuch0";
  AddressMover broken(l.get(), elsewhere);
  broken.run({true, ip("192.0.2.11"), 24, true, "", {}},
             [&](MoveOutcome o) { outcomes.push_back(std::move(o)); });
  l.drain();
  REQUIRE(outcomes.size() == 2);
  CHECK(!outcomes[1].ok);
  CHECK(outcomes[1].detail == "192.0.2.11/24 on nosuch0: No such device");
}
