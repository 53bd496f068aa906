#include "qkdlab/qkd/verification.h"

#include <gtest/gtest.h>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <cmath>
#include <cstdint>
#include <limits>

#include "qkdlab/core/error.h"
#include "qkdlab/core/rng.h"

namespace qkdlab::qkd {
namespace {

core::BitVector random_key(std::size_t n, core::Rng& rng) {
    boost::random::bernoulli_distribution<> coin(0.5);
    core::BitVector key;
    for (std::size_t i = 0; i < n; ++i) key.push_back(coin(rng));
    return key;
}

std::uint64_t random_word(core::Rng& rng) {
    return boost::random::uniform_int_distribution<std::uint64_t>(0, std::numeric_limits<std::uint64_t>::max())(rng);
}

std::uint64_t power(std::uint64_t a, std::uint64_t e) {
    std::uint64_t r = 1;
    for (; e != 0; e >>= 1, a = gf64_multiply(a, a))
        if (e & 1u) r = gf64_multiply(r, a);
    return r;
}

// The tag as verification.h writes it, evaluated term by term with the reference multiplication:
// P(s) = sum_i m_i s^{L + 2 - i} + n s, the low bits of each part.
core::BitVector reference_tag(const core::BitVector& key, const VerificationHash& hash) {
    core::BitVector tag;
    const auto words = key.words();
    const std::size_t L = words.size();
    for (std::size_t part = 0; part < hash.points.size(); ++part) {
        const std::uint64_t s = hash.points[part];
        std::uint64_t value = gf64_multiply(static_cast<std::uint64_t>(key.size()), s);
        for (std::size_t i = 1; i <= L; ++i) value ^= gf64_multiply(words[i - 1], power(s, L + 2 - i));
        const std::size_t bits = std::min<std::size_t>(64, hash.tag_bits - 64 * part);
        for (std::size_t b = 0; b < bits; ++b) tag.push_back(value >> b & 1u);
    }
    return tag;
}

}  // namespace

TEST(verification, gf64_is_the_field_of_x64_x4_x3_x_1) {
    EXPECT_EQ(gf64_multiply(std::uint64_t{1} << 63, 2), 0x1bu);  // x^64 = x^4 + x^3 + x + 1
    EXPECT_EQ(gf64_multiply(0x8000000000000001u, 1), 0x8000000000000001u);
    core::Rng rng(31);
    for (int t = 0; t < 200; ++t) {
        const std::uint64_t a = random_word(rng), b = random_word(rng), c = random_word(rng);
        EXPECT_EQ(gf64_multiply(a, b), gf64_multiply(b, a));
        EXPECT_EQ(gf64_multiply(a, b ^ c), gf64_multiply(a, b) ^ gf64_multiply(a, c));
        EXPECT_EQ(gf64_multiply(gf64_multiply(a, b), c), gf64_multiply(a, gf64_multiply(b, c)));
        // Every nonzero element has order dividing 2^64 - 1 (true only if the polynomial is irreducible).
        if (a != 0 && t < 50) {
            EXPECT_EQ(power(a, std::numeric_limits<std::uint64_t>::max()), 1u);
        }
    }
}

TEST(verification, polynomial_hash_step_is_one_horner_step) {
    core::Rng rng(36);
    for (int t = 0; t < 50; ++t) {
        const std::uint64_t s = random_word(rng);
        const PolynomialHash hash(s);
        for (int k = 0; k < 20; ++k) {
            const std::uint64_t acc = random_word(rng), word = random_word(rng);
            EXPECT_EQ(hash.step(acc, word), gf64_multiply(acc ^ word, s));
        }
        const std::uint64_t words[] = {random_word(rng), random_word(rng)};
        // m_1 s^3 + m_2 s^2 + n s
        EXPECT_EQ(hash(words, 128),
                  gf64_multiply(words[0], power(s, 3)) ^ gf64_multiply(words[1], power(s, 2)) ^ gf64_multiply(128, s));
    }
}

TEST(verification, tag_is_the_documented_polynomial) {
    core::Rng rng(32);
    for (std::size_t n : {0u, 1u, 63u, 64u, 65u, 200u, 1000u}) {
        for (double eps : {0.1, 1e-12, 1e-30}) {
            const VerificationHash hash = draw_verification_hash(n, eps, rng);
            const core::BitVector key = random_key(n, rng);
            EXPECT_EQ(verification_tag(key, hash), reference_tag(key, hash)) << n << " " << eps;
        }
    }
}

TEST(verification, tag_length_is_the_shortest_meeting_eps_cor) {
    // 10^6 bits: L = 15625 words, (L + 1) / 2^64 = 8.5e-16 <= 1e-15 with one 64-bit part; 63 bits fail.
    EXPECT_EQ(verification_tag_bits(1'000'000, 1e-15), 64u);
    EXPECT_NEAR(verification_collision_bound(1'000'000, 64), 15626.0 / std::exp2(64), 1e-20);
    for (std::size_t n : {1u, 1000u, 1'000'000u, 100'000'000u}) {
        for (double eps : {1e-3, 1e-9, 1e-15, 1e-30, 1e-60}) {
            const std::size_t bits = verification_tag_bits(n, eps);
            EXPECT_LE(verification_collision_bound(n, bits), eps);
            EXPECT_GT(verification_collision_bound(n, bits - 1), eps);
        }
    }
    EXPECT_GT(verification_tag_bits(1'000'000, 1e-30), 64u);  // two parts
    EXPECT_THROW((void)verification_tag_bits(100, 0), Error);
    EXPECT_THROW((void)verification_tag_bits(100, 1), Error);
}

TEST(verification, equal_keys_pass_and_any_flipped_bits_fail) {
    core::Rng rng(33);
    for (std::size_t n : {1u, 64u, 1000u, 10'007u}) {
        const core::BitVector alice = random_key(n, rng);
        for (int t = 0; t < 500; ++t) {
            const VerificationResult same = verify_keys(alice, alice, 1e-12, rng);
            ASSERT_TRUE(same.passed);
            EXPECT_EQ(same.disclosed_bits, verification_tag_bits(n, 1e-12));
            EXPECT_LE(same.collision_bound, 1e-12);

            core::BitVector bob = alice;
            boost::random::uniform_int_distribution<std::size_t> position(0, n - 1);
            const int flips = t % 5 == 0 ? 1 + t % 7 : 1;
            for (int f = 0; f < flips; ++f) bob[position(rng)] ^= true;
            if (bob == alice) continue;  // an even number of flips at one position
            ASSERT_FALSE(verify_keys(alice, bob, 1e-12, rng).passed) << n << " " << t;
        }
    }
}

TEST(verification, keys_of_different_lengths_fail) {
    core::Rng rng(34);
    const core::BitVector key = random_key(1000, rng);
    core::BitVector longer = key;
    longer.push_back(false);  // the same words: only the encoded length tells them apart
    core::BitVector padded = key;
    padded.resize(1024);
    for (int t = 0; t < 200; ++t) {
        EXPECT_FALSE(verify_keys(key, longer, 1e-12, rng).passed);
        EXPECT_FALSE(verify_keys(key, padded, 1e-12, rng).passed);
        EXPECT_FALSE(verify_keys(key.slice(0, 999), key, 1e-12, rng).passed);
        EXPECT_FALSE(verify_keys(core::BitVector(), core::BitVector(64), 1e-12, rng).passed);
    }
    const VerificationHash small = draw_verification_hash(100, 1e-9, rng);
    EXPECT_THROW((void)verification_tag(key, small), Error);
}

TEST(verification, short_tags_collide_no_more_than_their_bound) {
    // A 3-bit tag on 2-word keys: bound (L + 1) / 2^3 = 3/8. Over 20000 fresh hashes a fixed pair of
    // different keys must collide in at most 3/8 of them, allowed 4 sigma (sigma = 0.0034).
    core::Rng rng(35);
    const core::BitVector a = random_key(128, rng);
    core::BitVector b = a;
    b[5] ^= true;
    b[100] ^= true;
    const std::size_t bits = verification_tag_bits(128, 0.4);
    ASSERT_EQ(bits, 3u);
    const double bound = verification_collision_bound(128, bits);
    EXPECT_DOUBLE_EQ(bound, 3.0 / 8.0);
    constexpr int TRIALS = 20'000;
    int collisions = 0;
    for (int t = 0; t < TRIALS; ++t) {
        const VerificationHash hash = draw_verification_hash(128, 0.4, rng);
        collisions += verification_tag(a, hash) == verification_tag(b, hash);
    }
    EXPECT_LE(collisions / double(TRIALS), bound + 4 * std::sqrt(bound * (1 - bound) / TRIALS));
    EXPECT_GT(collisions, 0);  // a 3-bit tag does collide sometimes (about 1/8 of the time)
}

}  // namespace qkdlab::qkd
