#include "ldpc_decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/reconciliation.h"

namespace qkdlab::qkd {
namespace {

constexpr std::size_t LANES = LdpcSchedule::LANES;
// A rate-1/2 code of 2048 symbols: small enough for the double-precision reference under the
// sanitizers, with checks of several degrees.
constexpr LdpcCodeParameters SMALL_CODE{2048, 1024, 11};

std::vector<LdpcKernel> supported_kernels() {
    std::vector<LdpcKernel> kernels;
    for (LdpcKernel kernel : {LdpcKernel::portable, LdpcKernel::avx512}) {
        if (ldpc_kernel_supported(kernel)) kernels.push_back(kernel);
    }
    return kernels;
}

// A frame as Bob sees it: Alice's word x, its syndrome, and Bob's channel LLRs of x through a
// binary symmetric channel of crossover `qber`; every 20th symbol punctured (LLR 0) and every 20th
// after it shortened (x known, LLR +-40), as rate adaptation makes them.
struct NoisyFrame {
    core::BitVector word, syndrome;
    std::vector<float> llr;
};

NoisyFrame noisy_frame(const LdpcCode& code, double qber, std::uint64_t seed) {
    core::Rng rng(seed);
    const KeyPair pair = binary_symmetric_key_pair(code.bits(), qber, rng);
    NoisyFrame frame{pair.alice, code.syndrome(pair.alice), std::vector<float>(code.bits())};
    const auto channel = static_cast<float>(std::log((1 - qber) / qber));
    for (std::size_t v = 0; v < code.bits(); ++v) {
        if (v % 20 == 0) {
            frame.llr[v] = 0;
        } else if (v % 20 == 1) {
            frame.llr[v] = pair.alice[v] ? -40.0f : 40.0f;
        } else {
            frame.llr[v] = pair.bob[v] ? -channel : channel;
        }
    }
    return frame;
}

core::BitVector hard_decisions(const std::vector<float>& llr) {
    core::BitVector bits(llr.size());
    for (std::size_t v = 0; v < llr.size(); ++v) bits[v] = std::signbit(llr[v]);
    return bits;
}

// The straightforward layered sum-product: one check at a time in the schedule's order (skipping
// padding lanes), in double precision with the exact phi (its argument clamped as the decoder's),
// the full syndrome test after every sweep. Returns the sweeps run (0 when not decoded).
double exact_phi(double x) {
    x = std::clamp(x, 0x1p-14, 20.0);
    return std::log((std::exp(x) + 1) / std::expm1(x));
}

std::size_t reference_decode(const LdpcCode& code, const LdpcSchedule& schedule, const core::BitVector& syndrome,
                             std::vector<double>& llr, std::size_t max_iterations) {
    const std::span<const std::uint32_t> offsets = code.check_offsets();
    std::vector<double> messages(code.edges(), 0.0);
    for (std::size_t iteration = 1; iteration <= max_iterations; ++iteration) {
        for (std::uint32_t c : schedule.lane_checks()) {
            if (c == LdpcSchedule::NO_CHECK) continue;
            const std::span<const std::uint32_t> variables = code.check_variables(c);
            double* r = messages.data() + offsets[c];
            std::vector<double> q(variables.size());
            double sum = 0;
            bool negative = syndrome[c];
            for (std::size_t j = 0; j < variables.size(); ++j) {
                q[j] = llr[variables[j]] - r[j];
                sum += exact_phi(std::fabs(q[j]));
                negative ^= std::signbit(q[j]);
            }
            for (std::size_t j = 0; j < variables.size(); ++j) {
                const double magnitude = exact_phi(sum - exact_phi(std::fabs(q[j])));
                r[j] = negative != std::signbit(q[j]) ? -magnitude : magnitude;
                llr[variables[j]] = q[j] + r[j];
            }
        }
        core::BitVector decisions(code.bits());
        for (std::size_t v = 0; v < code.bits(); ++v) decisions[v] = std::signbit(llr[v]);
        if (code.syndrome(decisions) == syndrome) return iteration;
    }
    return 0;
}

TEST(ldpc_decoder, schedule_holds_every_check_once_in_variable_disjoint_groups) {
    const auto code = ldpc_code(SMALL_CODE);
    const auto schedule = ldpc_schedule(SMALL_CODE);
    EXPECT_EQ(schedule.get(), ldpc_schedule(SMALL_CODE).get());  // cached
    ASSERT_EQ(schedule->lane_checks().size(), LANES * schedule->groups().size());
    EXPECT_EQ(schedule->edges(), code->edges());
    std::set<std::uint32_t> seen;
    std::size_t padding_lanes = 0, slots = 0;
    for (std::size_t g = 0; g < schedule->groups().size(); ++g) {
        const LdpcSchedule::Group group = schedule->groups()[g];
        EXPECT_EQ(group.first_slot, slots);
        slots += LANES * group.degree;
        std::set<std::uint32_t> group_variables;
        for (std::size_t l = 0; l < LANES; ++l) {
            const std::uint32_t c = schedule->lane_checks()[LANES * g + l];
            for (std::size_t j = 0; j < group.degree; ++j) {
                const std::uint32_t v = schedule->slot_variables()[group.first_slot + LANES * j + l];
                if (c == LdpcSchedule::NO_CHECK) {
                    EXPECT_EQ(v, code->bits() + l);
                } else {
                    ASSERT_EQ(code->check_variables(c).size(), group.degree);
                    EXPECT_EQ(v, code->check_variables(c)[j]);
                    EXPECT_TRUE(group_variables.insert(v).second) << "group " << g << " shares variable " << v;
                }
            }
            if (c == LdpcSchedule::NO_CHECK) {
                ++padding_lanes;
            } else {
                EXPECT_TRUE(seen.insert(c).second) << "check " << c << " twice";
            }
        }
    }
    EXPECT_EQ(slots, schedule->slot_variables().size());
    EXPECT_EQ(seen.size(), code->checks());
    // Per check degree, at least max(checks / LANES, the most checks of that degree one variable
    // is in) groups are needed; first fit stays within a quarter of that bound (98 groups, first
    // fit 105 here).
    std::map<std::size_t, std::size_t> checks_of_degree;
    std::map<std::size_t, std::vector<std::size_t>> variable_count;
    for (std::size_t c = 0; c < code->checks(); ++c) {
        const std::size_t degree = code->check_variables(c).size();
        ++checks_of_degree[degree];
        variable_count[degree].resize(code->bits());
        for (std::uint32_t v : code->check_variables(c)) ++variable_count[degree][v];
    }
    std::size_t bound = 0;
    for (const auto& [degree, count] : checks_of_degree) {
        const std::vector<std::size_t>& per_variable = variable_count[degree];
        bound += std::max((count + LANES - 1) / LANES, *std::max_element(per_variable.begin(), per_variable.end()));
    }
    EXPECT_GE(schedule->groups().size(), bound);
    EXPECT_LE(4 * schedule->groups().size(), 5 * bound);
    EXPECT_EQ(padding_lanes, LANES * schedule->groups().size() - code->checks());
}

TEST(ldpc_decoder, every_kernel_gives_the_portable_kernels_posteriors_bit_for_bit) {
    const auto schedule = ldpc_schedule(SMALL_CODE);
    const NoisyFrame frame = noisy_frame(*ldpc_code(SMALL_CODE), 0.07, 3);
    // After 3 sweeps (mid-way) and to the end.
    for (std::size_t sweeps : {3u, 60u}) {
        std::vector<float> expected = frame.llr;
        const LdpcDecoderOutcome portable =
            LdpcDecoder(LdpcKernel::portable).run(*schedule, frame.syndrome, expected, sweeps);
        EXPECT_EQ(portable.decoded, sweeps == 60);
        for (LdpcKernel kernel : supported_kernels()) {
            std::vector<float> llr = frame.llr;
            const LdpcDecoderOutcome outcome = LdpcDecoder(kernel).run(*schedule, frame.syndrome, llr, sweeps);
            EXPECT_EQ(outcome.iterations, portable.iterations);
            EXPECT_EQ(outcome.decoded, portable.decoded);
            EXPECT_EQ(llr, expected) << "kernel " << static_cast<int>(kernel) << ", " << sweeps << " sweeps";
        }
    }
    EXPECT_TRUE(ldpc_kernel_supported(best_ldpc_kernel()));
}

TEST(ldpc_decoder, one_sweep_matches_the_exact_reference) {
    // The decoder's phi is a piecewise cubic (error under 8e-4) in float; after one sweep every
    // posterior is within 0.01 per check of its variable of the double-precision reference in the
    // same check order. A message errs by about the phi error times the check degree over
    // sinh(sum of the other inputs' phi), under 0.005 at this QBER; the largest seen is 0.0035 per
    // check (0.018 on a variable of degree 60).
    const auto code = ldpc_code(SMALL_CODE);
    const auto schedule = ldpc_schedule(SMALL_CODE);
    const NoisyFrame frame = noisy_frame(*code, 0.07, 4);
    for (LdpcKernel kernel : supported_kernels()) {
        std::vector<float> llr = frame.llr;
        (void)LdpcDecoder(kernel).run(*schedule, frame.syndrome, llr, 1);
        std::vector<double> reference(frame.llr.begin(), frame.llr.end());
        (void)reference_decode(*code, *schedule, frame.syndrome, reference, 1);
        double worst = 0;
        for (std::size_t v = 0; v < code->bits(); ++v) {
            const auto degree = static_cast<double>(code->variable_checks(v).size());
            worst = std::max(worst, std::fabs(llr[v] - reference[v]) / degree);
        }
        EXPECT_LT(worst, 0.01) << "kernel " << static_cast<int>(kernel);
    }
}

TEST(ldpc_decoder, decodes_noisy_words_as_the_reference_does) {
    // QBER 5% is well inside this rate-1/2 code's reach (its threshold lies near 9-10%): both
    // decoders recover Alice's word, the decoder within one sweep of the reference (it runs the
    // full syndrome test only after a sweep whose checks all held at their update).
    const auto code = ldpc_code(SMALL_CODE);
    const auto schedule = ldpc_schedule(SMALL_CODE);
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
        const NoisyFrame frame = noisy_frame(*code, 0.05, seed);
        std::vector<double> reference(frame.llr.begin(), frame.llr.end());
        const std::size_t reference_sweeps = reference_decode(*code, *schedule, frame.syndrome, reference, 60);
        ASSERT_GT(reference_sweeps, 0u) << "seed " << seed;
        for (LdpcKernel kernel : supported_kernels()) {
            std::vector<float> llr = frame.llr;
            const LdpcDecoderOutcome outcome = LdpcDecoder(kernel).run(*schedule, frame.syndrome, llr, 60);
            EXPECT_TRUE(outcome.decoded) << "seed " << seed;
            EXPECT_GE(outcome.iterations, reference_sweeps);
            EXPECT_LE(outcome.iterations, reference_sweeps + 1);
            EXPECT_EQ(hard_decisions(llr), frame.word) << "seed " << seed;
            EXPECT_EQ(code->syndrome(hard_decisions(llr)), frame.syndrome);
        }
    }
}

TEST(ldpc_decoder, gives_up_cleanly_on_hopeless_input) {
    // QBER 25%, twice and more the code's reach: no word with the syndrome is found, every sweep
    // is spent, and the reference agrees.
    const auto code = ldpc_code(SMALL_CODE);
    const auto schedule = ldpc_schedule(SMALL_CODE);
    const NoisyFrame frame = noisy_frame(*code, 0.25, 9);
    std::vector<double> reference(frame.llr.begin(), frame.llr.end());
    EXPECT_EQ(reference_decode(*code, *schedule, frame.syndrome, reference, 20), 0u);
    for (LdpcKernel kernel : supported_kernels()) {
        std::vector<float> llr = frame.llr;
        const LdpcDecoderOutcome outcome = LdpcDecoder(kernel).run(*schedule, frame.syndrome, llr, 20);
        EXPECT_FALSE(outcome.decoded);
        EXPECT_EQ(outcome.iterations, 20u);
        EXPECT_NE(code->syndrome(hard_decisions(llr)), frame.syndrome);
        EXPECT_TRUE(std::all_of(llr.begin(), llr.end(), [](float x) { return std::isfinite(x); }));
    }
}

}  // namespace
}  // namespace qkdlab::qkd
