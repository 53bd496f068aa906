#pragma once
// Simulation randomness. Every stochastic function takes a generator as its last parameter, by
// reference; only the CLI makes one, from --seed. Boost's generator and distributions give the same
// numbers with every standard library, which keeps seeded output reproducible across platforms.

#include <boost/random/mersenne_twister.hpp>
#include <cstdint>

namespace qkdlab::core {

using Rng = boost::random::mt19937_64;

// A generator for stream `stream` of a run seeded with `seed`: parallel work derives one per batch
// or thread from the run's seed, so output does not depend on the number of threads.
Rng derive_rng(std::uint64_t seed, std::uint64_t stream);

}  // namespace qkdlab::core
