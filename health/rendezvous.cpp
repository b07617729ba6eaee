#include "health/rendezvous.hpp"

#include <cmath>

#include "common/hash.hpp"

namespace ikesteer::health {
namespace {

// Domain separation: a name and a client key with the same bytes hash differently.
constexpr std::uint64_t kMemberDomain = 0x6d656d6265722d31ULL;  // "member-1"
constexpr std::uint64_t kClientDomain = 0x636c69656e742d31ULL;  // "client-1"
constexpr std::uint64_t kSlotDomain = 0x736c6f742d2d2d31ULL;    // "slot---1"

}  // namespace

std::uint64_t member_seed(std::string_view name) noexcept {
  return hash_bytes(std::as_bytes(std::span<const char>(name.data(), name.size())), kMemberDomain);
}

std::uint64_t client_hash(std::span<const std::byte> key) noexcept {
  return hash_bytes(key, kClientDomain);
}

std::uint64_t slot_hash(std::uint16_t slot) noexcept {
  return mix64(kSlotDomain ^ (std::uint64_t{slot} * 0x9e3779b97f4a7c15ULL));
}

double hrw_score(std::uint64_t seed, std::uint64_t client, double weight) noexcept {
  // The top 53 bits, centred in their interval, give u strictly inside (0, 1): -ln(u) is
  // never 0 (no infinite score) and at most about 37.4.
  const double u = (static_cast<double>(hrw_key(seed, client)) + 0.5) * 0x1p-53;
  return weight / -std::log(u);
}

}  // namespace ikesteer::health
