#include "qkdlab/qsim/state_vector.h"

#include <gtest/gtest.h>

#include <boost/random/uniform_int_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <cmath>
#include <numbers>

#include "allocation_counter.h"
#include "qkdlab/core/error.h"
#include "qkdlab/qsim/circuit_library.h"
#include "qkdlab/qsim/fusion.h"
#include "qkdlab/qsim/trajectory.h"
#include "support.h"

namespace qkdlab::qsim {
namespace {

using testing::embed;
using testing::four_sigma;
using testing::max_abs_diff;
using testing::multiply;
using testing::random_qubits;
using testing::random_state;
using testing::random_unitary;

constexpr double PI = std::numbers::pi;

std::vector<Complex> to_vector(const StateVector& psi) { return {psi.amplitudes().begin(), psi.amplitudes().end()}; }

}  // namespace

TEST(state_vector, starts_in_all_zeros) {
    const StateVector psi(3);
    EXPECT_EQ(psi.dim(), 8u);
    EXPECT_EQ(psi.amplitude(0), Complex(1));
    for (Index i = 1; i < 8; ++i) EXPECT_EQ(psi.amplitude(i), Complex(0));
}

TEST(state_vector, little_endian_qubit_order) {
    StateVector psi(3);
    const Qubit q1[] = {1};
    psi.apply_gate(GateKind::x, q1);
    EXPECT_EQ(psi.amplitude(0b010), Complex(1));  // qubit 1 is bit 1 of the basis index
}

// Random circuits of up to 8 qubits over every gate kind and controlled unitaries, against the
// dense reference (each operator embedded in the full 2^n space and multiplied): error <= 1e-12.
TEST(state_vector, random_circuits_match_dense_reference) {
    core::Rng rng(11);
    boost::random::uniform_real_distribution<double> angle(-2 * PI, 2 * PI);
    const auto kinds = all_gate_kinds();
    for (unsigned n = 1; n <= 8; ++n) {
        StateVector psi = random_state(n, rng);
        std::vector<Complex> want = to_vector(psi);
        for (int step = 0; step < 40; ++step) {
            const bool unitary = step % 5 == 4;
            if (!unitary) {
                const GateKind kind =
                    kinds[boost::random::uniform_int_distribution<std::size_t>(0, kinds.size() - 1)(rng)];
                const GateInfo& info = gate_info(kind);
                if (info.num_qubits > n) continue;
                const std::vector<Qubit> qubits = random_qubits(info.num_qubits, n, rng);
                std::vector<double> params(info.num_params);
                for (double& p : params) p = angle(rng);
                psi.apply_gate(kind, qubits, params);
                want = multiply(embed(gate_matrix(kind, params), qubits, {}, n), want);
            } else {
                const unsigned k = 1 + step % std::min(n, 3u);
                const unsigned controls = std::min(n - k, 2u);
                const std::vector<Qubit> qubits = random_qubits(k + controls, n, rng);
                const std::span<const Qubit> targets(qubits.data(), k), ctrl(qubits.data() + k, controls);
                const Matrix m = random_unitary(k, rng);
                psi.apply_matrix(m, targets, ctrl);
                want = multiply(embed(m, targets, ctrl, n), want);
            }
        }
        EXPECT_LE(max_abs_diff(to_vector(psi), want), 1e-12) << "n=" << n;
        EXPECT_NEAR(psi.norm_squared(), 1.0, 1e-12);
    }
}

TEST(state_vector, bell_and_ghz_states) {
    StateVector bell(2);
    FusedProgram(ghz_circuit(2).operations(), 2).run(bell);
    const double r = 1 / std::numbers::sqrt2;
    EXPECT_NEAR(std::abs(bell.amplitude(0b00) - r), 0, 1e-15);
    EXPECT_NEAR(std::abs(bell.amplitude(0b11) - r), 0, 1e-15);
    EXPECT_NEAR(std::abs(bell.amplitude(0b01)), 0, 1e-15);
    EXPECT_NEAR(bell.expectation(PauliString::parse("XX")), 1, 1e-14);
    EXPECT_NEAR(bell.expectation(PauliString::parse("YY")), -1, 1e-14);
    EXPECT_NEAR(bell.expectation(PauliString::parse("ZZ")), 1, 1e-14);
    EXPECT_NEAR(bell.expectation(PauliString::parse("-ZZ")), -1, 1e-14);
    EXPECT_NEAR(bell.expectation(PauliString::parse("ZI")), 0, 1e-14);
    EXPECT_NEAR(bell.expectation(PauliString::parse("XY")), 0, 1e-14);

    const unsigned n = 12;
    StateVector ghz(n);
    FusedProgram(ghz_circuit(n).operations(), n).run(ghz);
    const std::vector<double> p = ghz.probabilities();
    EXPECT_NEAR(p.front(), 0.5, 1e-14);
    EXPECT_NEAR(p.back(), 0.5, 1e-14);
    EXPECT_NEAR(ghz.expectation(PauliString::parse(std::string(n, 'X'))), 1, 1e-12);
}

TEST(state_vector, qft_of_a_basis_state_has_the_textbook_phases) {
    const unsigned n = 7;
    const Index x = 0b1011001;
    StateVector psi(n);
    psi.set_basis_state(x);
    FusedProgram(qft_circuit(n).operations(), n).run(psi);
    const double size = std::ldexp(1.0, static_cast<int>(n));
    for (Index k = 0; k < psi.dim(); ++k) {
        const Complex want = std::polar(1 / std::sqrt(size), 2 * PI * static_cast<double>(x * k) / size);
        EXPECT_NEAR(std::abs(psi.amplitude(k) - want), 0, 1e-13) << k;
    }
}

TEST(state_vector, measurement_frequencies_within_four_sigma) {
    core::Rng rng(3);
    const double theta = 1.1;
    const double p1 = std::pow(std::sin(theta / 2), 2);
    const std::size_t shots = 20000;
    std::size_t ones = 0;
    const Qubit q[] = {0};
    const double angle[] = {theta};
    for (std::size_t s = 0; s < shots; ++s) {
        StateVector psi(2);
        psi.apply_gate(GateKind::ry, q, angle);
        const int first = psi.measure(0, rng);
        EXPECT_EQ(psi.measure(0, rng), first);  // collapsed: a repeated measurement agrees
        EXPECT_NEAR(psi.norm_squared(), 1, 1e-12);
        ones += static_cast<std::size_t>(first);
    }
    EXPECT_NEAR(static_cast<double>(ones) / shots, p1, four_sigma(p1, shots));
}

TEST(state_vector, reset_puts_a_qubit_in_zero_and_keeps_the_rest) {
    core::Rng rng(8);
    for (int trial = 0; trial < 20; ++trial) {
        StateVector psi(2);
        const Qubit q0[] = {0}, q1[] = {1};
        psi.apply_gate(GateKind::h, q0);
        psi.apply_gate(GateKind::x, q1);
        psi.reset(0, rng);
        EXPECT_NEAR(psi.probability_one(0), 0, 1e-15);
        EXPECT_NEAR(psi.probability_one(1), 1, 1e-15);
    }
}

TEST(state_vector, sampling_matches_the_distribution_within_four_sigma) {
    core::Rng rng(21);
    const StateVector psi = random_state(4, rng);
    const std::size_t shots = 200000;
    const std::vector<Index> samples = psi.sample(shots, rng);
    ASSERT_EQ(samples.size(), shots);
    std::vector<std::size_t> counts(psi.dim());
    for (Index s : samples) ++counts.at(s);
    const std::vector<double> p = psi.probabilities();
    for (Index i = 0; i < psi.dim(); ++i)
        EXPECT_NEAR(static_cast<double>(counts[i]) / shots, p[i], four_sigma(p[i], shots)) << i;
    core::Rng again(77), again2(77);
    EXPECT_EQ(psi.sample(1000, again), psi.sample(1000, again2));
}

TEST(state_vector, sampling_a_large_state_walks_every_block) {
    // 2^16 amplitudes: many sampling blocks; the GHZ state puts the mass in the first and last.
    const unsigned n = 16;
    StateVector psi(n);
    FusedProgram(ghz_circuit(n).operations(), n).run(psi);
    core::Rng rng(4);
    const std::size_t shots = 10000;
    std::size_t top = 0;
    for (Index s : psi.sample(shots, rng)) {
        ASSERT_TRUE(s == 0 || s == psi.dim() - 1) << s;
        top += s != 0;
    }
    EXPECT_NEAR(static_cast<double>(top) / shots, 0.5, four_sigma(0.5, shots));
}

TEST(state_vector, expectation_matches_dense_pauli_matrices) {
    core::Rng rng(13);
    const unsigned n = 4;
    const StateVector psi = random_state(n, rng);
    const Matrix paulis[] = {Matrix::identity(2), Matrix(2, {0, 1, 1, 0}),
                             Matrix(2, {0, Complex(0, -1), Complex(0, 1), 0}), Matrix(2, {1, 0, 0, -1})};
    for (const char* text : {"XYZI", "-YYXZ", "ZIIZ", "IXIY", "YYYY"}) {
        const PauliString p = PauliString::parse(text);
        Matrix full = Matrix::identity(1);
        for (Pauli letter : p.paulis) full = paulis[static_cast<int>(letter)].kron(full);  // qubit k on bit k
        const std::vector<Complex> v = to_vector(psi);
        const std::vector<Complex> pv = multiply(full, v);
        Complex want = 0;
        for (std::size_t i = 0; i < v.size(); ++i) want += std::conj(v[i]) * pv[i];
        EXPECT_NEAR(psi.expectation(p), p.negative ? -want.real() : want.real(), 1e-13) << text;
    }
}

TEST(state_vector, reduced_density_matrices) {
    StateVector bell(3);  // a Bell pair on qubits 0 and 1, qubit 2 in |0>
    const Qubit h0[] = {0}, cx01[] = {0, 1};
    bell.apply_gate(GateKind::h, h0);
    bell.apply_gate(GateKind::cx, cx01);
    const Qubit q0[] = {0}, q2[] = {2}, q01[] = {0, 1};
    const Matrix half = [] {
        Matrix m = Matrix::identity(2);
        m *= 0.5;
        return m;
    }();
    EXPECT_LE(bell.reduced_density_matrix(q0).max_abs_diff(half), 1e-15);
    const Matrix zero(2, {1, 0, 0, 0});
    EXPECT_LE(bell.reduced_density_matrix(q2).max_abs_diff(zero), 1e-15);
    const Matrix rho01 = bell.reduced_density_matrix(q01);
    EXPECT_NEAR(rho01(0, 3).real(), 0.5, 1e-15);  // coherence between |00> and |11>
    EXPECT_NEAR(rho01(3, 3).real(), 0.5, 1e-15);
}

TEST(state_vector, inner_product_and_fidelity) {
    core::Rng rng(17);
    const StateVector a = random_state(5, rng);
    const StateVector b = random_state(5, rng);
    EXPECT_NEAR(std::abs(a.inner_product(a) - Complex(1)), 0, 1e-14);
    EXPECT_NEAR(a.fidelity(a), 1, 1e-14);
    Complex want = 0;
    for (Index i = 0; i < a.dim(); ++i) want += std::conj(a.amplitude(i)) * b.amplitude(i);
    EXPECT_NEAR(std::abs(a.inner_product(b) - want), 0, 1e-14);
    StateVector zero(1), one(1);
    const Qubit q[] = {0};
    one.apply_gate(GateKind::x, q);
    EXPECT_EQ(zero.fidelity(one), 0);
    EXPECT_THROW((void)a.inner_product(StateVector(4)), Error);
}

TEST(state_vector, marginal_probabilities) {
    core::Rng rng(19);
    const StateVector psi = random_state(5, rng);
    const Qubit qs[] = {3, 1};
    const std::vector<double> marginal = psi.probabilities(qs);
    const std::vector<double> full = psi.probabilities();
    std::vector<double> want(4, 0);
    for (Index i = 0; i < psi.dim(); ++i) want[((i >> 3) & 1) | (((i >> 1) & 1) << 1)] += full[i];
    for (std::size_t k = 0; k < 4; ++k) EXPECT_NEAR(marginal[k], want[k], 1e-15);
    EXPECT_NEAR(psi.probability_one(3), want[1] + want[3], 1e-15);
}

TEST(state_vector, uniform_superposition_of_twenty_qubits) {
    const unsigned n = 20;
    StateVector psi(n);
    for (Qubit q = 0; q < n; ++q) {
        const Qubit qs[] = {q};
        psi.apply_gate(GateKind::h, qs);
    }
    const double p = std::ldexp(1.0, -static_cast<int>(n));
    const std::vector<double> probs = psi.probabilities();
    for (Index i = 0; i < psi.dim(); i += 4097) EXPECT_NEAR(probs[i], p, 1e-18);
    EXPECT_NEAR(psi.norm_squared(), 1, 1e-12);
    const StateVector copy = psi;
    EXPECT_NEAR(copy.fidelity(psi), 1, 1e-12);
}

TEST(state_vector, applying_gates_allocates_nothing) {
    StateVector psi(10);
    const Qubit one[] = {3}, two[] = {7, 2}, three[] = {0, 9, 5};
    const double angle[] = {0.3}, angles[] = {0.1, 0.2, 0.3};
    const std::size_t before = testing::allocation_count();
    for (int round = 0; round < 10; ++round) {
        psi.apply_gate(GateKind::h, one);
        psi.apply_gate(GateKind::rz, one, angle);
        psi.apply_gate(GateKind::u3, one, angles);
        psi.apply_gate(GateKind::cx, two);
        psi.apply_gate(GateKind::rxx, two, angle);
        psi.apply_gate(GateKind::cp, two, angle);
        psi.apply_gate(GateKind::ccx, three);
        psi.apply_gate(GateKind::cswap, three);
    }
    EXPECT_EQ(testing::allocation_count() - before, 0u);
    const Matrix m = gate_matrix(GateKind::h, {});  // the counter does see allocations
    EXPECT_GT(testing::allocation_count() - before, 0u);
}

TEST(state_vector, passes_below_and_above_the_thread_threshold_match_direct_sums) {
    // 2^15 amplitudes run on the calling thread, 2^17 are split between OpenMP threads
    // (qsim/statevector/threads.h); both must give the plain sums over the amplitudes.
    for (const unsigned n : {15u, 17u}) {
        core::Rng rng(40 + n);
        StateVector psi = random_state(n, rng);
        const StateVector other = random_state(n, rng);
        const auto a = psi.amplitudes();
        const auto b = other.amplitudes();
        const Qubit low = 0, high = n - 1;
        double norm = 0, p1_low = 0, p1_high = 0;
        Complex overlap = 0, xyz = 0;
        std::vector<double> marginal(4, 0.0);
        Matrix rho(4);
        const Index x_mask = Index{1} << 2, y_mask = Index{1} << 5, z_mask = Index{1} << high;
        for (Index i = 0; i < psi.dim(); ++i) {
            norm += std::norm(a[i]);
            if (i & 1) p1_low += std::norm(a[i]);
            if ((i >> high) & 1) p1_high += std::norm(a[i]);
            overlap += std::conj(a[i]) * b[i];
            marginal[((i >> high) & 1) | (((i >> 3) & 1) << 1)] += std::norm(a[i]);
            // <psi| X_2 Y_5 Z_high |psi>: Y|0> = i|1>, Y|1> = -i|0>.
            const Index j = i ^ x_mask ^ y_mask;
            Complex phase = (i & y_mask) ? Complex(0, -1) : Complex(0, 1);
            if (i & z_mask) phase = -phase;
            xyz += std::conj(a[j]) * phase * a[i];
            if ((i & 0b11) == 0)
                for (unsigned r = 0; r < 4; ++r)
                    for (unsigned c = 0; c < 4; ++c) rho(r, c) += a[i | r] * std::conj(a[i | c]);
        }
        EXPECT_NEAR(psi.norm_squared(), norm, 1e-12) << n;
        EXPECT_NEAR(psi.probability_one(low), p1_low, 1e-12) << n;
        EXPECT_NEAR(psi.probability_one(high), p1_high, 1e-12) << n;
        EXPECT_NEAR(std::abs(psi.inner_product(other) - overlap), 0, 1e-12) << n;
        const Qubit marginal_qubits[] = {high, 3};
        const std::vector<double> got = psi.probabilities(marginal_qubits);
        for (std::size_t k = 0; k < 4; ++k) EXPECT_NEAR(got[k], marginal[k], 1e-12) << n;
        std::string pauli(n, 'I');
        pauli[2] = 'X';
        pauli[5] = 'Y';
        pauli[high] = 'Z';
        EXPECT_NEAR(psi.expectation(PauliString::parse(pauli)), xyz.real(), 1e-12) << n;
        const Qubit pair[] = {0, 1};
        const Matrix reduced = psi.reduced_density_matrix(pair);
        for (unsigned r = 0; r < 4; ++r)
            for (unsigned c = 0; c < 4; ++c) EXPECT_NEAR(std::abs(reduced(r, c) - rho(r, c)), 0, 1e-12) << n;
        // A projection keeps the renormalised half of the state.
        const Index top = Index{1} << high;
        const Complex kept = psi.amplitude(top + 7);
        psi.project(high, 1);
        EXPECT_NEAR(psi.norm_squared(), 1, 1e-12) << n;
        EXPECT_NEAR(psi.probability_one(high), 1, 1e-12) << n;
        EXPECT_NEAR(std::abs(psi.amplitude(top + 7) - kept / std::sqrt(p1_high)), 0, 1e-12) << n;
        EXPECT_EQ(psi.amplitude(7), Complex(0)) << n;
        const StateVector copy = psi;
        EXPECT_NEAR(copy.fidelity(psi), 1, 1e-12) << n;
        psi.set_basis_state(3);
        EXPECT_EQ(psi.norm_squared(), 1);
        EXPECT_EQ(psi.amplitude(3), Complex(1));
    }
}

TEST(state_vector, measuring_and_trajectory_steps_allocate_nothing) {
    // The steps a small-state emulator repeats millions of times (qkd qubit mode): gates, channels
    // sampled by trajectory, measurements. One- and two-qubit channels, mixtures of unitaries and
    // not; a small state and one large enough for threads.
    const KrausChannel depolarizing = KrausChannel::depolarizing(0.3);
    const KrausChannel depolarizing2 = KrausChannel::depolarizing2(0.2);
    const KrausChannel damping = KrausChannel::amplitude_damping(0.4);
    const KrausChannel relaxation = KrausChannel::thermal_relaxation(50, 40, 15);
    const KrausChannel damping2(
        {damping.operators()[0].kron(damping.operators()[0]), damping.operators()[0].kron(damping.operators()[1]),
         damping.operators()[1].kron(damping.operators()[0]), damping.operators()[1].kron(damping.operators()[1])});
    ASSERT_TRUE(damping2.mixture_weights().empty());
    core::Rng rng(23);
    for (const unsigned n : {3u, 17u}) {
        StateVector psi(n);
        const Qubit one[] = {1}, two[] = {2, 0};
        const double angle[] = {0.7};
        const std::size_t before = testing::allocation_count();
        for (int round = 0; round < (n < 10 ? 20 : 2); ++round) {
            psi.apply_gate(GateKind::ry, one, angle);
            psi.apply_gate(GateKind::cx, two);
            apply_channel_trajectory(psi, depolarizing, one, rng);
            apply_channel_trajectory(psi, depolarizing2, two, rng);
            apply_channel_trajectory(psi, damping, one, rng);
            apply_channel_trajectory(psi, relaxation, one, rng);
            apply_channel_trajectory(psi, damping2, two, rng);
            (void)psi.measure(0, rng);
            psi.reset(2, rng);
            (void)psi.probability_one(1);
            (void)psi.norm_squared();
            psi.set_basis_state(round % 8);
        }
        EXPECT_EQ(testing::allocation_count() - before, 0u) << n << " qubits";
    }
}

TEST(state_vector, bad_arguments_are_errors) {
    EXPECT_THROW(StateVector(MAX_STATE_VECTOR_QUBITS + 1), Error);
    StateVector psi(3);
    const Qubit out[] = {3}, twice[] = {1, 1}, pair[] = {0, 1};
    EXPECT_THROW(psi.apply_gate(GateKind::h, out), Error);
    EXPECT_THROW(psi.apply_gate(GateKind::cx, twice), Error);
    EXPECT_THROW(psi.apply_gate(GateKind::h, pair), Error);
    EXPECT_THROW(psi.apply_matrix(Matrix::identity(2), pair), Error);
    EXPECT_THROW(psi.set_basis_state(8), Error);
    const std::vector<Complex> unnormalised(8, Complex(1));
    EXPECT_THROW(psi.set_amplitudes(unnormalised), Error);
    EXPECT_THROW((void)psi.expectation(PauliString::parse("XXXX")), Error);
    EXPECT_EQ(psi.amplitude(0), Complex(1));  // untouched by the failed calls
}

}  // namespace qkdlab::qsim
