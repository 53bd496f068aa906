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
#include "support.h"

namespace qkdlab::qsim {
namespace {

constexpr std::size_t SHOTS = 4000;

Counts run_example(const std::string& name, std::uint64_t seed) {
    const CircuitRunner runner(read_qasm_file(QKDLAB_EXAMPLES_DIR "/" + name));
    core::Rng rng(seed);
    return runner.counts(SHOTS, rng);
}

}  // namespace

TEST(examples, bell_gives_00_or_11) {
    testing::expect_counts(run_example("bell.qasm", 1), {{"00", 0.5}, {"11", 0.5}}, SHOTS);
}

TEST(examples, ghz_gives_all_zeros_or_all_ones) {
    testing::expect_counts(run_example("ghz.qasm", 2), {{"00000", 0.5}, {"11111", 0.5}}, SHOTS);
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
    testing::expect_counts(run_example("teleportation.qasm", 3), expected, SHOTS);
}

}  // namespace qkdlab::qsim
