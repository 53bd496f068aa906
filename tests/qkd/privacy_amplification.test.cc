#include "qkdlab/qkd/privacy_amplification.h"

#include <gtest/gtest.h>

#include <boost/random/uniform_int_distribution.hpp>
#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

#include "qkdlab/core/error.h"
#include "qkdlab/core/rng.h"

namespace qkdlab::qkd {
namespace {

core::BitVector random_bits(std::size_t n, core::Rng& rng) {
    core::BitVector v(n);
    boost::random::uniform_int_distribution<int> bit(0, 1);
    for (std::size_t i = 0; i < n; ++i) v[i] = bit(rng) == 1;
    return v;
}

// The definition, one bit at a time: y_i = xor_j T[i][j] x_j with T[i][j] = seed[i - j + n - 1].
core::BitVector naive_product(const core::BitVector& x, std::size_t m, const core::BitVector& seed) {
    const std::size_t n = x.size();
    core::BitVector y(m);
    for (std::size_t i = 0; i < m; ++i) {
        bool bit = false;
        for (std::size_t j = 0; j < n; ++j) bit ^= seed[i + n - 1 - j] && x[j];
        y[i] = bit;
    }
    return y;
}

using Product = core::BitVector (*)(const core::BitVector&, std::size_t, const core::BitVector&);

// For each size (n, m), a random key and seed: every method gives what `reference` gives.
void expect_methods_agree(const std::vector<std::pair<std::size_t, std::size_t>>& sizes, Product reference,
                          core::Rng& rng) {
    for (const auto& [n, m] : sizes) {
        const core::BitVector x = random_bits(n, rng);
        const core::BitVector seed = draw_toeplitz_seed(n, m, rng);
        const core::BitVector expected = reference(x, m, seed);
        for (const Product method : {toeplitz_hash_direct, toeplitz_hash_karatsuba, toeplitz_hash}) {
            ASSERT_EQ(method(x, m, seed), expected) << "n = " << n << ", m = " << m;
        }
    }
}

TEST(privacy_amplification, every_method_equals_the_matrix_product) {
    core::Rng rng(11);
    // Non-powers of two, word boundaries, m = 1 and m close to or equal to n.
    const std::vector<std::pair<std::size_t, std::size_t>> sizes = {
        {1, 1},    {2, 1},     {2, 2},     {63, 17},   {64, 64},    {65, 64},     {100, 1},    {127, 126},
        {128, 65}, {129, 129}, {300, 299}, {513, 200}, {1000, 777}, {1031, 1030}, {2049, 1024}};
    expect_methods_agree(sizes, naive_product, rng);
}

TEST(privacy_amplification, karatsuba_equals_direct_on_random_sizes) {
    core::Rng rng(17);
    boost::random::uniform_int_distribution<std::size_t> size(1, 6000);
    std::vector<std::pair<std::size_t, std::size_t>> sizes;
    for (int i = 0; i < 150; ++i) {
        const std::size_t n = size(rng);
        boost::random::uniform_int_distribution<std::size_t> out(1, n);
        sizes.push_back({n, out(rng)});
        sizes.push_back({n, 1});
        sizes.push_back({n, n});
    }
    // Around the dispatch threshold (n m = 2^13), the schoolbook base (32 words = 2048 bits), the
    // Karatsuba sizes b 2^k and the tilings (one more square, or a stack of smaller ones).
    for (const std::size_t n : {90, 91, 92, 2047, 2048, 2049, 2111, 4095, 4096, 4097, 4160, 8191, 8193, 12345}) {
        for (const std::size_t m : {std::size_t{1}, n / 10 + 1, n / 2, n / 2 + 1, n - 65, n - 64, n - 1, n}) {
            if (m >= 1 && m <= n) sizes.push_back({n, m});
        }
    }
    expect_methods_agree(sizes, toeplitz_hash_direct, rng);
}

TEST(privacy_amplification, karatsuba_equals_direct_on_large_blocks) {
    core::Rng rng(12);
    // Sizes of several Karatsuba levels and tilings, with dense, sparse and all-ones keys.
    const std::vector<std::pair<std::size_t, std::size_t>> sizes = {
        {20000, 12345}, {40000, 39999}, {65536, 1}, {70001, 30000}, {100003, 90000}, {100003, 99991}, {200003, 20001}};
    for (const auto& [n, m] : sizes) {
        core::BitVector x = random_bits(n, rng);
        const core::BitVector seed = draw_toeplitz_seed(n, m, rng);
        EXPECT_EQ(toeplitz_hash_karatsuba(x, m, seed), toeplitz_hash_direct(x, m, seed)) << n << " " << m;
        for (std::size_t i = 0; i < n; ++i) x[i] = i % 1000 == 7;
        EXPECT_EQ(toeplitz_hash_karatsuba(x, m, seed), toeplitz_hash_direct(x, m, seed)) << n << " " << m;
        for (std::size_t i = 0; i < n; ++i) x[i] = true;
        core::BitVector ones_seed(seed.size());
        for (std::size_t i = 0; i < seed.size(); ++i) ones_seed[i] = true;
        // All ones: y_i = n mod 2 for every i.
        const core::BitVector y = toeplitz_hash_karatsuba(x, m, ones_seed);
        EXPECT_EQ(y, toeplitz_hash_direct(x, m, ones_seed));
        EXPECT_EQ(y.popcount(), n % 2 == 1 ? m : 0) << n << " " << m;
    }
}

TEST(privacy_amplification, is_linear) {
    core::Rng rng(13);
    for (const auto& [n, m] : std::vector<std::pair<std::size_t, std::size_t>>{{777, 500}, {50000, 20000}}) {
        const core::BitVector seed = draw_toeplitz_seed(n, m, rng);
        const core::BitVector a = random_bits(n, rng), b = random_bits(n, rng);
        core::BitVector a_xor_b = a;
        a_xor_b ^= b;
        core::BitVector expected = toeplitz_hash(a, m, seed);
        expected ^= toeplitz_hash(b, m, seed);
        EXPECT_EQ(toeplitz_hash(a_xor_b, m, seed), expected);
        EXPECT_EQ(toeplitz_hash(core::BitVector(n), m, seed), core::BitVector(m));  // T 0 = 0
    }
}

TEST(privacy_amplification, rejects_bad_sizes) {
    core::Rng rng(14);
    const core::BitVector x = random_bits(100, rng);
    EXPECT_EQ(toeplitz_seed_bits(100, 40), 139u);
    EXPECT_THROW((void)toeplitz_seed_bits(100, 0), Error);
    EXPECT_THROW((void)toeplitz_seed_bits(100, 101), Error);
    EXPECT_THROW((void)toeplitz_seed_bits(0, 0), Error);
    EXPECT_THROW((void)toeplitz_seed_bits(TOEPLITZ_MAX_SEED_BITS, 2), Error);
    EXPECT_THROW((void)draw_toeplitz_seed(10, 11, rng), Error);
    const core::BitVector seed = draw_toeplitz_seed(100, 40, rng);
    EXPECT_THROW((void)toeplitz_hash(x, 41, seed), Error);  // the seed is one bit short
    EXPECT_THROW((void)toeplitz_hash(x, 39, seed), Error);  // one bit too long
    EXPECT_THROW((void)toeplitz_hash_direct(x, 101, core::BitVector(200)), Error);
    EXPECT_THROW((void)toeplitz_hash_karatsuba(x, 0, core::BitVector(99)), Error);
    EXPECT_EQ(toeplitz_hash(x, 40, seed).size(), 40u);
}

TEST(privacy_amplification, seeds_are_uniform_bits) {
    core::Rng rng(15);
    const core::BitVector seed = draw_toeplitz_seed(100000, 50000, rng);
    ASSERT_EQ(seed.size(), 149999u);
    // Ones ~ Binomial(N, 1/2): within 5 sigma = 5 sqrt(N/4).
    const double n = static_cast<double>(seed.size());
    EXPECT_NEAR(static_cast<double>(seed.popcount()), n / 2, 5 * std::sqrt(n / 4));
}

// Two-universality: for fixed x != x' and a uniform seed, Pr[T x = T x'] = 2^-m (exactly, for a
// Toeplitz family: T (x xor x') is uniform over m-bit strings when x != x'). With m = 3 and 20000
// seeds the collision count is Binomial(20000, 1/8); we check within 5 sigma, and that every one of
// the 8 hash values of a fixed nonzero difference appears equally often (chi-square, 7 d.o.f., below
// the 1e-4 quantile 29.9).
TEST(privacy_amplification, two_universal) {
    core::Rng rng(16);
    const std::size_t n = 40, m = 3, trials = 20000;
    const core::BitVector x = random_bits(n, rng);
    core::BitVector x2 = x;
    x2[5] ^= true;
    x2[31] ^= true;
    std::size_t collisions = 0;
    std::vector<double> counts(8, 0);
    for (std::size_t t = 0; t < trials; ++t) {
        const core::BitVector seed = draw_toeplitz_seed(n, m, rng);
        const core::BitVector y = toeplitz_hash(x, m, seed), y2 = toeplitz_hash(x2, m, seed);
        collisions += y == y2;
        core::BitVector d = y;
        d ^= y2;
        counts[d.words()[0]] += 1;
    }
    const double p = 1.0 / 8, expected = p * trials;
    EXPECT_NEAR(static_cast<double>(collisions), expected, 5 * std::sqrt(trials * p * (1 - p)));
    double chi2 = 0;
    for (double c : counts) chi2 += (c - expected) * (c - expected) / expected;
    EXPECT_LT(chi2, 29.9);
}

}  // namespace
}  // namespace qkdlab::qkd
