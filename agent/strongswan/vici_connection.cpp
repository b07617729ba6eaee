#include "agent/strongswan/vici_connection.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <utility>

#include "agent/vici/decode.hpp"
#include "agent/vici/encode.hpp"

namespace ikesteer::agent::strongswan {
namespace {

constexpr std::string_view kUnixScheme = "unix://";
constexpr std::size_t kReadChunk = 64 * 1024;

std::string errno_text(std::string_view what) {
  return std::string(what) + ": " + std::strerror(errno);
}

std::string_view parse_error_name(ParseErrc code) {
  switch (code) {
    case ParseErrc::Truncated:
      return "truncated";
    case ParseErrc::TrailingData:
      return "trailing data";
    case ParseErrc::BadLength:
      return "bad length";
    case ParseErrc::BadValue:
      return "bad value";
    case ParseErrc::TooMany:
      return "nested too deep";
  }
  return "?";
}

std::string_view encode_error_name(vici::EncodeErrc code) {
  switch (code) {
    case vici::EncodeErrc::NameTooLong:
      return "a name over 255 octets";
    case vici::EncodeErrc::ValueTooLong:
      return "a value over 65535 octets";
    case vici::EncodeErrc::TooDeep:
      return "sections nested too deep";
    case vici::EncodeErrc::TooLarge:
      return "over 512 KiB";
    case vici::EncodeErrc::BadType:
      return "a bad packet type";
  }
  return "?";
}

std::string describe(const ParseError& e) {
  return std::string(parse_error_name(e.code)) + " at offset " + std::to_string(e.offset);
}

}  // namespace

Result<ViciConnection, std::string> ViciConnection::open(std::string_view uri,
                                                         Clock::time_point deadline) {
  if (!uri.starts_with(kUnixScheme))
    return fail("VICI address '" + std::string(uri) + "' is not unix://<path>");
  const std::string_view path = uri.substr(kUnixScheme.size());
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof address.sun_path)
    return fail("VICI socket path '" + std::string(path) + "' is empty or too long");
  std::copy(path.begin(), path.end(), address.sun_path);

  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(errno_text("socket"));
  ViciConnection connection(fd, deadline);
  // connect() and send() block only while charon's backlog or buffer is full: bound them too.
  const int ms = std::max(connection.remaining_ms(), 1);  // 0 would mean "no limit"
  const timeval limit{.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    return fail(errno_text("connect to " + std::string(path)));
  return connection;
}

ViciConnection::ViciConnection(ViciConnection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      deadline_(other.deadline_),
      splitter_(std::move(other.splitter_)) {}

ViciConnection::~ViciConnection() {
  if (fd_ >= 0) ::close(fd_);
}

int ViciConnection::remaining_ms() const noexcept {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
  return static_cast<int>(std::clamp<decltype(left)>(left, 0, INT32_MAX));
}

Result<void, std::string> ViciConnection::send(const vici::Packet& packet) {
  const auto bytes = vici::encode_packet(packet);
  if (!bytes)
    return fail("cannot encode '" + packet.name +
                "': " + std::string(encode_error_name(bytes.error())));
  std::span<const std::byte> left(*bytes);
  while (!left.empty()) {
    const ssize_t n = ::send(fd_, left.data(), left.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return fail(std::string("charon did not take the request in time"));
    if (n < 0) return fail(errno_text("send to charon"));
    left = left.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

Result<vici::Packet, std::string> ViciConnection::receive() {
  std::array<std::byte, kReadChunk> chunk;
  for (;;) {
    const auto next = splitter_.next();
    if (!next) return fail("charon sent a bad packet length: " + describe(next.error()));
    if (*next) {
      auto packet = vici::decode_packet(**next);
      if (!packet) return fail("charon sent a malformed packet: " + describe(packet.error()));
      return std::move(packet).value();
    }
    pollfd readable{.fd = fd_, .events = POLLIN, .revents = 0};
    const int ready = ::poll(&readable, 1, remaining_ms());
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return fail(errno_text("poll"));
    if (ready == 0) return fail(std::string("charon did not answer in time"));
    const ssize_t n = ::recv(fd_, chunk.data(), chunk.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno_text("receive from charon"));
    if (n == 0)
      return fail(std::string(splitter_.buffered() == 0
                                  ? "charon closed the connection"
                                  : "charon closed the connection in the middle of a packet"));
    splitter_.feed(std::span(chunk).first(static_cast<std::size_t>(n)));
  }
}

}  // namespace ikesteer::agent::strongswan
