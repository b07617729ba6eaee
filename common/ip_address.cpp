#include "common/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace ikesteer {

IpAddress IpAddress::v4(std::span<const std::byte, 4> bytes) noexcept {
  IpAddress a;
  std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
  return a;
}

IpAddress IpAddress::v6(std::span<const std::byte, 16> bytes) noexcept {
  IpAddress a;
  a.family_ = IpFamily::V6;
  std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN + 1] = {};
  std::memcpy(buf, text.data(), text.size());
  IpAddress a;
  if (inet_pton(AF_INET, buf, a.bytes_.data()) == 1) return a;
  if (inet_pton(AF_INET6, buf, a.bytes_.data()) == 1) {
    a.family_ = IpFamily::V6;
    return a;
  }
  return std::nullopt;
}

IpAddress IpAddress::masked(unsigned bits) const noexcept {
  IpAddress out = *this;
  const unsigned width = is_v4() ? 32 : 128;
  for (unsigned i = 0; i < width / 8; ++i) {
    const unsigned first_bit = i * 8;
    if (bits >= first_bit + 8) continue;
    const unsigned keep = bits > first_bit ? bits - first_bit : 0;
    const auto mask = static_cast<std::byte>(0xff00u >> keep);
    out.bytes_[i] &= mask;
  }
  return out;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

}  // namespace ikesteer
