#include "qkdlab/qkd/cascade.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include "qkdlab/core/error.h"
#include "qkdlab/qkd/key_rate.h"
#include "qkdlab/qkd/reconciliation.h"

namespace {

using namespace qkdlab;
using qkd::CascadeOptions;
using qkd::CascadeSchedule;

// Answers like the in-process oracle and counts, on its own, the parity bits it hands out.
class CountingOracle : public qkd::InProcessParityOracle {
  public:
    using InProcessParityOracle::InProcessParityOracle;
    std::size_t answered = 0;
    std::size_t requests = 0;

  protected:
    core::BitVector answer(const qkd::ParityRequest& request) override {
        core::BitVector bits = InProcessParityOracle::answer(request);
        answered += bits.size();
        ++requests;
        return bits;
    }
};

TEST(cascade, block_sizes_follow_the_published_schedules) {
    // Martinez-Mateo et al. 2015, option (7): 2^ceil(log2(1/0.01)) = 128, then 4 * 128, then n/2.
    const std::vector<std::size_t> option7 = qkd::cascade_block_sizes(CascadeSchedule::option7, 10000, 0.01);
    ASSERT_EQ(option7.size(), 14u);
    EXPECT_EQ(option7[0], 128u);
    EXPECT_EQ(option7[1], 512u);
    for (std::size_t p = 2; p < option7.size(); ++p) EXPECT_EQ(option7[p], 5000u);
    // Brassard-Salvail 1993: ceil(0.73 / 0.05) = 15, doubling over 4 passes.
    EXPECT_EQ(qkd::cascade_block_sizes(CascadeSchedule::original, 10000, 0.05),
              (std::vector<std::size_t>{15, 30, 60, 120}));
    // Clipped to n/2 when the QBER is tiny, and to 1 bit for a 1-bit key.
    EXPECT_EQ(qkd::cascade_block_sizes(CascadeSchedule::option7, 1000, 0.0)[0], 500u);
    EXPECT_EQ(qkd::cascade_block_sizes(CascadeSchedule::original, 1, 0.01)[3], 1u);
}

TEST(cascade, shuffled_order_is_a_seeded_permutation) {
    const std::vector<std::uint32_t> a = qkd::shuffled_order(1000, 7), b = qkd::shuffled_order(1000, 7),
                                     c = qkd::shuffled_order(1000, 8);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    std::vector<std::uint32_t> sorted = a;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::uint32_t> identity(1000);
    std::iota(identity.begin(), identity.end(), 0u);
    EXPECT_EQ(sorted, identity);
    // Uniform: position 0 lands in the first half with probability 1/2; 2000 seeds, 4 sigma.
    int first_half = 0;
    for (std::uint64_t seed = 0; seed < 2000; ++seed) {
        const std::vector<std::uint32_t> order = qkd::shuffled_order(100, seed);
        first_half += std::find(order.begin(), order.end(), 0u) - order.begin() < 50;
    }
    EXPECT_NEAR(first_half, 1000, 4 * std::sqrt(2000 * 0.25));
}

// The definition in reconciliation.h, step by step: Fisher-Yates, the draw for rank i the high 64 bits
// of x * (i + 1), x the next SplitMix64 output.
std::vector<std::uint32_t> reference_shuffle(std::size_t bits, std::uint64_t seed) {
    std::vector<std::uint32_t> order(bits);
    std::iota(order.begin(), order.end(), 0u);
    std::uint64_t state = seed;
    for (std::size_t i = bits; i > 1; --i) {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        __extension__ using Wide = unsigned __int128;
        const auto j = static_cast<std::size_t>((static_cast<Wide>(z) * i) >> 64);
        std::swap(order[i - 1], order[j]);
    }
    return order;
}

TEST(cascade, shuffled_order_is_the_documented_fisher_yates) {
    for (const std::size_t bits : {0, 1, 2, 31, 32, 33, 1000, 100003}) {
        for (const std::uint64_t seed : {0ULL, 7ULL, 0xfedcba9876543210ULL}) {
            EXPECT_EQ(qkd::shuffled_order(bits, seed), reference_shuffle(bits, seed)) << bits << " bits, seed " << seed;
        }
    }
}

// Alice's parity of ranks [begin, end) of an order, from the positions listed one by one.
bool listed_parity(const core::BitVector& key, const std::vector<std::uint32_t>& order, std::size_t begin,
                   std::size_t end) {
    bool parity = false;
    for (std::size_t r = begin; r < end; ++r) parity ^= key[order[r]];
    return parity;
}

TEST(cascade, oracle_answers_parities_of_ranks_in_both_kinds_of_order) {
    constexpr std::size_t BITS = 1000;  // not a multiple of 64
    core::Rng rng(11);
    const core::BitVector key = qkd::binary_symmetric_key_pair(BITS, 0.0, rng).alice;
    const std::vector<std::uint32_t> shuffled = qkd::shuffled_order(BITS, 21);
    // The split order: the ones of the mask ascending, then its zeros ascending.
    const core::BitVector mask = qkd::random_mask(BITS, 22);
    std::vector<std::uint32_t> split;
    for (bool part : {true, false}) {
        for (std::uint32_t i = 0; i < BITS; ++i) {
            if (mask[i] == part) split.push_back(i);
        }
    }
    EXPECT_NEAR(static_cast<double>(mask.popcount()), BITS / 2.0, 4 * std::sqrt(BITS * 0.25));
    qkd::InProcessParityOracle alice(key);
    qkd::ParityRequest request{{{qkd::KeyOrder::Kind::shuffled, 21}, {qkd::KeyOrder::Kind::split, 22}}, {}};
    std::vector<bool> expected;
    for (int i = 0; i < 2000; ++i) {
        const auto a = static_cast<std::uint32_t>(rng() % BITS), b = static_cast<std::uint32_t>(rng() % BITS);
        const std::uint32_t begin = std::min(a, b), end = std::max(a, b) + 1;
        const std::uint32_t order = i % 2;
        request.ranges.push_back({order, begin, end});
        expected.push_back(listed_parity(key, order == 0 ? shuffled : split, begin, end));
    }
    const core::BitVector answers = alice.ask(request);
    ASSERT_EQ(answers.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(answers[i], expected[i]) << "range " << i;
    EXPECT_EQ(alice.parity_bits(), 2000u);
    EXPECT_EQ(alice.round_trips(), 1u);
}

TEST(cascade, corrects_keys_over_seeds_and_qbers_with_f_above_one) {
    constexpr std::size_t BITS = 10000;
    constexpr int SEEDS = 40;
    int runs = 0, residual = 0;
    for (double qber : {0.005, 0.01, 0.02, 0.05, 0.08, 0.10}) {
        double f_sum = 0;
        for (int seed = 0; seed < SEEDS; ++seed) {
            core::Rng rng(1000 * seed + static_cast<int>(qber * 1000));
            const qkd::KeyPair keys = qkd::binary_symmetric_key_pair(BITS, qber, rng);
            CountingOracle alice(keys.alice);
            const qkd::ReconciliationResult result = qkd::cascade_reconcile(alice, keys.bob, qber, {}, rng);
            ASSERT_TRUE(result.success);
            ++runs;
            residual += result.corrected_key != keys.alice;
            EXPECT_EQ(result.leaked_bits, alice.answered);
            EXPECT_EQ(result.round_trips, alice.requests);
            const double true_qber = static_cast<double>(keys.alice.hamming_distance(keys.bob)) / BITS;
            const double f = qkd::reconciliation_efficiency(result.leaked_bits, BITS, true_qber);
            // The leakage cannot fall below log2 of the number of error patterns of that weight,
            // n h(w/n) - O(log n) (Slepian-Wolf, for a finite block): f >= 1 here.
            EXPECT_GE(f, 1.0) << "qber " << qber << " seed " << seed;
            f_sum += f;
        }
        // Improved Cascade variants reach f = 1.05-1.10 and the original protocol 1.14-1.22 (issue 5's
        // reference figures, 1-8%); the mean over 40 seeds stays below the original's band.
        EXPECT_GT(f_sum / SEEDS, 1.0) << "qber " << qber;
        EXPECT_LT(f_sum / SEEDS, 1.2) << "qber " << qber;
    }
    // Option (7)'s frame error rate at n = 10^4 is at most about 1e-3 (bench/cascade.perf: 0 to
    // 1.5e-3 per QBER over thousands of frames): over 240 runs at most 2 residual error frames
    // (P(>= 3) < 1% at 1e-3).
    EXPECT_LE(residual, 2) << "of " << runs;
}

TEST(cascade, corrects_tiny_and_ragged_keys) {
    for (std::size_t bits : {1, 2, 3, 5, 63, 64, 65, 127, 1000}) {
        for (int seed = 0; seed < 20; ++seed) {
            core::Rng rng(seed);
            const qkd::KeyPair keys = qkd::binary_symmetric_key_pair(bits, 0.1, rng);
            CountingOracle alice(keys.alice);
            const qkd::ReconciliationResult result = qkd::cascade_reconcile(alice, keys.bob, 0.1, {}, rng);
            ASSERT_TRUE(result.success);
            // A residual frame needs two errors sharing a block in every one of the 14 passes.
            EXPECT_EQ(result.corrected_key, keys.alice) << bits << " bits, seed " << seed;
            EXPECT_EQ(result.leaked_bits, alice.answered);
        }
    }
}

TEST(cascade, original_schedule_corrects_with_more_leakage) {
    constexpr std::size_t BITS = 10000;
    double f_original = 0, f_option7 = 0;
    int residual = 0;
    for (int seed = 0; seed < 10; ++seed) {
        core::Rng rng(seed);
        const qkd::KeyPair keys = qkd::binary_symmetric_key_pair(BITS, 0.02, rng);
        const qkd::ReconciliationResult original =
            qkd::cascade_reconcile(keys.alice, keys.bob, 0.02, {CascadeSchedule::original}, rng);
        const qkd::ReconciliationResult option7 =
            qkd::cascade_reconcile(keys.alice, keys.bob, 0.02, {CascadeSchedule::option7}, rng);
        residual += original.corrected_key != keys.alice;
        EXPECT_EQ(option7.corrected_key, keys.alice);
        f_original += original.efficiency_true_qber / 10;
        f_option7 += option7.efficiency_true_qber / 10;
    }
    // Brassard-Salvail's 4 passes leave a residual error now and then (bench/cascade.perf: ~4e-4
    // at 10^4 bits and 2%); more than 2 of 10 would be far above that.
    EXPECT_LE(residual, 2);
    // The original leaks more: f = 1.16 at 2% for a reference implementation (issue 5).
    EXPECT_GT(f_original, f_option7);
    EXPECT_GT(f_original, 1.1);
    EXPECT_LT(f_original, 1.35);
}

TEST(cascade, identical_keys_leak_only_the_first_request) {
    core::Rng rng(5);
    const qkd::KeyPair keys = qkd::binary_symmetric_key_pair(10000, 0.0, rng);
    const qkd::ReconciliationResult result = qkd::cascade_reconcile(keys.alice, keys.bob, 0.01, {}, rng);
    EXPECT_TRUE(result.success);
    EXPECT_EQ(result.corrected_key, keys.alice);
    EXPECT_EQ(result.round_trips, 1u);
    // Pass 1: ceil(10^4 / 128) = 79 blocks; pass 2: 20 blocks of 512, the last inferred; passes
    // 3..14: 2 halves, the second inferred.
    EXPECT_EQ(result.leaked_bits, 79u + 19u + 12u);
    EXPECT_TRUE(std::isinf(result.efficiency_true_qber));
    EXPECT_NEAR(result.efficiency, 110.0 / (10000 * qkd::binary_entropy(0.01)), 1e-12);
}

TEST(cascade, single_error_costs_one_parity_per_halving) {
    core::Rng rng(9);
    qkd::KeyPair keys = qkd::binary_symmetric_key_pair(4096, 0.0, rng);
    keys.bob[1234] ^= true;
    const qkd::ReconciliationResult result = qkd::cascade_reconcile(keys.alice, keys.bob, 1.0 / 256, {}, rng);
    EXPECT_EQ(result.corrected_key, keys.alice);
    // First request: 16 blocks of 256, 3 of 1024 (+1 inferred), 12 x 1 half; then log2(256) = 8
    // halvings of the odd pass-1 block, each one parity and one round trip. Later passes know every
    // parity they need (the corrected bit's blocks already agree).
    EXPECT_EQ(result.leaked_bits, 16u + 3u + 12u + 8u);
    EXPECT_EQ(result.round_trips, 1u + 8u);
}

TEST(cascade, overlapping_passes_correct_the_same_keys_in_fewer_round_trips) {
    constexpr std::size_t BITS = 100000;
    for (int seed = 0; seed < 4; ++seed) {
        core::Rng rng(300 + seed);
        const double qber = seed % 2 == 0 ? 0.02 : 0.05;
        const qkd::KeyPair keys = qkd::binary_symmetric_key_pair(BITS, qber, rng);
        const std::uint64_t shuffle_seed = rng();
        core::Rng serial_rng(shuffle_seed), overlap_rng(shuffle_seed);  // the same orders in both runs
        CountingOracle serial_alice(keys.alice), overlap_alice(keys.alice);
        const qkd::ReconciliationResult serial = qkd::cascade_reconcile(serial_alice, keys.bob, qber, {}, serial_rng);
        CascadeOptions overlap_options;
        overlap_options.start_next_pass_after = 1;
        const qkd::ReconciliationResult overlap =
            qkd::cascade_reconcile(overlap_alice, keys.bob, qber, overlap_options, overlap_rng);
        ASSERT_TRUE(serial.success);
        ASSERT_TRUE(overlap.success);
        EXPECT_EQ(serial.corrected_key, keys.alice) << "seed " << seed;
        EXPECT_EQ(overlap.corrected_key, keys.alice) << "seed " << seed;
        EXPECT_EQ(overlap.leaked_bits, overlap_alice.answered);
        EXPECT_EQ(overlap.round_trips, overlap_alice.requests);
        // Measured on these seeds: 164-368 round trips pass after pass, 79-107 overlapping (0.22-0.5
        // times as many); 7-12% more leakage.
        EXPECT_LT(5 * overlap.round_trips, 3 * serial.round_trips)
            << "seed " << seed << ": " << overlap.round_trips << " vs " << serial.round_trips;
        EXPECT_LE(overlap.round_trips, 150u) << "seed " << seed;
        EXPECT_GT(overlap.leaked_bits, serial.leaked_bits) << "seed " << seed;
        EXPECT_LT(overlap.leaked_bits, serial.leaked_bits * 13 / 10)
            << "seed " << seed << ": " << overlap.leaked_bits << " vs " << serial.leaked_bits;
    }
}

// Alice's answers for pass 1 come from her key, those of later passes from her key with one bit
// flipped: the passes pull Bob's bit back and forth.
class ContradictoryOracle : public qkd::ParityOracle {
  public:
    ContradictoryOracle(const core::BitVector& key, std::size_t flipped)
        : honest_(key), other_key_(key), other_(other_key_) {
        other_key_[flipped] ^= true;
    }
    std::size_t key_bits() const override { return honest_.key_bits(); }

  protected:
    core::BitVector answer(const qkd::ParityRequest& request) override {
        const core::BitVector a = honest_.ask(request), b = other_.ask(request);
        core::BitVector out(request.ranges.size());
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = request.ranges[i].order == 0 ? a[i] : b[i];
        return out;
    }

  private:
    qkd::InProcessParityOracle honest_;
    core::BitVector other_key_;
    qkd::InProcessParityOracle other_;
};

TEST(cascade, contradictory_answers_end_in_a_reported_failure) {
    core::Rng rng(3);
    const qkd::KeyPair keys = qkd::binary_symmetric_key_pair(2000, 0.0, rng);
    ContradictoryOracle alice(keys.alice, 77);
    const qkd::ReconciliationResult result = qkd::cascade_reconcile(alice, keys.bob, 0.01, {}, rng);
    EXPECT_FALSE(result.success);
    EXPECT_TRUE(result.corrected_key.empty());
    EXPECT_EQ(result.leaked_bits, alice.parity_bits());
}

TEST(cascade, rejects_bad_input) {
    core::Rng rng(1);
    const core::BitVector a(100), b(99);
    EXPECT_THROW((void)qkd::cascade_reconcile(a, b, 0.01, {}, rng), Error);
    EXPECT_THROW((void)qkd::cascade_reconcile(a, a, 0.5, {}, rng), Error);
    EXPECT_THROW((void)qkd::cascade_reconcile(a, a, -0.1, {}, rng), Error);
    EXPECT_THROW((void)qkd::cascade_reconcile(core::BitVector(), core::BitVector(), 0.01, {}, rng), Error);
    qkd::InProcessParityOracle alice(a);
    EXPECT_THROW((void)alice.ask({{qkd::KeyOrder{}}, {{1, 0, 10}}}), Error);  // order 1 not registered
    EXPECT_THROW((void)alice.ask({{}, {{0, 50, 101}}}), Error);               // past the end
}

}  // namespace
