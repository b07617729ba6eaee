// The seq of the agent's reports: above every seq sent before, also by an earlier run of the
// agent (ikesteer admits a report only above the last seq it admitted): the unix time in
// microseconds, or one more than the last when the clock has not moved on (or went back).
#pragma once

#include <algorithm>
#include <cstdint>

namespace ikesteer::agent::daemon {

class ReportSequence {
 public:
  std::uint64_t next(std::uint64_t now_unix_us) noexcept {
    last_ = last_ ? std::max(last_ + 1, now_unix_us) : now_unix_us;
    return last_;
  }

 private:
  std::uint64_t last_ = 0;
};

}  // namespace ikesteer::agent::daemon
