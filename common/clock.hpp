// Time is passed in, never read, by the protocol and health code; only frontend/ reads clocks.
#pragma once

#include <chrono>

namespace ikesteer {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;

}  // namespace ikesteer
