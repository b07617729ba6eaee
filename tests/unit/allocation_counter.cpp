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
// The nothrow form too (std::stable_sort's temporary buffer uses it): every allocation is
// counted, and every one is freed by the operator delete below, as it was allocated.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  ++g_allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
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
