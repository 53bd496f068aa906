#include "qkdlab/core/bit_vector.h"

#include <gtest/gtest.h>

#include <boost/random/uniform_int_distribution.hpp>
#include <vector>

#include "qkdlab/core/error.h"
#include "qkdlab/core/rng.h"

namespace qkdlab::core {
namespace {

// A random vector and the same bits as bools, the reference every operation is checked against.
std::pair<BitVector, std::vector<bool>> random_bits(std::size_t n, Rng& rng) {
    boost::random::uniform_int_distribution<int> coin(0, 1);
    BitVector v;
    std::vector<bool> b;
    for (std::size_t i = 0; i < n; ++i) {
        const bool bit = coin(rng);
        v.push_back(bit);
        b.push_back(bit);
    }
    return {v, b};
}

}  // namespace

TEST(bit_vector, push_back_index_and_assign_agree_with_bools) {
    Rng rng(1);
    for (std::size_t n : {0u, 1u, 63u, 64u, 65u, 200u}) {
        auto [v, b] = random_bits(n, rng);
        ASSERT_EQ(v.size(), n);
        ASSERT_EQ(v.words().size(), BitVector::words_for(n));
        for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(v[i], b[i]);
        for (std::size_t i = 0; i < n; i += 3) {
            v[i] = !b[i];
            EXPECT_EQ(v[i], !b[i]);
            v[i] ^= true;
            EXPECT_EQ(v[i], b[i]);
        }
    }
}

TEST(bit_vector, popcount_parity_and_slices_match_a_bitwise_count) {
    Rng rng(2);
    auto [v, b] = random_bits(517, rng);
    std::size_t ones = 0;
    for (bool bit : b) ones += bit;
    EXPECT_EQ(v.popcount(), ones);
    for (std::size_t begin : {0u, 1u, 63u, 64u, 100u, 516u}) {
        for (std::size_t end : {begin, begin + 1, begin + 64, begin + 130, std::size_t{517}}) {
            if (end > 517 || end < begin) continue;
            bool p = false;
            for (std::size_t i = begin; i < end; ++i) p ^= b[i];
            EXPECT_EQ(v.parity(begin, end), p) << begin << ".." << end;
            const BitVector s = v.slice(begin, end - begin);
            ASSERT_EQ(s.size(), end - begin);
            for (std::size_t i = 0; i < s.size(); ++i) EXPECT_EQ(s[i], b[begin + i]);
            EXPECT_EQ(s.popcount() % 2 == 1, p);  // the tail beyond size() stays zero
        }
    }
    EXPECT_THROW((void)v.slice(500, 18), Error);
}

TEST(bit_vector, xor_hamming_distance_equality_resize_and_wipe) {
    Rng rng(3);
    auto [a, ab] = random_bits(300, rng);
    auto [b, bb] = random_bits(300, rng);
    std::size_t differ = 0;
    for (std::size_t i = 0; i < 300; ++i) differ += ab[i] != bb[i];
    EXPECT_EQ(a.hamming_distance(b), differ);
    BitVector c = a;
    c ^= b;
    EXPECT_EQ(c.popcount(), differ);
    c ^= b;
    EXPECT_EQ(c, a);
    EXPECT_THROW(c ^= BitVector(299), Error);
    c.resize(70);
    EXPECT_EQ(c, a.slice(0, 70));
    c.resize(130);
    EXPECT_EQ(c.slice(70, 60).popcount(), 0u);
    const BitVector from_words(a.words(), 100);
    EXPECT_EQ(from_words, a.slice(0, 100));
    c.wipe();
    EXPECT_TRUE(c.empty());
    EXPECT_TRUE(c.words().empty());
}

}  // namespace qkdlab::core
