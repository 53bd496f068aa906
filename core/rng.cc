#include "qkdlab/core/rng.h"

#include <boost/random/seed_seq.hpp>

namespace qkdlab::core {

Rng derive_rng(std::uint64_t seed, std::uint64_t stream) {
    boost::random::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                                static_cast<std::uint32_t>(stream), static_cast<std::uint32_t>(stream >> 32)};
    return Rng(seq);
}

}  // namespace qkdlab::core
