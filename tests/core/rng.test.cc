#include "qkdlab/core/rng.h"

#include <gtest/gtest.h>

namespace qkdlab::core {

TEST(rng, is_the_standard_mt19937_64) {
    // C++ [rand.predef]: the 10000th output of a default-constructed mt19937_64 is 9981545732273789042.
    Rng rng;
    rng.discard(9999);
    EXPECT_EQ(rng(), 9981545732273789042ull);
}

TEST(rng, derived_streams_are_reproducible_and_distinct) {
    Rng a = derive_rng(42, 0), b = derive_rng(42, 0), c = derive_rng(42, 1), d = derive_rng(43, 0);
    const auto first = a();
    EXPECT_EQ(first, b());
    EXPECT_NE(first, c());
    EXPECT_NE(first, d());
}

}  // namespace qkdlab::core
