#include "allocation_counter.hpp"

#include <cstdlib>
#include <new>

namespace {
std::size_t g_allocations = 0;  // test binaries allocate from one thread
}  // namespace

void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace ikesteer::test {

std::size_t allocations() noexcept {
  return g_allocations;
}

}  // namespace ikesteer::test
