// Trajectories averaged over many runs against the density matrix of the same noisy circuit: each
// observable's mean over N trajectories within 4 standard errors (sample standard deviation /
// sqrt(N)) of the exact value.

#include "qkdlab/qsim/trajectory.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "qkdlab/core/error.h"
#include "qkdlab/qsim/density_matrix.h"

namespace qkdlab::qsim {
namespace {

// One step of a noisy circuit, applied the same way to a density matrix or a trajectory.
struct Step {
    bool is_channel;
    GateKind gate;
    std::vector<Qubit> qubits;
    std::vector<double> params;
    std::optional<KrausChannel> channel;
};

Step gate(GateKind kind, std::vector<Qubit> qubits, std::vector<double> params = {}) {
    return {false, kind, std::move(qubits), std::move(params), std::nullopt};
}
Step noise(KrausChannel channel, std::vector<Qubit> qubits) {
    return {true, GateKind::i, std::move(qubits), {}, std::move(channel)};
}

void expect_trajectories_match(unsigned n, const std::vector<Step>& steps, const PauliString& observable,
                               std::uint64_t seed) {
    DensityMatrix rho(n);
    for (const Step& s : steps) {
        if (s.is_channel) {
            rho.apply_channel(*s.channel, s.qubits);
        } else {
            rho.apply_gate(s.gate, s.qubits, s.params);
        }
    }
    const double exact = rho.expectation(observable);

    core::Rng rng(seed);
    const std::size_t trajectories = 4000;
    double sum = 0, sum_squares = 0;
    for (std::size_t t = 0; t < trajectories; ++t) {
        StateVector psi(n);
        for (const Step& s : steps) {
            if (s.is_channel) {
                apply_channel_trajectory(psi, *s.channel, s.qubits, rng);
            } else {
                psi.apply_gate(s.gate, s.qubits, s.params);
            }
        }
        EXPECT_NEAR(psi.norm_squared(), 1, 1e-12);
        const double value = psi.expectation(observable);
        sum += value;
        sum_squares += value * value;
    }
    const double mean = sum / trajectories;
    const double variance = sum_squares / trajectories - mean * mean;
    const double standard_error = std::sqrt(std::max(variance, 1e-12) / trajectories);
    EXPECT_NEAR(mean, exact, 4 * standard_error) << observable.str() << ": exact " << exact;
}

// The channel of independent channels side by side: every product of one operator of each
// (Matrix::kron, the first part on the highest bits of the operator's index).
KrausChannel product(const std::vector<KrausChannel>& parts) {
    std::vector<Matrix> operators = {Matrix::identity(1)};
    for (const KrausChannel& part : parts) {
        std::vector<Matrix> next;
        for (const Matrix& a : operators)
            for (const Matrix& b : part.operators()) next.push_back(a.kron(b));
        operators = std::move(next);
    }
    return KrausChannel(std::move(operators));
}

}  // namespace

TEST(trajectory, amplitude_damping_of_plus) {
    // <X> = sqrt(1 - gamma): not a unitary mixture, so branch probabilities depend on the state.
    expect_trajectories_match(1, {gate(GateKind::h, {0}), noise(KrausChannel::amplitude_damping(0.3), {0})},
                              PauliString::parse("X"), 1);
    expect_trajectories_match(1, {gate(GateKind::h, {0}), noise(KrausChannel::amplitude_damping(0.3), {0})},
                              PauliString::parse("Z"), 2);
}

TEST(trajectory, depolarized_bell_pair) {
    const std::vector<Step> steps = {gate(GateKind::h, {0}), gate(GateKind::cx, {0, 1}),
                                     noise(KrausChannel::depolarizing2(0.3), {0, 1}),
                                     noise(KrausChannel::depolarizing(0.2), {1})};
    expect_trajectories_match(2, steps, PauliString::parse("ZZ"), 3);
    expect_trajectories_match(2, steps, PauliString::parse("XX"), 4);
}

TEST(trajectory, relaxing_three_qubit_circuit) {
    const KrausChannel idle = KrausChannel::thermal_relaxation(50, 40, 15);
    const std::vector<Step> steps = {
        gate(GateKind::h, {0}),
        gate(GateKind::cx, {0, 1}),
        noise(idle, {0}),
        noise(idle, {1}),
        gate(GateKind::ry, {2}, {1.1}),
        gate(GateKind::cz, {1, 2}),
        noise(KrausChannel::generalized_amplitude_damping(0.2, 0.9), {2}),
        noise(KrausChannel::reset_error(0.05, 0.02), {0}),
        gate(GateKind::h, {2}),
    };
    expect_trajectories_match(3, steps, PauliString::parse("ZZI"), 5);
    expect_trajectories_match(3, steps, PauliString::parse("XXZ"), 6);
    expect_trajectories_match(3, steps, PauliString::parse("IIX"), 7);
}

TEST(trajectory, channels_on_two_to_four_qubits_that_are_not_unitary_mixtures) {
    // Branch probabilities from the reduced state of 2, 3 and 4 qubits (fixed-size storage).
    const KrausChannel damping = KrausChannel::amplitude_damping(0.5);
    const KrausChannel two = product({damping, KrausChannel::phase_damping(0.4)});
    const KrausChannel three = product(
        {KrausChannel::amplitude_damping(0.3), KrausChannel::phase_damping(0.6), KrausChannel::amplitude_damping(0.2)});
    const KrausChannel four = product({damping, KrausChannel::bit_flip(0.2), KrausChannel({Matrix::identity(2)}),
                                       KrausChannel::amplitude_damping(0.3)});
    ASSERT_TRUE(two.mixture_weights().empty() && three.mixture_weights().empty() && four.mixture_weights().empty());
    const std::vector<Step> steps = {
        gate(GateKind::h, {0}),         gate(GateKind::h, {2}),         gate(GateKind::cx, {0, 1}),
        gate(GateKind::cx, {2, 3}),     gate(GateKind::ry, {1}, {0.8}), noise(two, {1, 3}),
        gate(GateKind::rx, {3}, {0.5}), noise(three, {2, 0, 3}),        gate(GateKind::cx, {1, 2}),
        noise(four, {3, 1, 0, 2}),      gate(GateKind::h, {0}),
    };
    expect_trajectories_match(4, steps, PauliString::parse("ZZII"), 9);
    expect_trajectories_match(4, steps, PauliString::parse("XIZY"), 10);
    expect_trajectories_match(4, steps, PauliString::parse("IZIZ"), 11);
}

TEST(trajectory, a_channel_on_five_qubits) {
    // Full damping of qubits 1 and 5 (I on the three between): |1> on both can only go to |0> on
    // both, through the product of the two decay operators, whatever the other qubits hold.
    const KrausChannel full = KrausChannel::amplitude_damping(1);
    const KrausChannel identity({Matrix::identity(2)});
    const KrausChannel channel = product({full, identity, identity, identity, full});
    const Qubit qubits[] = {5, 2, 3, 4, 1};
    core::Rng rng(12);
    StateVector psi(6);
    const Qubit q0[] = {0}, q1[] = {1}, q5[] = {5};
    psi.apply_gate(GateKind::h, q0);
    psi.apply_gate(GateKind::x, q1);
    psi.apply_gate(GateKind::x, q5);
    const std::size_t both_decay = channel.operators().size() - 1;  // sqrt(1)|0><1| on both
    EXPECT_EQ(apply_channel_trajectory(psi, channel, qubits, rng), both_decay);
    StateVector want(6);
    want.apply_gate(GateKind::h, q0);
    EXPECT_NEAR(psi.fidelity(want), 1, 1e-12);
    EXPECT_EQ(apply_channel_trajectory(psi, channel, qubits, rng), 0u);  // nothing left to decay
    EXPECT_NEAR(psi.fidelity(want), 1, 1e-12);
}

TEST(trajectory, large_states_are_left_in_the_renormalised_branch) {
    // 2^15 amplitudes: the reduced state is summed by several threads. The state after the step
    // must be K_k psi / ||K_k psi|| for the branch k returned, which checks the probability the
    // step computed; and branch 1 of amplitude damping on |+> comes with probability gamma / 2.
    const unsigned n = 15;
    const KrausChannel damping = KrausChannel::amplitude_damping(0.5);
    const KrausChannel damping2 = product({damping, KrausChannel::phase_damping(0.3)});
    core::Rng rng(13);
    StateVector start(n);
    for (Qubit q = 0; q < n; ++q) {
        const Qubit target[] = {q};
        const double angle[] = {0.3 + 0.1 * q};
        start.apply_gate(q == 4 ? GateKind::h : GateKind::ry, target, q == 4 ? std::span<const double>() : angle);
    }
    // Entangle the channel's qubits with the highest ones, so that every part of the state counts.
    const Qubit cx1[] = {4, 14}, cx2[] = {9, 13};
    start.apply_gate(GateKind::cx, cx1);
    start.apply_gate(GateKind::cx, cx2);
    const Qubit one[] = {4}, two[] = {4, 9};  // qubit 4 still |+> on its own
    const std::size_t trials = 60;
    std::size_t decays = 0;
    for (std::size_t t = 0; t < trials; ++t) {
        StateVector psi = start;
        const bool pair = t % 2 == 1;
        const KrausChannel& channel = pair ? damping2 : damping;
        const std::span<const Qubit> qubits = pair ? std::span<const Qubit>(two) : std::span<const Qubit>(one);
        const std::size_t branch = apply_channel_trajectory(psi, channel, qubits, rng);
        StateVector want = start;
        want.apply_matrix(channel.operators()[branch], qubits);
        const double p = want.norm_squared();
        ASSERT_GT(p, 0);
        EXPECT_NEAR(psi.norm_squared(), 1, 1e-12);
        EXPECT_NEAR(std::abs(psi.inner_product(want)) / std::sqrt(p), 1, 1e-12);
        if (!pair) decays += branch;
    }
    const double p_decay = 0.25, half = static_cast<double>(trials / 2);
    EXPECT_NEAR(static_cast<double>(decays) / half, p_decay, 4 * std::sqrt(p_decay * (1 - p_decay) / half));
}

TEST(trajectory, channel_size_must_match_its_qubits) {
    StateVector psi(2);
    core::Rng rng(8);
    const Qubit pair[] = {0, 1};
    EXPECT_THROW(apply_channel_trajectory(psi, KrausChannel::depolarizing(0.1), pair, rng), Error);
}

}  // namespace qkdlab::qsim
