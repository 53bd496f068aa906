#include "qkdlab/qsim/run.h"

#include <gtest/gtest.h>

#include <cmath>

#include "qkdlab/core/error.h"
#include "support.h"

namespace qkdlab::qsim {
namespace {

using testing::four_sigma;

const Qubit Q0[] = {0}, Q1[] = {1}, Q2[] = {2};

double frequency(const Counts& counts, const std::string& key, std::size_t shots) {
    const auto it = counts.find(key);
    return it == counts.end() ? 0.0 : static_cast<double>(it->second) / static_cast<double>(shots);
}

}  // namespace

TEST(run, keys_list_registers_last_declared_first_high_bit_first) {
    Circuit c;
    c.add_qreg("q", 3);
    c.add_creg("a", 2);
    c.add_creg("b", 1);
    c.x(0).x(2);
    c.measure(0, 0).measure(1, 1).measure(2, 2);
    core::Rng rng(1);
    const CircuitRunner runner(c);
    EXPECT_TRUE(runner.samples_from_one_simulation());
    const Counts counts = runner.counts(10, rng);
    ASSERT_EQ(counts.size(), 1u);
    EXPECT_EQ(counts.begin()->first, "1 01");
    EXPECT_EQ(counts.begin()->second, 10u);
    EXPECT_EQ(format_clbits(Circuit(0, 3), {true, false, false}), "001");  // no registers: c[n-1]..c[0]
}

TEST(run, bell_counts_within_four_sigma) {
    Circuit c;
    c.add_qreg("q", 2);
    c.add_creg("c", 2);
    c.h(0).cx(0, 1).measure(0, 0).measure(1, 1);
    core::Rng rng(2);
    const std::size_t shots = 10000;
    const Counts counts = CircuitRunner(c).counts(shots, rng);
    EXPECT_EQ(counts.size(), 2u);
    EXPECT_NEAR(frequency(counts, "00", shots), 0.5, four_sigma(0.5, shots));
    EXPECT_NEAR(frequency(counts, "11", shots), 0.5, four_sigma(0.5, shots));
}

TEST(run, measurements_followed_by_use_are_not_terminal) {
    Circuit gate_after(1, 1);
    gate_after.h(0).measure(0, 0).h(0);
    EXPECT_FALSE(CircuitRunner(gate_after).samples_from_one_simulation());

    Circuit condition_after;
    condition_after.add_qreg("q", 2);
    condition_after.add_creg("c", 1);
    condition_after.h(0).measure(0, 0);
    condition_after.append_gate(GateKind::x, Q1, {}, Condition{0, 1});
    const CircuitRunner runner(condition_after);
    EXPECT_FALSE(runner.samples_from_one_simulation());
    EXPECT_FALSE(runner.final_state_is_deterministic());

    Circuit terminal(2, 2);
    terminal.h(0).measure(0, 0).h(1).measure(1, 1);  // a gate on another qubit after a measurement
    EXPECT_TRUE(CircuitRunner(terminal).samples_from_one_simulation());
}

TEST(run, classical_control_corrects_every_shot) {
    // Measure a |+> qubit; flip qubit 1 only when the outcome was 1; qubit 1 then copies it.
    Circuit c;
    c.add_qreg("q", 2);
    c.add_creg("m", 1);
    c.add_creg("out", 1);
    c.h(0).measure(0, 0);
    c.append_gate(GateKind::x, Q1, {}, Condition{0, 1});
    c.measure(1, 1);
    core::Rng rng(3);
    const std::size_t shots = 4000;
    const Counts counts = CircuitRunner(c).counts(shots, rng);
    EXPECT_EQ(counts.size(), 2u);
    EXPECT_NEAR(frequency(counts, "1 1", shots), 0.5, four_sigma(0.5, shots));
    EXPECT_NEAR(frequency(counts, "0 0", shots), 0.5, four_sigma(0.5, shots));
}

TEST(run, conditions_on_unwritten_registers_read_zero) {
    Circuit c;
    c.add_qreg("q", 2);
    c.add_creg("c", 2);
    c.append_gate(GateKind::x, Q0, {}, Condition{0, 0});  // runs
    c.append_gate(GateKind::x, Q1, {}, Condition{0, 1});  // never runs
    c.measure(0, 0).measure(1, 1);
    core::Rng rng(4);
    const CircuitRunner runner(c);
    EXPECT_TRUE(runner.samples_from_one_simulation());
    const Counts counts = runner.counts(100, rng);
    ASSERT_EQ(counts.size(), 1u);
    EXPECT_EQ(counts.begin()->first, "01");
}

TEST(run, reset_mid_circuit) {
    Circuit c(1, 2);
    c.h(0).measure(0, 0);
    c.append_reset(0);
    c.measure(0, 1);
    core::Rng rng(5);
    const std::size_t shots = 4000;
    const Counts counts = CircuitRunner(c).counts(shots, rng);
    EXPECT_EQ(frequency(counts, "01", shots) + frequency(counts, "00", shots), 1.0);  // bit 1 always 0
    EXPECT_NEAR(frequency(counts, "01", shots), 0.5, four_sigma(0.5, shots));
    // A reset of a qubit nothing has touched changes nothing and keeps sampling from one run.
    Circuit fresh(2, 2);
    fresh.append_reset(1);
    fresh.h(0).measure(0, 0).measure(1, 1);
    EXPECT_TRUE(CircuitRunner(fresh).samples_from_one_simulation());
}

TEST(run, last_measurement_into_a_bit_wins) {
    Circuit c(2, 1);
    c.x(0).measure(0, 0).measure(1, 0);  // qubit 1 is |0>: the bit ends 0
    core::Rng rng(6);
    const Counts counts = CircuitRunner(c).counts(50, rng);
    ASSERT_EQ(counts.size(), 1u);
    EXPECT_EQ(counts.begin()->first, "0");
    Circuit body_later(2, 1);
    body_later.h(0).measure(0, 0).x(1).measure(1, 0).x(1);  // the second measurement is not terminal
    const Counts later = CircuitRunner(body_later).counts(50, rng);
    ASSERT_EQ(later.size(), 1u);
    EXPECT_EQ(later.begin()->first, "1");
}

TEST(run, same_seed_same_counts_and_both_paths_agree) {
    Circuit c;
    c.add_qreg("q", 3);
    c.add_creg("c", 3);
    const double angle[] = {0.9};
    c.append_gate(GateKind::ry, Q0, angle);
    c.cx(0, 1).h(2).measure(0, 0).measure(1, 1).measure(2, 2);
    core::Rng a(9), b(9);
    const CircuitRunner runner(c);
    EXPECT_EQ(runner.counts(500, a), runner.counts(500, b));
    // Per-shot simulation (forced by a gate after the last measurement) gives the same law.
    Circuit per_shot = c;
    per_shot.x(2);
    const CircuitRunner slow(per_shot);
    ASSERT_FALSE(slow.samples_from_one_simulation());
    core::Rng rng(10);
    const std::size_t shots = 4000;
    const Counts counts = slow.counts(shots, rng);
    const double p11 = std::pow(std::sin(0.45), 2) / 2;  // P(q0 q1 = 11, q2 = 0)
    EXPECT_NEAR(frequency(counts, "011", shots), p11, four_sigma(p11, shots));
}

// Three mid-circuit measurements of |+> qubits, each followed by a gate that depends on it: shots
// branch into 8 histories. Every memory budget (branching, one shot at a time from a scratch copy,
// every shot from the start) gives the uniform law within 4 sigma, and the same seed the same counts.
TEST(run, shot_branching_under_every_memory_budget) {
    Circuit c;
    c.add_qreg("q", 3);
    c.add_creg("m", 3);
    c.add_creg("out", 1);
    for (Qubit q = 0; q < 3; ++q) c.h(q).measure(q, q);
    c.append_gate(GateKind::x, Q0, {}, Condition{0, 5});  // flips qubit 0 back only for history 101
    c.measure(0, 3);
    const std::size_t shots = 8000;
    const std::size_t state_bytes = 16 << 3;
    for (std::size_t budget : {std::size_t{0}, 3 * state_bytes, state_bytes, state_bytes / 2}) {
        const CircuitRunner runner(c, {}, budget);
        EXPECT_FALSE(runner.samples_from_one_simulation());
        core::Rng rng(12), again(12);
        const Counts counts = runner.counts(shots, rng);
        EXPECT_EQ(counts, runner.counts(shots, again)) << budget;
        ASSERT_EQ(counts.size(), 8u) << budget;
        for (const auto& [key, count] : counts) {
            const bool flipped = key.substr(2) == "101";
            EXPECT_EQ(key[0], flipped ? '0' : key.back()) << key;  // out = qubit 0 after the correction
            EXPECT_NEAR(static_cast<double>(count) / shots, 0.125, four_sigma(0.125, shots)) << key << " " << budget;
        }
    }
}

TEST(run, final_state_stops_before_terminal_measurements) {
    Circuit c(2, 2);
    c.h(0).cx(0, 1).measure(0, 0).measure(1, 1);
    core::Rng rng(11);
    const CircuitRunner runner(c);
    EXPECT_TRUE(runner.final_state_is_deterministic());
    const StateVector psi = runner.final_state(rng);
    EXPECT_NEAR(std::norm(psi.amplitude(0b00)), 0.5, 1e-15);
    EXPECT_NEAR(std::norm(psi.amplitude(0b11)), 0.5, 1e-15);
    StateVector wrong(3);
    EXPECT_THROW(runner.run(wrong, rng), Error);
}

}  // namespace qkdlab::qsim
