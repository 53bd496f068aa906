#pragma once
// Simulation randomness. Every stochastic function takes a generator as its last parameter, by
// reference; only the CLI makes one, from --seed. Boost's generator and distributions give the same
// numbers with every standard library, which keeps seeded output reproducible across platforms.

#include <boost/random/mersenne_twister.hpp>

namespace qkdlab::core {

using Rng = boost::random::mt19937_64;

}  // namespace qkdlab::core
