#include "redirect/cookie_jar.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cassert>
#include <new>

#include "common/byte_writer.hpp"

namespace ikesteer::redirect {

void CookieJar::MdFree::operator()(evp_md_st* md) const noexcept {
  EVP_MD_free(md);
}
void CookieJar::MdCtxFree::operator()(evp_md_ctx_st* ctx) const noexcept {
  EVP_MD_CTX_free(ctx);
}

CookieJar::CookieJar(const Secret& master_secret, Duration secret_lifetime)
    : master_(master_secret),
      lifetime_(secret_lifetime),
      sha256_(EVP_MD_fetch(nullptr, "SHA256", nullptr)),
      ctx_(EVP_MD_CTX_new()) {
  assert(secret_lifetime > Duration::zero());
  if (!sha256_ || !ctx_) throw std::bad_alloc();
}

CookieJar::~CookieJar() = default;

std::uint64_t CookieJar::epoch_at(TimePoint now) const noexcept {
  const auto since = now.time_since_epoch();
  return since <= Duration::zero() ? 0 : static_cast<std::uint64_t>(since / lifetime_);
}

const CookieJar::Secret& CookieJar::secret_for(std::uint64_t epoch) noexcept {
  Derived& slot = derived_[epoch & 1];
  if (slot.valid && slot.epoch == epoch) return slot.secret;
  std::array<std::byte, 8> counter{};
  ByteWriter(counter).u64(epoch);
  unsigned int length = 0;
  const auto* key = reinterpret_cast<const unsigned char*>(master_.data());
  const auto* data = reinterpret_cast<const unsigned char*>(counter.data());
  auto* out = reinterpret_cast<unsigned char*>(slot.secret.data());
  slot.valid = HMAC(EVP_sha256(), key, static_cast<int>(master_.size()), data, counter.size(), out,
                    &length) != nullptr &&
               length == kSecretSize;
  slot.epoch = epoch;
  return slot.secret;
}

bool CookieJar::digest(std::uint32_t version, const Secret& secret, std::span<const std::byte> ni,
                       const IpAddress& initiator, std::uint64_t spi_i, Cookie& out) noexcept {
  ByteWriter(out).u32(version);
  std::array<std::byte, 8> spi{};
  ByteWriter(spi).u64(spi_i);
  const auto address = initiator.bytes();
  unsigned int length = 0;
  auto* hash = reinterpret_cast<unsigned char*>(out.data() + 4);
  return EVP_DigestInit_ex2(ctx_.get(), sha256_.get(), nullptr) == 1 &&
         EVP_DigestUpdate(ctx_.get(), ni.data(), ni.size()) == 1 &&
         EVP_DigestUpdate(ctx_.get(), address.data(), address.size()) == 1 &&
         EVP_DigestUpdate(ctx_.get(), spi.data(), spi.size()) == 1 &&
         EVP_DigestUpdate(ctx_.get(), secret.data(), secret.size()) == 1 &&
         EVP_DigestFinal_ex(ctx_.get(), hash, &length) == 1 && length == kCookieSize - 4;
}

CookieJar::Cookie CookieJar::compute(std::uint32_t version, const Secret& secret,
                                     std::span<const std::byte> ni, const IpAddress& initiator,
                                     std::uint64_t spi_i) noexcept {
  Cookie cookie{};
  if (!digest(version, secret, ni, initiator, spi_i, cookie)) cookie = Cookie{};
  return cookie;
}

CookieJar::Cookie CookieJar::make(std::span<const std::byte> ni, const IpAddress& initiator,
                                  std::uint64_t spi_i, TimePoint now) noexcept {
  const std::uint64_t epoch = epoch_at(now);
  return compute(static_cast<std::uint32_t>(epoch), secret_for(epoch), ni, initiator, spi_i);
}

bool CookieJar::verify(std::span<const std::byte> cookie, std::span<const std::byte> ni,
                       const IpAddress& initiator, std::uint64_t spi_i, TimePoint now) noexcept {
  if (cookie.size() != kCookieSize) return false;
  const std::uint32_t version = (std::to_integer<std::uint32_t>(cookie[0]) << 24) |
                                (std::to_integer<std::uint32_t>(cookie[1]) << 16) |
                                (std::to_integer<std::uint32_t>(cookie[2]) << 8) |
                                std::to_integer<std::uint32_t>(cookie[3]);
  const std::uint64_t current = epoch_at(now);
  std::uint64_t epoch = 0;
  if (version == static_cast<std::uint32_t>(current)) {
    epoch = current;
  } else if (current > 0 && version == static_cast<std::uint32_t>(current - 1)) {
    epoch = current - 1;
  } else {
    return false;
  }
  const Secret& secret = secret_for(epoch);
  Cookie expected{};
  if (!derived_[epoch & 1].valid || !digest(version, secret, ni, initiator, spi_i, expected))
    return false;
  return CRYPTO_memcmp(expected.data(), cookie.data(), kCookieSize) == 0;
}

}  // namespace ikesteer::redirect
