// The replacement operator new and delete behind allocation_counter.h (in a translation unit of
// their own, so that the compiler does not pair them up with inlined library code).
#include "allocation_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::size_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t bytes) {
    ++g_allocations;
    if (void* p = std::malloc(bytes == 0 ? 1 : bytes)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace qkdlab::qsim::testing {

std::size_t allocation_count() { return g_allocations.load(); }

}  // namespace qkdlab::qsim::testing
