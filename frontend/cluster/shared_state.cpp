#include "frontend/cluster/shared_state.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace ikesteer::frontend {

SharedState::SharedState(Published initial) : current_(std::move(initial)) {
  if (RAND_bytes(reinterpret_cast<unsigned char*>(cookie_master_.data()),
                 static_cast<int>(cookie_master_.size())) != 1 ||
      RAND_bytes(reinterpret_cast<unsigned char*>(&hash_seed_), sizeof hash_seed_) != 1)
    throw std::runtime_error("RAND_bytes failed: no entropy for the cookie secret");
}

void SharedState::publish(Published next) {
  {
    std::lock_guard lock(mutex_);
    current_ = std::move(next);
  }
  generation_.fetch_add(1, std::memory_order_release);
}

Published SharedState::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

}  // namespace ikesteer::frontend
