// Stateless IKEv2 cookies (RFC 7296 §2.6, spec §6):
//   Cookie = Version(4) | SHA-256(Ni | IPi | SPIi | Secret[Version])
// Secrets rotate without shared mutable state: the secret of epoch k is
// HMAC-SHA256(master, k) with k = floor(now / secret_lifetime) on the steady clock, and the
// version is k's low 32 bits. Every jar made from the same master secret derives the same
// secrets, so one jar per event loop thread can verify cookies minted by any other thread.
// A cookie verifies under the current and the previous epoch, so it lives between one and two
// secret lifetimes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "common/clock.hpp"
#include "common/ip_address.hpp"

struct evp_md_st;
struct evp_md_ctx_st;

namespace ikesteer::redirect {

class CookieJar {
 public:
  static constexpr std::size_t kSecretSize = 32;
  static constexpr std::size_t kCookieSize = 4 + 32;
  using Secret = std::array<std::byte, kSecretSize>;
  using Cookie = std::array<std::byte, kCookieSize>;

  // Start-up code: throws std::bad_alloc if OpenSSL cannot provide SHA-256.
  // `secret_lifetime` must be positive.
  CookieJar(const Secret& master_secret, Duration secret_lifetime);
  ~CookieJar();
  CookieJar(const CookieJar&) = delete;
  CookieJar& operator=(const CookieJar&) = delete;

  // The cookie for this request under the current epoch's secret.
  Cookie make(std::span<const std::byte> ni, const IpAddress& initiator, std::uint64_t spi_i,
              TimePoint now) noexcept;
  // True when `cookie` is what make() gave for the same request in this or the previous epoch.
  // Compares in constant time.
  bool verify(std::span<const std::byte> cookie, std::span<const std::byte> ni,
              const IpAddress& initiator, std::uint64_t spi_i, TimePoint now) noexcept;

  // The cookie for an explicit secret and version (the golden vectors of spec §10.6). All zero
  // if OpenSSL fails.
  Cookie compute(std::uint32_t version, const Secret& secret, std::span<const std::byte> ni,
                 const IpAddress& initiator, std::uint64_t spi_i) noexcept;

 private:
  struct Derived {
    std::uint64_t epoch = 0;
    bool valid = false;
    Secret secret{};
  };
  std::uint64_t epoch_at(TimePoint now) const noexcept;
  const Secret& secret_for(std::uint64_t epoch) noexcept;
  bool digest(std::uint32_t version, const Secret& secret, std::span<const std::byte> ni,
              const IpAddress& initiator, std::uint64_t spi_i, Cookie& out) noexcept;

  struct MdFree {
    void operator()(evp_md_st* md) const noexcept;
  };
  struct MdCtxFree {
    void operator()(evp_md_ctx_st* ctx) const noexcept;
  };

  Secret master_;
  Duration lifetime_;
  std::array<Derived, 2> derived_{};  // slot = epoch & 1: current and previous
  std::unique_ptr<evp_md_st, MdFree> sha256_;
  std::unique_ptr<evp_md_ctx_st, MdCtxFree> ctx_;
};

}  // namespace ikesteer::redirect
