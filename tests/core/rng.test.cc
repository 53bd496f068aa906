#include "qkdlab/core/rng.h"

#include <gtest/gtest.h>

namespace qkdlab::core {

TEST(rng, is_the_standard_mt19937_64) {
    // C++ [rand.predef]: the 10000th output of a default-constructed mt19937_64 is 9981545732273789042.
    Rng rng;
    rng.discard(9999);
    EXPECT_EQ(rng(), 9981545732273789042ull);
}

}  // namespace qkdlab::core
