#include "qkdlab/qkd/reconciliation.h"

#include <gtest/gtest.h>

#include <cmath>

#include "qkdlab/core/error.h"

namespace qkdlab::qkd {
namespace {

// The flips are Binomial(n, q): 10^5 bits at q = 5% give 5000 +- 69 errors; within 4 sigma.
TEST(reconciliation, binary_symmetric_key_pair_flips_each_bit_with_the_qber) {
    core::Rng rng(3);
    const KeyPair keys = binary_symmetric_key_pair(100000, 0.05, rng);
    ASSERT_EQ(keys.alice.size(), 100000u);
    ASSERT_EQ(keys.bob.size(), 100000u);
    const double sigma = std::sqrt(100000 * 0.05 * 0.95);
    EXPECT_NEAR(static_cast<double>(keys.alice.hamming_distance(keys.bob)), 5000, 4 * sigma);
    // Alice's key is uniform: its ones within 4 sigma of n/2.
    EXPECT_NEAR(static_cast<double>(keys.alice.popcount()), 50000, 4 * std::sqrt(25000.0));

    const KeyPair same = binary_symmetric_key_pair(1000, 0.0, rng);
    EXPECT_EQ(same.alice, same.bob);
    const KeyPair all = binary_symmetric_key_pair(1000, 1.0, rng);
    EXPECT_EQ(all.alice.hamming_distance(all.bob), 1000u);
    EXPECT_THROW((void)binary_symmetric_key_pair(10, 1.5, rng), Error);
    EXPECT_THROW((void)binary_symmetric_key_pair(10, -0.1, rng), Error);
}

}  // namespace
}  // namespace qkdlab::qkd
