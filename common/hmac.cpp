#include "common/hmac.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>

namespace ikesteer {

namespace {

// OpenSSL reads a null key as "keep the previous key": pass a valid pointer for empty input.
const unsigned char* bytes_of(std::span<const std::byte> s) noexcept {
  static const unsigned char kNothing = 0;
  return s.empty() ? &kNothing : reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::optional<HmacSha256> hmac_sha256(std::span<const std::byte> key,
                                      std::span<const std::byte> data) noexcept {
  if (key.size() > INT_MAX) return std::nullopt;
  HmacSha256 mac{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), bytes_of(key), static_cast<int>(key.size()), bytes_of(data), data.size(),
           reinterpret_cast<unsigned char*>(mac.data()), &length) == nullptr ||
      length != mac.size())
    return std::nullopt;
  return mac;
}

bool equal_constant_time(std::span<const std::byte> a, std::span<const std::byte> b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(bytes_of(a), bytes_of(b), a.size()) == 0;
}

}  // namespace ikesteer
