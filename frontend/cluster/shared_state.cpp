#include "frontend/cluster/shared_state.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ikesteer::frontend {

unsigned new_ike_sa_burst(double per_second) noexcept {
  return static_cast<unsigned>(std::max(1.0, std::ceil(per_second)));
}

SharedState::SharedState(Published initial)
    : current_(std::move(initial)),
      new_ike_sa_budget_(current_.config->sessions.new_ike_sas_per_second,
                         new_ike_sa_burst(current_.config->sessions.new_ike_sas_per_second)) {
  if (RAND_bytes(reinterpret_cast<unsigned char*>(cookie_master_.data()),
                 static_cast<int>(cookie_master_.size())) != 1 ||
      RAND_bytes(reinterpret_cast<unsigned char*>(&hash_seed_), sizeof hash_seed_) != 1)
    throw std::runtime_error("RAND_bytes failed: no entropy for the cookie secret");
}

void SharedState::publish(Published next) {
  const double per_second = next.config->sessions.new_ike_sas_per_second;
  new_ike_sa_budget_.set_rate(per_second, new_ike_sa_burst(per_second));
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
