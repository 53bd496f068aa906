#include "qkdlab/qkd/cascade.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ordered_key.h"
#include "qkdlab/core/error.h"
#include "qkdlab/qkd/key_rate.h"
#include "qkdlab/qkd/reconciliation.h"

namespace {

using namespace qkdlab;
using qkd::CascadeMessage;
using qkd::CascadeOptions;
using qkd::CascadeParty;
using qkd::CascadeSchedule;

// Both sides' results, and what went over the wire: messages and parity bits.
struct Exchange {
    qkd::ReconciliationResult alice;
    qkd::ReconciliationResult bob;
    std::size_t alice_corrections = 0;
    std::size_t bob_corrections = 0;
    std::size_t messages = 0;
    std::size_t parities = 0;
};

// Alice and Bob ping-pong their messages; `edit` may change each message on its way (index counts
// the messages, Alice's first is 0).
Exchange exchange(const qkd::KeyPair& keys, double qber, const CascadeOptions& options, core::Rng& rng,
                  const std::function<void(std::size_t, CascadeMessage&)>& edit = {}) {
    CascadeParty alice = CascadeParty::alice(keys.alice, qber, options, rng);
    CascadeParty bob = CascadeParty::bob(keys.bob, qber);
    Exchange out;
    std::optional<CascadeMessage> message = alice.first_message();
    for (CascadeParty* next = &bob; message; next = next == &bob ? &alice : &bob) {
        if (edit) edit(out.messages, *message);
        out.parities += message->parities.size();
        ++out.messages;
        message = next->step(*message);
    }
    EXPECT_TRUE(alice.done() && bob.done());
    EXPECT_EQ(alice.messages(), out.messages);
    EXPECT_EQ(bob.messages(), out.messages);
    out.alice_corrections = alice.corrections();
    out.bob_corrections = bob.corrections();
    out.alice = alice.result();
    out.bob = bob.result();
    return out;
}

TEST(cascade, block_sizes_follow_the_published_schedules) {
    // Martinez-Mateo et al. 2015, option (7): 2^ceil(log2(1/0.01)) = 128, then 4 * 128, then n/2.
    CascadeOptions paper;
    paper.second_block_factor = 4;
    const std::vector<std::size_t> option7 = qkd::cascade_block_sizes(paper, 10000, 0.01);
    ASSERT_EQ(option7.size(), 14u);
    EXPECT_EQ(option7[0], 128u);
    EXPECT_EQ(option7[1], 512u);
    for (std::size_t p = 2; p < option7.size(); ++p) EXPECT_EQ(option7[p], 5000u);
    // Brassard-Salvail 1993: ceil(0.73 / 0.05) = 15, doubling over 4 passes.
    EXPECT_EQ(qkd::cascade_block_sizes({CascadeSchedule::original}, 10000, 0.05),
              (std::vector<std::size_t>{15, 30, 60, 120}));
    // By default the second block is twice the first instead of four times.
    CascadeOptions short_second;
    EXPECT_EQ(qkd::cascade_block_sizes(short_second, 10000, 0.01)[1], 256u);
    short_second.second_block_factor = 0;
    EXPECT_THROW((void)qkd::cascade_block_sizes(short_second, 10000, 0.01), Error);
    // Clipped to n/2 when the QBER is tiny, and to 1 bit for a 1-bit key.
    EXPECT_EQ(qkd::cascade_block_sizes({CascadeSchedule::option7}, 1000, 0.0)[0], 500u);
    EXPECT_EQ(qkd::cascade_block_sizes({CascadeSchedule::original}, 1, 0.01)[3], 1u);
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

TEST(cascade, ordered_key_gives_parities_of_ranks_in_both_kinds_of_order) {
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
    // Some positions corrected, the same in both orders.
    core::BitVector corrected(BITS);
    for (int i = 0; i < 100; ++i) corrected[rng() % BITS] ^= true;
    const std::pair<qkd::KeyOrder, const std::vector<std::uint32_t>*> orders[] = {
        {{qkd::KeyOrder::Kind::shuffled, 21}, &shuffled}, {{qkd::KeyOrder::Kind::split, 22}, &split}};
    for (const auto& [key_order, order] : orders) {
        // A split order reads the corrections where they are; a shuffled one is told each.
        const core::BitVector none(BITS);
        qkd::OrderedKey ordered(key, key_order.kind == qkd::KeyOrder::Kind::split ? corrected : none, key_order);
        for (std::uint32_t p = 0; p < BITS; ++p) {
            if (corrected[p] && key_order.kind == qkd::KeyOrder::Kind::shuffled) ordered.flip(p);
        }
        for (std::size_t r = 0; r < BITS; ++r) {
            ASSERT_EQ(ordered.position(r), (*order)[r]);
            ASSERT_EQ(ordered.rank_of((*order)[r]), r);
        }
        for (int i = 0; i < 1000; ++i) {
            const std::size_t a = rng() % BITS, b = rng() % BITS;
            const std::size_t begin = std::min(a, b), end = std::max(a, b) + 1;
            EXPECT_EQ(ordered.parity(begin, end), listed_parity(key, *order, begin, end)) << begin << " " << end;
            EXPECT_EQ(ordered.flipped_parity(begin, end), listed_parity(corrected, *order, begin, end));
        }
    }
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
            const Exchange run = exchange(keys, qber, {}, rng);
            ASSERT_TRUE(run.bob.success);
            ASSERT_TRUE(run.alice.success);
            ++runs;
            residual += run.bob.corrected_key != keys.alice;
            EXPECT_EQ(run.alice.corrected_key, keys.alice);
            EXPECT_EQ(run.alice_corrections, run.bob_corrections);
            EXPECT_EQ(run.bob_corrections, run.bob.corrected_key.hamming_distance(keys.bob));
            // Every parity sent is one compared range: one leaked bit, counted alike on both sides.
            EXPECT_EQ(run.bob.leaked_bits, run.parities);
            EXPECT_EQ(run.alice.leaked_bits, run.parities);
            EXPECT_EQ(run.bob.round_trips, (run.messages + 1) / 2);
            EXPECT_EQ(run.alice.round_trips, run.bob.round_trips);
            const double true_qber = static_cast<double>(keys.alice.hamming_distance(keys.bob)) / BITS;
            const double f = qkd::reconciliation_efficiency(run.bob.leaked_bits, BITS, true_qber);
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
            const Exchange run = exchange(keys, 0.1, {}, rng);
            ASSERT_TRUE(run.bob.success);
            // A residual frame needs two errors sharing a block in every one of the 14 passes.
            EXPECT_EQ(run.bob.corrected_key, keys.alice) << bits << " bits, seed " << seed;
            EXPECT_EQ(run.bob.leaked_bits, run.parities);
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

TEST(cascade, identical_keys_leak_only_the_top_level_parities) {
    core::Rng rng(5);
    const qkd::KeyPair keys = qkd::binary_symmetric_key_pair(10000, 0.0, rng);
    const qkd::ReconciliationResult result = qkd::cascade_reconcile(keys.alice, keys.bob, 0.01, {}, rng);
    EXPECT_TRUE(result.success);
    EXPECT_EQ(result.corrected_key, keys.alice);
    // Alice's parities, then Bob's differences (none) asking nothing more: two messages.
    EXPECT_EQ(result.round_trips, 1u);
    // Pass 1: ceil(10^4 / 128) = 79 blocks; pass 2: 40 blocks of 256, the last inferred; passes
    // 3..14: 2 halves, the second inferred.
    EXPECT_EQ(result.leaked_bits, 79u + 39u + 12u);
    EXPECT_TRUE(std::isinf(result.efficiency_true_qber));
    EXPECT_NEAR(result.efficiency, 130.0 / (10000 * qkd::binary_entropy(0.01)), 1e-12);
}

TEST(cascade, single_error_costs_one_parity_per_halving) {
    core::Rng rng(9);
    qkd::KeyPair keys = qkd::binary_symmetric_key_pair(4096, 0.0, rng);
    keys.bob[1234] ^= true;
    const Exchange run = exchange(keys, 1.0 / 256, {}, rng);
    EXPECT_EQ(run.bob.corrected_key, keys.alice);
    EXPECT_EQ(run.alice_corrections, 1u);
    EXPECT_EQ(run.bob_corrections, 1u);
    // Alice's first message: 16 blocks of 256, 7 of 512 (+1 inferred), 12 x 1 half; then log2(256)
    // = 8 halvings of the odd pass-1 block, one parity and one message each (Bob's first also answers
    // the top level), and the difference of the last: 10 messages, 5 round trips (1 + 8 with a
    // request and an answer per halving). Later passes know every parity they need (the corrected
    // bit's blocks already agree).
    EXPECT_EQ(run.bob.leaked_bits, 16u + 7u + 12u + 8u);
    EXPECT_EQ(run.messages, 10u);
    EXPECT_EQ(run.bob.round_trips, 5u);
}

TEST(cascade, overlapping_passes_correct_the_same_keys_in_fewer_round_trips) {
    constexpr std::size_t BITS = 100000;
    for (int seed = 0; seed < 4; ++seed) {
        core::Rng rng(300 + seed);
        const double qber = seed % 2 == 0 ? 0.02 : 0.05;
        const qkd::KeyPair keys = qkd::binary_symmetric_key_pair(BITS, qber, rng);
        const std::uint64_t shuffle_seed = rng();
        core::Rng serial_rng(shuffle_seed), overlap_rng(shuffle_seed);  // the same orders in both runs
        const Exchange serial = exchange(keys, qber, {}, serial_rng);
        CascadeOptions overlap_options;
        overlap_options.start_next_pass_after = 1;
        const Exchange overlap = exchange(keys, qber, overlap_options, overlap_rng);
        ASSERT_TRUE(serial.bob.success);
        ASSERT_TRUE(overlap.bob.success);
        EXPECT_EQ(serial.bob.corrected_key, keys.alice) << "seed " << seed;
        EXPECT_EQ(overlap.bob.corrected_key, keys.alice) << "seed " << seed;
        EXPECT_EQ(overlap.bob.leaked_bits, overlap.parities);
        // Measured on these seeds: 165-369 messages pass after pass, 80-108 overlapping (0.22-0.5
        // times as many, 40-54 round trips); 7-12% more leakage.
        EXPECT_LT(5 * overlap.messages, 3 * serial.messages)
            << "seed " << seed << ": " << overlap.messages << " vs " << serial.messages;
        EXPECT_LE(overlap.bob.round_trips, 75u) << "seed " << seed;
        EXPECT_GT(overlap.bob.leaked_bits, serial.bob.leaked_bits) << "seed " << seed;
        EXPECT_LT(overlap.bob.leaked_bits, serial.bob.leaked_bits * 13 / 10)
            << "seed " << seed << ": " << overlap.bob.leaked_bits << " vs " << serial.bob.leaked_bits;
    }
}

// A lying Alice: her first message claims the wrong parity for pass 2's first block (pass 1 has
// ceil(2000 / 128) = 16 blocks, so it is parity 16). Both sides still share one state, and the
// passes pull a bit back and forth: pass 2's block finds a bit that pass 1 then corrects back.
TEST(cascade, contradictory_parities_end_in_a_failure_both_sides_report) {
    core::Rng rng(3);
    const qkd::KeyPair keys = qkd::binary_symmetric_key_pair(2000, 0.0, rng);
    const Exchange run = exchange(keys, 0.01, {}, rng, [](std::size_t index, CascadeMessage& message) {
        if (index == 0) message.parities[16] ^= true;
    });
    EXPECT_FALSE(run.bob.success);
    EXPECT_FALSE(run.alice.success);
    EXPECT_TRUE(run.bob.corrected_key.empty());
    EXPECT_TRUE(run.alice.corrected_key.empty());
    EXPECT_EQ(run.bob.leaked_bits, run.parities);
    EXPECT_GT(run.alice_corrections, 2000u);
    EXPECT_EQ(run.bob_corrections, run.alice_corrections);
}

// Runs Alice and Bob with `edit` applied to each message; the qkdlab::Error that a side throws.
std::string error_of(const std::function<void(std::size_t, CascadeMessage&)>& edit) {
    core::Rng rng(4);
    const qkd::KeyPair keys = qkd::binary_symmetric_key_pair(3000, 0.03, rng);
    try {
        (void)exchange(keys, 0.03, {}, rng, edit);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(cascade, messages_that_do_not_fit_throw_clear_errors) {
    EXPECT_EQ(error_of({}), "");
    EXPECT_EQ(error_of([](std::size_t i, CascadeMessage& m) {
                  if (i == 0) m.passes.clear();
              }),
              "cascade: Alice planned 0 passes; expected 1 to 64");
    EXPECT_EQ(error_of([](std::size_t i, CascadeMessage& m) {
                  if (i == 0) m.passes.resize(65, m.passes[0]);
              }),
              "cascade: Alice planned 65 passes; expected 1 to 64");
    EXPECT_EQ(error_of([](std::size_t i, CascadeMessage& m) {
                  if (i == 0) m.passes[0].block_bits = 3001;
              }),
              "cascade: a pass of 3001-bit blocks for a 3000-bit key");
    EXPECT_PRED2(contains, error_of([](std::size_t i, CascadeMessage& m) {
                     if (i == 0) m.parities.resize(m.parities.size() - 1);
                 }),
                 "parities where");
    EXPECT_PRED2(contains, error_of([](std::size_t i, CascadeMessage& m) {
                     if (i == 1) m.differences.resize(m.differences.size() + 1);
                 }),
                 "differences for");
    EXPECT_EQ(error_of([](std::size_t i, CascadeMessage& m) {
                  if (i == 2) m.passes.push_back({});
              }),
              "cascade: passes planned after the first message");

    // Out of turn: Alice before her first message, anyone after the end, a result before the end.
    core::Rng rng(5);
    const qkd::KeyPair keys = qkd::binary_symmetric_key_pair(1000, 0.02, rng);
    CascadeParty alice = CascadeParty::alice(keys.alice, 0.02, {}, rng);
    EXPECT_THROW((void)alice.result(), Error);
    EXPECT_THROW((void)alice.step(CascadeMessage{}), Error);
    EXPECT_THROW((void)alice.first_message(), Error);  // the party is over after an error
    CascadeParty bob = CascadeParty::bob(keys.bob, 0.02);
    EXPECT_THROW((void)bob.first_message(), Error);
}

// A difference bit flipped on its way: the two sides' states part, which the next messages show
// (a count that does not fit), or they end with keys that differ (error verification's job).
TEST(cascade, a_flipped_difference_ends_in_an_error_or_an_end) {
    int errors = 0;
    for (int seed = 0; seed < 20; ++seed) {
        core::Rng rng(seed);
        const qkd::KeyPair keys = qkd::binary_symmetric_key_pair(3000, 0.05, rng);
        try {
            (void)exchange(keys, 0.05, {}, rng, [seed](std::size_t i, CascadeMessage& m) {
                if (i == static_cast<std::size_t>(2 + seed % 5) && !m.differences.empty()) {
                    m.differences[m.differences.size() / 2] ^= true;
                }
            });
        } catch (const Error& e) {
            EXPECT_PRED2(contains, e.what(), "cascade: ");
            ++errors;
        }
    }
    // Measured: 19 of the 20 runs end in an Error.
    EXPECT_GE(errors, 10);
}

TEST(cascade, rejects_bad_input) {
    core::Rng rng(1);
    const core::BitVector a(100), b(99);
    EXPECT_THROW((void)qkd::cascade_reconcile(a, b, 0.01, {}, rng), Error);
    EXPECT_THROW((void)qkd::cascade_reconcile(a, a, 0.5, {}, rng), Error);
    EXPECT_THROW((void)qkd::cascade_reconcile(a, a, -0.1, {}, rng), Error);
    EXPECT_THROW((void)qkd::cascade_reconcile(core::BitVector(), core::BitVector(), 0.01, {}, rng), Error);
    EXPECT_THROW((void)CascadeParty::bob(a, 0.5), Error);
}

}  // namespace
