// For "must not allocate" tests: a test binary that compiles allocation_counter.cpp has its
// global operator new replaced by one that counts calls.
#pragma once

#include <cstddef>

namespace ikesteer::test {

// Calls to operator new in this process so far.
std::size_t allocations() noexcept;

}  // namespace ikesteer::test
