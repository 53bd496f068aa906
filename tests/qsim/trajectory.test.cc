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

TEST(trajectory, channel_size_must_match_its_qubits) {
    StateVector psi(2);
    core::Rng rng(8);
    const Qubit pair[] = {0, 1};
    EXPECT_THROW(apply_channel_trajectory(psi, KrausChannel::depolarizing(0.1), pair, rng), Error);
}

}  // namespace qkdlab::qsim
