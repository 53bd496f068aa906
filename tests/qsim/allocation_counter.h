#pragma once
// A test program that links allocation_counter.cc counts every allocation through operator new,
// so that a test can check that a hot path allocates nothing.

#include <cstddef>

namespace qkdlab::qsim::testing {

// Allocations through operator new since the program started.
std::size_t allocation_count();

}  // namespace qkdlab::qsim::testing
