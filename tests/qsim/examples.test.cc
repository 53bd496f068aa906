// The OpenQASM examples in examples/ give the outcomes examples/README.md promises. Fixed seeds;
// each frequency is within 4 sigma of its probability: |k / shots - p| <= 4 sqrt(p (1 - p) / shots).

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numbers>
#include <string>

#include "qkdlab/core/rng.h"
#include "qkdlab/qsim/qasm.h"
#include "qkdlab/qsim/run.h"

namespace qkdlab::qsim {
namespace {

constexpr std::size_t SHOTS = 4000;

Counts run_example(const std::string& name, std::uint64_t seed) {
    const CircuitRunner runner(read_qasm_file(QKDLAB_EXAMPLES_DIR "/" + name));
    core::Rng rng(seed);
    return runner.counts(SHOTS, rng);
}

// Only the `expected` outcomes occur, each within 4 sigma of its probability.
void expect_counts(const Counts& counts, const std::map<std::string, double>& expected) {
    std::size_t total = 0;
    for (const auto& [key, count] : counts) {
        EXPECT_TRUE(expected.contains(key)) << "unexpected outcome '" << key << "' in " << count << " shots";
        total += count;
    }
    EXPECT_EQ(total, SHOTS);
    for (const auto& [key, p] : expected) {
        const double frequency = counts.contains(key) ? static_cast<double>(counts.at(key)) / SHOTS : 0.0;
        EXPECT_NEAR(frequency, p, 4 * std::sqrt(p * (1 - p) / SHOTS)) << "outcome '" << key << "'";
    }
}

}  // namespace

TEST(examples, bell_gives_00_or_11) { expect_counts(run_example("bell.qasm", 1), {{"00", 0.5}, {"11", 0.5}}); }

TEST(examples, ghz_gives_all_zeros_or_all_ones) {
    expect_counts(run_example("ghz.qasm", 2), {{"00000", 0.5}, {"11111", 0.5}});
}

// Keys are "bob c1 c0". Alice's bits are uniform; after the corrections Bob's bit is 1 with
// probability sin^2(theta / 2) = 1/4 for theta = pi/3, independently of them (without the x
// correction it would be 3/4 whenever c0 = 1).
TEST(examples, teleportation_delivers_the_state_whatever_alice_measured) {
    const double p_one = std::pow(std::sin(std::numbers::pi / 6), 2);
    std::map<std::string, double> expected;
    for (const char* alice : {"0 0", "0 1", "1 0", "1 1"}) {
        expected[std::string("1 ") + alice] = 0.25 * p_one;
        expected[std::string("0 ") + alice] = 0.25 * (1 - p_one);
    }
    expect_counts(run_example("teleportation.qasm", 3), expected);
}

}  // namespace qkdlab::qsim
