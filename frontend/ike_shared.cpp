#include "frontend/ike_shared.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace ikesteer::frontend {

IkeShared::IkeShared(std::shared_ptr<const Config> config) : config_(std::move(config)) {
  if (RAND_bytes(reinterpret_cast<unsigned char*>(cookie_master_.data()),
                 static_cast<int>(cookie_master_.size())) != 1 ||
      RAND_bytes(reinterpret_cast<unsigned char*>(&hash_seed_), sizeof hash_seed_) != 1)
    throw std::runtime_error("RAND_bytes failed: no entropy for the cookie secret");
}

void IkeShared::publish(std::shared_ptr<const Config> config) {
  {
    std::lock_guard lock(mutex_);
    config_ = std::move(config);
  }
  generation_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const Config> IkeShared::config() const {
  std::lock_guard lock(mutex_);
  return config_;
}

}  // namespace ikesteer::frontend
