#include "frontend/shared_state.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace ikesteer::frontend {

SharedState::SharedState(std::shared_ptr<const Config> config,
                         std::shared_ptr<const dns::ZoneSnapshot> dns)
    : config_(std::move(config)), dns_(std::move(dns)) {
  if (RAND_bytes(reinterpret_cast<unsigned char*>(cookie_master_.data()),
                 static_cast<int>(cookie_master_.size())) != 1 ||
      RAND_bytes(reinterpret_cast<unsigned char*>(&hash_seed_), sizeof hash_seed_) != 1)
    throw std::runtime_error("RAND_bytes failed: no entropy for the cookie secret");
}

void SharedState::publish(std::shared_ptr<const Config> config,
                          std::shared_ptr<const dns::ZoneSnapshot> dns) {
  {
    std::lock_guard lock(mutex_);
    config_ = std::move(config);
    dns_ = std::move(dns);
  }
  generation_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const Config> SharedState::config() const {
  std::lock_guard lock(mutex_);
  return config_;
}

}  // namespace ikesteer::frontend

namespace ikesteer::frontend {

std::shared_ptr<const dns::ZoneSnapshot> SharedState::dns() const {
  std::lock_guard lock(mutex_);
  return dns_;
}

}  // namespace ikesteer::frontend
