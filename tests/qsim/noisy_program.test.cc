#include "qkdlab/qsim/noisy_program.h"

#include <gtest/gtest.h>

#include <cmath>

#include "qkdlab/qsim/density_matrix.h"

namespace qkdlab::qsim {
namespace {

// Runs the gates and channels of a program on a density matrix (no measurements in these tests).
DensityMatrix run(const NoisyProgram& program, unsigned n) {
    DensityMatrix rho(n);
    for (const NoisyStep& step : program.steps) {
        if (step.channel) {
            rho.apply_channel(*step.channel, step.qubits);
        } else if (step.operation->kind == OpKind::gate) {
            rho.apply_gate(step.operation->gate, step.operation->qubits, step.operation->params);
        }
    }
    return rho;
}

const char* MODEL = R"({
  "qubits": {"default": {"t1_us": 20, "t2_us": 30}},
  "gate_durations_ns": {"default": 50, "cx": 400},
  "idle_noise": true
})";

}  // namespace

// Qubit 0 is put in |1> and waits while qubit 1 runs 40 gates of 50 ns: P(1) = exp(-t/T1) with
// t = 2000 ns of idling (plus the tail up to the end of the circuit, none here).
TEST(noisy_program, idle_qubit_relaxes_as_exp_minus_t_over_t1) {
    Circuit c(2);
    c.x(0);
    for (int k = 0; k < 40; ++k) c.x(1);
    const Qubit pair[] = {0, 1};
    c.append_gate(GateKind::cz, pair);
    const NoisyProgram program = add_noise(c, NoiseModel::parse(MODEL));
    const double idle = 40 * 50 - 50;  // qubit 0 is busy for its own x first
    EXPECT_NEAR(program.decoherence[0].idle_ns, idle, 1e-9);
    EXPECT_NEAR(program.decoherence[0].busy_ns, 50 + 50, 1e-9);  // x, then cz
    EXPECT_NEAR(program.decoherence[1].idle_ns, 0, 1e-9);
    EXPECT_NEAR(program.duration_ns, 40 * 50 + 50, 1e-9);
    const DensityMatrix rho = run(program, 2);
    EXPECT_NEAR(rho.probability_one(0), std::exp(-idle / 20e3), 1e-12);
    EXPECT_NEAR(program.decoherence[0].t1_decay, std::exp(-idle / 20e3), 1e-15);
    EXPECT_NEAR(program.decoherence[0].t2_decay, std::exp(-idle / 30e3), 1e-15);
    const double f = 0.5 + std::exp(-idle / 30e3) / 3 + std::exp(-idle / 20e3) / 6;
    EXPECT_NEAR(program.decoherence[0].fidelity_lost, 1 - f, 1e-15);
}

// Ramsey: |+> waits until the end of the circuit while qubit 1 runs 20 gates; its coherence
// decays as exp(-t/T2) over the tail of the schedule.
TEST(noisy_program, ramsey_coherence_decays_as_exp_minus_t_over_t2) {
    Circuit c(2);
    c.h(0);
    for (int k = 0; k < 20; ++k) c.x(1);
    const NoisyProgram program = add_noise(c, NoiseModel::parse(MODEL));
    const double idle = 20 * 50 - 50;
    EXPECT_NEAR(program.decoherence[0].idle_ns, idle, 1e-9);
    const DensityMatrix rho = run(program, 2);
    EXPECT_NEAR(rho.expectation(PauliString::parse("X")), std::exp(-idle / 30e3), 1e-12);
}

// Without idle noise the schedule still reports idle time, but nothing decays.
TEST(noisy_program, no_idle_noise_no_relaxation) {
    Circuit c(2);
    c.x(0);
    for (int k = 0; k < 5; ++k) c.x(1);
    const NoisyProgram program = add_noise(c, NoiseModel::parse(R"({"qubits": {"default": {"t1_us": 1, "t2_us": 1}},
                                            "gate_durations_ns": {"default": 100}})"));
    EXPECT_NEAR(program.decoherence[0].idle_ns, 400, 1e-9);
    EXPECT_EQ(program.decoherence[0].t1_decay, 1);
    EXPECT_EQ(program.steps.size(), 6u);  // the gates alone
    EXPECT_NEAR(run(program, 2).probability_one(0), 1, 1e-15);
}

// A measurement's register is ready when it ends: an operation conditioned on it waits.
TEST(noisy_program, conditions_wait_for_their_measurement) {
    Circuit c;
    c.add_qreg("q", 2);
    c.add_creg("m", 1);
    c.h(0).measure(0, 0);
    const Qubit q1[] = {1};
    c.append_gate(GateKind::x, q1, {}, Condition{0, 1});
    const NoisyProgram program =
        add_noise(c, NoiseModel::parse(R"({"gate_durations_ns": {"default": 50, "measure": 1000}})"));
    EXPECT_NEAR(program.steps.back().start_ns, 1050, 1e-9);
    EXPECT_NEAR(program.duration_ns, 1100, 1e-9);
}

TEST(noisy_program, gate_noise_follows_its_gates_and_qubits) {
    const NoiseModel model = NoiseModel::parse(R"({
      "after_gates": [
        {"gates": ["h"], "qubits": [0], "channel": {"type": "bit_flip", "p": 0.25}},
        {"gates": ["cx"], "channel": {"type": "depolarizing2", "p": 0.1}},
        {"gates": ["cx"], "channel": {"type": "phase_flip", "p": 0.1}}
      ]})");
    Circuit c(2, 1);
    c.add_creg("m", 1);
    c.h(0).h(1).cx(0, 1);
    const Qubit q1[] = {1};
    c.append_gate(GateKind::x, q1, {}, Condition{0, 1});
    const NoisyProgram program = add_noise(c, model);
    // h0, flip on 0, h1, cx, depolarizing2 on (0, 1), phase flip on 0 and on 1, x.
    ASSERT_EQ(program.steps.size(), 8u);
    EXPECT_TRUE(program.steps[1].channel && program.steps[1].qubits == std::vector<Qubit>{0});
    EXPECT_TRUE(program.steps[2].operation);
    EXPECT_EQ(program.steps[4].qubits, (std::vector<Qubit>{0, 1}));
    EXPECT_EQ(program.steps[5].qubits, std::vector<Qubit>{0});
    EXPECT_EQ(program.steps[6].qubits, std::vector<Qubit>{1});
    EXPECT_TRUE(program.steps[7].operation && program.steps[7].condition);
}

}  // namespace qkdlab::qsim
