#include "qkdlab/qsim/density_matrix.h"

#include <gtest/gtest.h>

#include <boost/random/uniform_int_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <cmath>
#include <numbers>

#include "qkdlab/core/error.h"
#include "support.h"

namespace qkdlab::qsim {
namespace {

using testing::four_sigma;
using testing::random_qubits;
using testing::random_state;
using testing::random_unitary;

Matrix outer(const StateVector& psi) {
    Matrix m(psi.dim());
    for (Index r = 0; r < psi.dim(); ++r)
        for (Index c = 0; c < psi.dim(); ++c) m(r, c) = psi.amplitude(r) * std::conj(psi.amplitude(c));
    return m;
}

const Qubit Q0[] = {0}, Q1[] = {1};

}  // namespace

// On pure states every gate must give |psi'><psi'| with psi' from the state vector: every gate
// kind (one-pass superoperators for one and two qubits, two passes for three) and controlled
// unitaries of 1 to 3 targets.
TEST(density_matrix, pure_states_follow_the_state_vector) {
    core::Rng rng(1);
    boost::random::uniform_real_distribution<double> angle(-4, 4);
    const auto kinds = all_gate_kinds();
    for (unsigned n : {1u, 3u, 5u}) {
        StateVector psi = random_state(n, rng);
        DensityMatrix rho(psi);
        for (int step = 0; step < 30; ++step) {
            if (step % 6 == 5 && n > 1) {
                const unsigned k = 1 + step % std::min(n - 1, 3u);
                const std::vector<Qubit> qubits = random_qubits(k + 1, n, rng);
                const auto targets = std::span<const Qubit>(qubits).first(k),
                           controls = std::span<const Qubit>(qubits).last(1);
                const Matrix u = random_unitary(k, rng);
                psi.apply_matrix(u, targets, controls);
                rho.apply_matrix(u, targets, controls);
                continue;
            }
            const GateKind kind = kinds[boost::random::uniform_int_distribution<std::size_t>(0, kinds.size() - 1)(rng)];
            if (gate_info(kind).num_qubits > n) continue;
            std::vector<double> params(gate_info(kind).num_params);
            for (double& p : params) p = angle(rng);
            const std::vector<Qubit> qubits = random_qubits(gate_info(kind).num_qubits, n, rng);
            psi.apply_gate(kind, qubits, params);
            rho.apply_gate(kind, qubits, params);
        }
        EXPECT_LE(rho.to_matrix().max_abs_diff(outer(psi)), 1e-12) << "n=" << n;
        EXPECT_NEAR(rho.purity(), 1, 1e-12);
        EXPECT_NEAR(rho.fidelity(psi), 1, 1e-12);
        const PauliString p = PauliString::parse(std::string("XYZXY").substr(0, n));
        EXPECT_NEAR(rho.expectation(p), psi.expectation(p), 1e-12);
    }
}

// P(1) of an idle qubit prepared in |1> is exp(-t/T1) (T1 = 50 us).
TEST(density_matrix, relaxation_from_one_decays_as_exp_minus_t_over_t1) {
    const double t1 = 50, t2 = 60;
    for (double t : {0.0, 5.0, 25.0, 50.0, 200.0}) {
        DensityMatrix rho(2);
        rho.apply_gate(GateKind::x, Q1);
        rho.apply_channel(KrausChannel::thermal_relaxation(t1, t2, t), Q1);
        EXPECT_NEAR(rho.probability_one(1), std::exp(-t / t1), 1e-14) << t;
        EXPECT_NEAR(rho.trace(), 1, 1e-14);
    }
}

// Ramsey: the coherence of |+> decays as exp(-t/T2), so <X> = exp(-t/T2).
TEST(density_matrix, ramsey_coherence_decays_as_exp_minus_t_over_t2) {
    const double t1 = 80, t2 = 45;
    for (double t : {0.0, 10.0, 45.0, 120.0}) {
        DensityMatrix rho(1);
        rho.apply_gate(GateKind::h, Q0);
        rho.apply_channel(KrausChannel::thermal_relaxation(t1, t2, t), Q0);
        EXPECT_NEAR(rho.expectation(PauliString::parse("X")), std::exp(-t / t2), 1e-14) << t;
        EXPECT_NEAR(std::abs(rho.element(0, 1)), 0.5 * std::exp(-t / t2), 1e-14) << t;
    }
}

// Depolarizing p on one qubit of a pure state: rho -> (1 - p) rho + p I/2, so F = 1 - p/2. The
// two-qubit channel on a Bell pair: (1 - p) rho + p I/4, so F = (1 - p) + p/4 and the purity is
// (1 - p)^2 + 2 (1 - p) p/4 + p^2/4.
TEST(density_matrix, fidelity_after_depolarizing) {
    core::Rng rng(4);
    const StateVector psi = random_state(1, rng);
    for (double p : {0.0, 0.1, 0.5, 1.0}) {
        DensityMatrix rho(psi);
        rho.apply_channel(KrausChannel::depolarizing(p), Q0);
        EXPECT_NEAR(rho.fidelity(psi), 1 - p / 2, 1e-14) << p;
    }
    StateVector bell(2);
    const Qubit pair[] = {0, 1};
    bell.apply_gate(GateKind::h, Q0);
    bell.apply_gate(GateKind::cx, pair);
    DensityMatrix rho(bell);
    rho.apply_channel(KrausChannel::depolarizing2(0.4), pair);
    EXPECT_NEAR(rho.fidelity(bell), 0.6 + 0.4 / 4, 1e-14);
    EXPECT_NEAR(rho.purity(), 0.6 * 0.6 + 2 * 0.6 * 0.4 / 4 + 0.4 * 0.4 / 4, 1e-14);
}

// Amplitude damping gamma of |+>: [[1 - (1-g)/2, sqrt(1-g)/2], [sqrt(1-g)/2, (1-g)/2]].
TEST(density_matrix, amplitude_damping_of_plus) {
    const double g = 0.36;
    DensityMatrix rho(1);
    rho.apply_gate(GateKind::h, Q0);
    rho.apply_channel(KrausChannel::amplitude_damping(g), Q0);
    const double c = std::sqrt(1 - g) / 2;
    EXPECT_LE(rho.to_matrix().max_abs_diff(Matrix(2, {1 - (1 - g) / 2, c, c, (1 - g) / 2})), 1e-15);
}

TEST(density_matrix, gate_then_channel_in_one_pass_equals_two_steps) {
    core::Rng rng(5);
    const StateVector psi = random_state(3, rng);
    const Qubit pair[] = {2, 0};
    const double angle[] = {0.7};
    DensityMatrix one(psi), two(psi);
    one.apply_gate_then_channel(GateKind::crx, pair, angle, KrausChannel::depolarizing2(0.3));
    two.apply_gate(GateKind::crx, pair, angle);
    two.apply_channel(KrausChannel::depolarizing2(0.3), pair);
    EXPECT_LE(one.to_matrix().max_abs_diff(two.to_matrix()), 1e-14);
    const Qubit q[] = {1};
    one.apply_gate_then_channel(GateKind::h, q, {}, KrausChannel::amplitude_damping(0.2));
    two.apply_gate(GateKind::h, q);
    two.apply_channel(KrausChannel::amplitude_damping(0.2), q);
    EXPECT_LE(one.to_matrix().max_abs_diff(two.to_matrix()), 1e-14);
}

TEST(density_matrix, measurement_frequencies_within_four_sigma_and_reset) {
    core::Rng rng(6);
    const double theta = 2.0, p1 = std::pow(std::sin(theta / 2), 2);
    const std::size_t shots = 10000;
    std::size_t ones = 0;
    const double angle[] = {theta};
    for (std::size_t s = 0; s < shots; ++s) {
        DensityMatrix rho(1);
        rho.apply_gate(GateKind::ry, Q0, angle);
        const int outcome = rho.measure(0, rng);
        ones += static_cast<std::size_t>(outcome);
        EXPECT_NEAR(rho.probability_one(0), outcome, 1e-12);
    }
    EXPECT_NEAR(static_cast<double>(ones) / shots, p1, four_sigma(p1, shots));
    // Reset of one qubit of a Bell pair leaves |0><0| ⊗ I/2.
    DensityMatrix bell(2);
    const Qubit pair[] = {0, 1};
    bell.apply_gate(GateKind::h, Q0);
    bell.apply_gate(GateKind::cx, pair);
    bell.reset(0, rng);
    EXPECT_LE(bell.to_matrix().max_abs_diff(Matrix(4, {0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, 0})), 1e-15);
    EXPECT_THROW(bell.project(0, 1), Error);  // qubit 0 is |0> now
}

TEST(density_matrix, reduced_states_of_a_bell_pair_are_maximally_mixed) {
    DensityMatrix rho(3);
    const Qubit pair[] = {0, 2};
    rho.apply_gate(GateKind::h, Q0);
    rho.apply_gate(GateKind::cx, pair);
    Matrix half = Matrix::identity(2);
    half *= 0.5;
    const Qubit q2[] = {2};
    EXPECT_LE(rho.reduced_density_matrix(q2).max_abs_diff(half), 1e-15);
    EXPECT_NEAR(rho.reduced_density_matrix(pair)(0, 3).real(), 0.5, 1e-15);
}

TEST(density_matrix, bad_arguments_are_errors) {
    EXPECT_THROW(DensityMatrix(MAX_DENSITY_MATRIX_QUBITS + 1), Error);
    DensityMatrix rho(2);
    const Qubit out[] = {2}, pair[] = {0, 1};
    EXPECT_THROW(rho.apply_gate(GateKind::h, out), Error);
    EXPECT_THROW(rho.apply_channel(KrausChannel::depolarizing(0.1), pair), Error);  // one-qubit channel, two qubits
    EXPECT_THROW(rho.apply_channel(KrausChannel::depolarizing2(0.1), Q0), Error);
    EXPECT_THROW((void)rho.fidelity(StateVector(3)), Error);
    EXPECT_NEAR(rho.trace(), 1, 0);
}

}  // namespace qkdlab::qsim
