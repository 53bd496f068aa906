#include "gf2_middle_product.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <vector>

#include "qkdlab/core/rng.h"

namespace qkdlab::qkd {
namespace {

// The definition bit by bit: bit i of z is xor_j a[64 q + i - j] x[j].
std::vector<std::uint64_t> naive_middle_product(const std::vector<std::uint64_t>& a,
                                                const std::vector<std::uint64_t>& x, std::size_t q) {
    const auto bit = [](const std::vector<std::uint64_t>& v, std::size_t i) { return (v[i / 64] >> (i % 64)) & 1u; };
    std::vector<std::uint64_t> z(q, 0);
    for (std::size_t i = 0; i < 64 * q; ++i) {
        std::uint64_t sum = 0;
        for (std::size_t j = 0; j < 64 * q; ++j) sum ^= bit(a, 64 * q + i - j) & bit(x, j);
        z[i / 64] |= sum << (i % 64);
    }
    return z;
}

TEST(gf2_middle_product, sizes_are_b_times_a_power_of_two) {
    EXPECT_EQ(middle_product_words(1), 1u);
    EXPECT_EQ(middle_product_words(32), 32u);
    EXPECT_EQ(middle_product_words(33), 34u);      // 17 * 2
    EXPECT_EQ(middle_product_words(1000), 1024u);  // 32 * 32 (31 * 32 = 992 is too small)
    for (std::size_t w = 1; w < 5000; w += 7) {
        const std::size_t q = middle_product_words(w);
        EXPECT_GE(q, w);
        EXPECT_LT(q, w + w / 16 + 1);  // b >= 17 above 32 words: less than 1/16 of padding
    }
}

TEST(gf2_middle_product, every_kernel_equals_the_definition) {
    core::Rng rng(21);
    ASSERT_TRUE(clmul_kernel_supported(ClmulKernel::portable));
    for (const ClmulKernel kernel : {ClmulKernel::portable, ClmulKernel::pclmul, ClmulKernel::vpclmul}) {
        if (!clmul_kernel_supported(kernel)) {
            std::printf("kernel %d not supported here: skipped\n", static_cast<int>(kernel));
            continue;
        }
        // The schoolbook sizes (each block count of the vector kernel) and one, two and three
        // Karatsuba levels.
        for (const std::size_t q : {1, 2, 3, 7, 8, 9, 15, 16, 17, 23, 31, 32, 34, 40, 64, 68, 136}) {
            ASSERT_EQ(middle_product_words(q), q);
            std::vector<std::uint64_t> a(2 * q), x(q);
            for (auto& w : a) w = rng();
            for (auto& w : x) w = rng();
            const std::vector<std::uint64_t> expected = naive_middle_product(a, x, q);
            // It adds into z: start from a random z and remove it again.
            std::vector<std::uint64_t> z(q), start(q);
            for (auto& w : start) w = rng();
            z = start;
            std::vector<std::uint64_t> scratch(middle_product_scratch_words(q));
            middle_product(a.data(), x.data(), z.data(), q, scratch.data(), kernel);
            for (std::size_t i = 0; i < q; ++i) z[i] ^= start[i];
            EXPECT_EQ(z, expected) << "kernel " << static_cast<int>(kernel) << ", q = " << q;
        }
    }
}

}  // namespace
}  // namespace qkdlab::qkd
