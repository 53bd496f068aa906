#include "qkdlab/qkd/parameter_estimation.h"

#include <gtest/gtest.h>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/binomial_distribution.hpp>
#include <cmath>
#include <vector>

#include "qkdlab/core/error.h"
#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/emulation.h"
#include "qkdlab/qkd/key_rate.h"
#include "test_links.h"

namespace qkdlab::qkd {
namespace {

// Alice's and Bob's sifted keys of a BB84 run with independent bit errors: `key_bits` Z bits with
// error probability key_qber, `test_bits` X bits with test_qber.
std::pair<SiftedKey, SiftedKey> synthetic_keys(std::size_t key_bits, double key_qber, std::size_t test_bits,
                                               double test_qber, core::Rng& rng) {
    boost::random::bernoulli_distribution<> coin(0.5), key_error(key_qber), test_error(test_qber);
    SiftedKey alice, bob;
    alice.protocol = bob.protocol = Protocol::bb84;
    for (std::size_t i = 0; i < key_bits; ++i) {
        const bool bit = coin(rng);
        alice.key.push_back(bit);
        bob.key.push_back(bit != key_error(rng));
        alice.key_pulse_index.push_back(3 * i + 1);
    }
    for (std::size_t i = 0; i < test_bits; ++i) {
        const bool bit = coin(rng);
        alice.test.push_back(bit);
        bob.test.push_back(bit != test_error(rng));
        alice.test_pulse_index.push_back(3 * i + 2);
        alice.test_settings.push_back(pack_settings(0, 1, 1));
    }
    bob.key_pulse_index = alice.key_pulse_index;
    bob.test_pulse_index = alice.test_pulse_index;
    bob.test_settings = alice.test_settings;
    return {alice, bob};
}

ParameterEstimate estimate_run(const Link& link, std::uint64_t pulses, std::uint64_t seed) {
    core::Rng rng(seed);
    const RawRecords records = emulate(link, Fidelity::photon, pulses, rng);
    const SiftingAnnouncement announced = announcement(records);
    const SiftedKey alice = sift(announced, raw_bits(records, Party::alice));
    const SiftedKey bob = sift(announced, raw_bits(records, Party::bob));
    return estimate_parameters(alice, bob, EstimationOptions{}, rng);
}

}  // namespace

TEST(parameter_estimation, clopper_pearson_matches_closed_forms_at_the_ends) {
    // k = 0: upper = 1 - (a/2)^{1/n}; k = n: lower = (a/2)^{1/n} (the beta quantiles in closed form).
    // Tolerance 1e-7 relative: GSL's incomplete beta function is accurate to about 1e-6 relative at
    // n = 10^6, which moves the root by 1e-6 / (n x) = 4e-8 relative at a = 1e-10.
    for (double a : {0.05, 1e-3, 1e-10}) {
        for (std::uint64_t n : {1u, 10u, 1000u, 1'000'000u}) {
            const QberInterval none = clopper_pearson(0, n, a);
            EXPECT_EQ(none.lower, 0.0);
            EXPECT_NEAR(none.upper, -std::expm1(std::log(a / 2) / static_cast<double>(n)), 1e-7 * none.upper) << n;
            const QberInterval all = clopper_pearson(n, n, a);
            EXPECT_EQ(all.upper, 1.0);
            EXPECT_NEAR(all.lower, std::exp(std::log(a / 2) / static_cast<double>(n)), 1e-7) << n;
        }
    }
}

TEST(parameter_estimation, clopper_pearson_matches_published_values) {
    // 1 success in 10 at 95%: (0.0025, 0.4450) (e.g. Brown, Cai and DasGupta, Stat. Sci. 16, 101
    // (2001); the exact interval is [0.002529, 0.445016]).
    const QberInterval one_in_ten = clopper_pearson(1, 10, 0.05);
    EXPECT_NEAR(one_in_ten.lower, 0.002529, 1e-6);
    EXPECT_NEAR(one_in_ten.upper, 0.445016, 1e-6);
    EXPECT_DOUBLE_EQ(one_in_ten.qber, 0.1);
    // Symmetry: the interval of n - k errors mirrors that of k.
    const QberInterval mirror = clopper_pearson(9, 10, 0.05);
    EXPECT_NEAR(mirror.lower, 1 - one_in_ten.upper, 1e-12);
    EXPECT_NEAR(mirror.upper, 1 - one_in_ten.lower, 1e-12);
    EXPECT_THROW((void)clopper_pearson(11, 10, 0.05), Error);
    EXPECT_THROW((void)clopper_pearson(1, 10, 0), Error);
    EXPECT_THROW((void)clopper_pearson(1, 10, 1), Error);
    const QberInterval empty = clopper_pearson(0, 0, 0.05);
    EXPECT_EQ(empty.lower, 0.0);
    EXPECT_EQ(empty.upper, 1.0);
}

TEST(parameter_estimation, clopper_pearson_covers_at_least_its_confidence) {
    // 2000 binomial samples per error rate; the interval must cover the true rate in at least
    // 1 - a of them (Clopper-Pearson is conservative), allowed 3 sigma below: sigma =
    // sqrt(a (1 - a) / 2000) = 0.0049 at a = 0.05. The upper bound alone must cover with 1 - a/2.
    constexpr int TRIALS = 2000;
    constexpr double A = 0.05;
    const double sigma = std::sqrt(A * (1 - A) / TRIALS), sigma_upper = std::sqrt(A / 2 * (1 - A / 2) / TRIALS);
    core::Rng rng(21);
    for (double p : {0.005, 0.02, 0.05, 0.11}) {
        for (int n : {200, 5000}) {
            boost::random::binomial_distribution<int> errors(n, p);
            int covered = 0, below_upper = 0;
            for (int t = 0; t < TRIALS; ++t) {
                const QberInterval ci = clopper_pearson(static_cast<std::uint64_t>(errors(rng)), n, A);
                covered += ci.lower <= p && p <= ci.upper;
                below_upper += p <= ci.upper;
            }
            EXPECT_GE(covered / double(TRIALS), 1 - A - 3 * sigma) << "p " << p << " n " << n;
            EXPECT_GE(below_upper / double(TRIALS), 1 - A / 2 - 3 * sigma_upper) << "p " << p << " n " << n;
        }
    }
}

TEST(parameter_estimation, qber_limit_solves_the_asymptotic_rate) {
    const double e1 = qber_limit(1.0);
    EXPECT_NEAR(e1, 0.110028, 1e-6);  // h(e) = 1/2: the Shor-Preskill threshold
    EXPECT_NEAR(2 * binary_entropy(e1), 1.0, 1e-12);
    const double e116 = qber_limit(1.16);
    EXPECT_NEAR(2.16 * binary_entropy(e116), 1.0, 1e-12);
    EXPECT_LT(e116, e1);
    EXPECT_THROW((void)qber_limit(0.9), Error);
}

TEST(parameter_estimation, sample_is_uniform_and_select_bits_splits_the_key) {
    core::Rng rng(22);
    constexpr std::size_t N = 200;
    constexpr int DRAWS = 4000;
    std::vector<int> hits(N, 0);
    for (int d = 0; d < DRAWS; ++d) {
        const KeySample sample = draw_sample(N, 0.1, rng);
        ASSERT_EQ(sample.bits, 20u);
        ASSERT_EQ(sample.mask.popcount(), 20u);
        for (std::size_t i = 0; i < N; ++i) hits[i] += sample.mask[i];
    }
    // Each position in a share 0.1 of the samples: within 4 binomial sigma (sigma = sqrt(4000 * 0.09) = 19).
    for (std::size_t i = 0; i < N; ++i) EXPECT_NEAR(hits[i], 400, 4 * 19) << i;

    boost::random::bernoulli_distribution<> coin(0.5);
    for (std::size_t n : {1u, 63u, 64u, 130u, 1000u}) {
        core::BitVector bits, mask;
        for (std::size_t i = 0; i < n; ++i) {
            bits.push_back(coin(rng));
            mask.push_back(i % 7 == 0 || (i >= 64 && i < 128) || coin(rng));
        }
        const core::BitVector ones = select_bits(bits, mask, true), zeros = select_bits(bits, mask, false);
        ASSERT_EQ(ones.size() + zeros.size(), n);
        std::size_t j = 0, k = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (mask[i]) {
                EXPECT_EQ(ones[j++], bits[i]);
            } else {
                EXPECT_EQ(zeros[k++], bits[i]);
            }
        }
    }
    EXPECT_THROW((void)select_bits(core::BitVector(5), core::BitVector(6), true), Error);
    EXPECT_EQ(draw_sample(1, 0.5, rng).bits, 0u);
}

TEST(parameter_estimation, low_qber_passes_and_the_sample_leaves_the_key) {
    core::Rng rng(23);
    auto [alice, bob] = synthetic_keys(50'000, 0.02, 5'000, 0.02, rng);
    EstimationOptions options;
    options.sample_fraction = 0.2;
    const ParameterEstimate pe = estimate_parameters(alice, bob, options, rng);
    ASSERT_FALSE(pe.aborted);
    EXPECT_EQ(pe.reason, AbortReason::none);
    EXPECT_EQ(pe.bit_error.bits, 10'000u);
    EXPECT_EQ(pe.disclosed_bits, 10'000u + 5'000u);
    EXPECT_EQ(pe.sifted_key_bits, 50'000u);
    EXPECT_EQ(pe.alice_key.size(), 40'000u);
    EXPECT_EQ(pe.bob_key.size(), 40'000u);
    EXPECT_EQ(pe.key_pulse_index.size(), 40'000u);
    // The errors of the sample and of the key left add up to those of the whole key.
    EXPECT_EQ(pe.bit_error.errors + pe.alice_key.hamming_distance(pe.bob_key), alice.key.hamming_distance(bob.key));
    // The estimate within 4 sigma of the true rate, and the interval around it.
    EXPECT_NEAR(pe.bit_error.qber, 0.02, 4 * std::sqrt(0.02 * 0.98 / 10'000));
    EXPECT_LT(pe.bit_error.lower, pe.bit_error.qber);
    EXPECT_GT(pe.bit_error.upper, pe.bit_error.qber);
    EXPECT_EQ(pe.phase_error.bits, 5'000u);
    EXPECT_EQ(pe.test_by_settings[pack_settings(0, 1, 1)].bits, 5'000u);
    EXPECT_EQ(pe.test_by_settings[pack_settings(0, 1, 1)].errors, pe.phase_error.errors);
    // The key left keeps its pulse indices in order.
    for (std::size_t i = 1; i < pe.key_pulse_index.size(); ++i)
        EXPECT_LT(pe.key_pulse_index[i - 1], pe.key_pulse_index[i]);
}

TEST(parameter_estimation, aborts_when_the_upper_bound_leaves_no_key) {
    core::Rng rng(24);
    {  // 13% in both bases: above the 9.8% limit of f = 1.16.
        auto [alice, bob] = synthetic_keys(20'000, 0.13, 2'000, 0.13, rng);
        const ParameterEstimate pe = estimate_parameters(alice, bob, EstimationOptions{}, rng);
        EXPECT_TRUE(pe.aborted);
        EXPECT_EQ(pe.reason, AbortReason::qber_above_limit);
        EXPECT_TRUE(pe.alice_key.empty() && pe.bob_key.empty() && pe.key_pulse_index.empty());
        EXPECT_GT(pe.bit_error.upper, pe.qber_limit);
    }
    {  // A clean key but phase errors (X basis) of 20%: h(0.2) = 0.72 + f h(e_bit) >= 1.
        auto [alice, bob] = synthetic_keys(20'000, 0.03, 5'000, 0.20, rng);
        const ParameterEstimate pe = estimate_parameters(alice, bob, EstimationOptions{}, rng);
        EXPECT_TRUE(pe.aborted);
        EXPECT_EQ(pe.reason, AbortReason::qber_above_limit);
    }
    {  // 7% in both: below the 11% limit of f = 1 (2 h(0.07) = 0.73), but the upper bounds of a
       // 200-bit sample and 2000 test bits at eps_PE = 1e-10 are not.
        auto [alice, bob] = synthetic_keys(2'000, 0.07, 2'000, 0.07, rng);
        EstimationOptions options;
        options.reconciliation_efficiency = 1.0;
        const ParameterEstimate pe = estimate_parameters(alice, bob, options, rng);
        EXPECT_LT(pe.bit_error.qber, pe.qber_limit);
        EXPECT_LT(pe.phase_error.qber, pe.qber_limit);
        EXPECT_TRUE(pe.aborted);
    }
    {  // Nothing to sample.
        auto [alice, bob] = synthetic_keys(1, 0.0, 10, 0.0, rng);
        const ParameterEstimate pe = estimate_parameters(alice, bob, EstimationOptions{}, rng);
        EXPECT_TRUE(pe.aborted);
        EXPECT_EQ(pe.reason, AbortReason::no_key);
    }
}

TEST(parameter_estimation, emulated_link_passes_and_intercept_resend_aborts) {
    Link link = testing::decoy_link(25);
    const ParameterEstimate clean = estimate_run(link, 4'000'000, 25);
    EXPECT_FALSE(clean.aborted) << to_string(clean.reason);
    EXPECT_GT(clean.alice_key.size(), 10'000u);
    EXPECT_LT(clean.bit_error.upper, 0.05);
    EXPECT_GT(clean.alice_key.hamming_distance(clean.bob_key), 0u);  // e_d = 1%: some errors are left

    link.eve.kind = AttackKind::intercept_resend;
    link.eve.fraction = 1;
    const ParameterEstimate attacked = estimate_run(link, 4'000'000, 26);
    EXPECT_TRUE(attacked.aborted);
    EXPECT_EQ(attacked.reason, AbortReason::qber_above_limit);
    EXPECT_TRUE(attacked.alice_key.empty());
    // Intercept-resend on every pulse gives 25% (plus the channel's errors) in both bases.
    EXPECT_GT(attacked.bit_error.qber, 0.2);
    EXPECT_GT(attacked.phase_error.qber, 0.2);
}

TEST(parameter_estimation, rejects_bad_options_and_mismatched_keys) {
    core::Rng rng(27);
    auto [alice, bob] = synthetic_keys(100, 0.0, 10, 0.0, rng);
    EstimationOptions options;
    options.sample_fraction = 1;
    EXPECT_THROW((void)estimate_parameters(alice, bob, options, rng), ConfigError);
    options = {};
    options.failure_probability = 0;
    EXPECT_THROW((void)estimate_parameters(alice, bob, options, rng), ConfigError);
    options = {};
    options.reconciliation_efficiency = 0.5;
    EXPECT_THROW((void)estimate_parameters(alice, bob, options, rng), ConfigError);
    bob.key.push_back(false);
    EXPECT_THROW((void)estimate_parameters(alice, bob, EstimationOptions{}, rng), Error);
}

}  // namespace qkdlab::qkd
