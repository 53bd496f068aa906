#include "qkdlab/qsim/noisy_runner.h"

#include <gtest/gtest.h>

#include <cmath>

#include "qkdlab/core/error.h"
#include "support.h"

namespace qkdlab::qsim {
namespace {

using testing::four_sigma;

double frequency(const Counts& counts, const std::string& key, std::size_t shots) {
    const auto it = counts.find(key);
    return it == counts.end() ? 0.0 : static_cast<double>(it->second) / static_cast<double>(shots);
}

Circuit bell_measured() {
    Circuit c;
    c.add_qreg("q", 2);
    c.add_creg("c", 2);
    c.h(0).cx(0, 1).measure(0, 0).measure(1, 1);
    return c;
}

const char* NOISY = R"({
  "qubits": {"default": {"t1_us": 2, "t2_us": 1.5}},
  "gate_durations_ns": {"default": 100, "cx": 400, "measure": 500},
  "idle_noise": true,
  "after_gates": [{"gates": ["cx"], "channel": {"type": "depolarizing2", "p": 0.2}},
                  {"gates": ["h"], "channel": {"type": "amplitude_damping", "gamma": 0.1}}],
  "readout": {"1": [[0.9, 0.1], [0.2, 0.8]]}
})";

}  // namespace

TEST(noisy_runner, readout_error_flips_recorded_bits) {
    Circuit c;
    c.add_qreg("q", 1);
    c.add_creg("c", 1);
    c.x(0).measure(0, 0);
    const NoiseModel model = NoiseModel::parse(R"({"readout": {"0": [[0.97, 0.03], [0.15, 0.85]]}})");
    const std::size_t shots = 20000;
    for (NoisyMethod method : {NoisyMethod::density, NoisyMethod::trajectories}) {
        core::Rng rng(1);
        const Counts counts = NoisyRunner(c, model, method).counts(shots, rng);
        EXPECT_NEAR(frequency(counts, "0", shots), 0.15, four_sigma(0.15, shots));
    }
}

// The exact density distribution, density shot by shot and trajectories give the same law: each
// outcome's frequency within 4 sigma of the exact probability.
TEST(noisy_runner, engines_agree_on_a_noisy_bell_pair) {
    const Circuit c = bell_measured();
    const NoiseModel model = NoiseModel::parse(NOISY);
    const NoisyRunner exact(c, model, NoisyMethod::density);
    ASSERT_TRUE(exact.exact_distribution());
    const std::size_t reference_shots = 400000;
    core::Rng rng(2);
    const Counts reference = exact.counts(reference_shots, rng);
    const NoisyRunner trajectories(c, model, NoisyMethod::trajectories);
    const std::size_t shots = 8000;
    const Counts sampled = trajectories.counts(shots, rng);
    for (const char* key : {"00", "01", "10", "11"}) {
        const double p = frequency(reference, key, reference_shots);
        EXPECT_NEAR(frequency(sampled, key, shots), p, four_sigma(p, shots) + four_sigma(p, reference_shots)) << key;
    }
    // Noise is visible: 01 and 10 occur, and 11 less often than 00 (damping and relaxation).
    EXPECT_GT(frequency(reference, "01", reference_shots), 0.05);
    EXPECT_LT(frequency(reference, "11", reference_shots), frequency(reference, "00", reference_shots));
}

// The runner applies a gate and the channel after it in one pass; the result is the same as step
// by step.
TEST(noisy_runner, gate_and_channel_in_one_pass_match_step_by_step) {
    Circuit c(3);
    c.h(0).cx(0, 1).h(2).cx(2, 0);
    const NoisyRunner runner(c, NoiseModel::parse(NOISY), NoisyMethod::density);
    core::Rng rng(9);
    DensityMatrix stepwise(3);
    for (const NoisyStep& step : runner.program().steps) {
        if (step.channel) {
            stepwise.apply_channel(*step.channel, step.qubits);
        } else {
            stepwise.apply_gate(step.operation->gate, step.operation->qubits, step.operation->params);
        }
    }
    EXPECT_LE(runner.final_density_matrix(rng).to_matrix().max_abs_diff(stepwise.to_matrix()), 1e-13);
}

// Teleportation with mid-circuit measurements and corrections: shot by shot on the density
// matrix, Bob's bit is 1 with sin^2(theta/2), then read through his confusion matrix.
TEST(noisy_runner, mid_circuit_measurements_run_shot_by_shot) {
    Circuit c;
    c.add_qreg("q", 3);
    c.add_creg("m0", 1);
    c.add_creg("m1", 1);
    c.add_creg("bob", 1);
    const Qubit q0[] = {0}, q2[] = {2};
    const double theta[] = {1.2};
    c.append_gate(GateKind::ry, q0, theta);
    c.h(1).cx(1, 2).cx(0, 1).h(0).measure(0, 0).measure(1, 1);
    c.append_gate(GateKind::x, q2, {}, Condition{1, 1});
    c.append_gate(GateKind::z, q2, {}, Condition{0, 1});
    c.measure(2, 2);
    const NoiseModel model = NoiseModel::parse(R"({"readout": {"2": [[0.95, 0.05], [0.1, 0.9]]}})");
    const NoisyRunner runner(c, model, NoisyMethod::density);
    EXPECT_FALSE(runner.exact_distribution());
    core::Rng rng(3);
    const std::size_t shots = 6000;
    const Counts counts = runner.counts(shots, rng);
    std::size_t ones = 0;
    for (const auto& [key, count] : counts)
        if (key[0] == '1') ones += count;
    const double s = std::pow(std::sin(0.6), 2);
    const double p = s * 0.9 + (1 - s) * 0.05;
    EXPECT_NEAR(static_cast<double>(ones) / shots, p, four_sigma(p, shots));
}

TEST(noisy_runner, default_method_and_limits) {
    EXPECT_EQ(default_noisy_method(10), NoisyMethod::density);
    EXPECT_EQ(default_noisy_method(11), NoisyMethod::trajectories);
    EXPECT_THROW(NoisyRunner(Circuit(MAX_DENSITY_MATRIX_QUBITS + 1), NoiseModel::parse("{}"), NoisyMethod::density),
                 Error);
    core::Rng rng(4);
    EXPECT_THROW(
        NoisyRunner(bell_measured(), NoiseModel::parse("{}"), NoisyMethod::trajectories).final_density_matrix(rng),
        Error);
}

}  // namespace qkdlab::qsim
