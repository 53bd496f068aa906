#include "qkdlab/qsim/measures.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "qkdlab/core/error.h"
#include "qkdlab/qsim/density_matrix.h"
#include "support.h"

namespace qkdlab::qsim {
namespace {

const double SQRT2 = std::numbers::sqrt2;

// p |Phi+><Phi+| + (1 - p) I/4.
Matrix werner(double p) {
    DensityMatrix rho(2);
    const Qubit q0[] = {0}, pair[] = {0, 1};
    rho.apply_gate(GateKind::h, q0);
    rho.apply_gate(GateKind::cx, pair);
    rho.apply_channel(KrausChannel::depolarizing2(1 - p), pair);
    return rho.to_matrix();
}

Matrix pure(std::initializer_list<Complex> amplitudes) {
    const std::vector<Complex> a(amplitudes);
    Matrix m(a.size());
    for (std::size_t r = 0; r < a.size(); ++r)
        for (std::size_t c = 0; c < a.size(); ++c) m(r, c) = a[r] * std::conj(a[c]);
    return m;
}

// <A ⊗ (B + B') + A' ⊗ (B - B')> computed directly from the settings.
double chsh_of(const Matrix& rho, const ChshSettings& s) {
    const Matrix x(2, {0, 1, 1, 0}), y(2, {0, Complex(0, -1), Complex(0, 1), 0}), z(2, {1, 0, 0, -1});
    const auto spin = [&](const std::array<double, 3>& n) {
        Matrix m = x;
        m *= n[0];
        Matrix my = y, mz = z;
        my *= n[1];
        mz *= n[2];
        return m + my + mz;
    };
    const auto correlation = [&](const std::array<double, 3>& alice, const std::array<double, 3>& bob) {
        const Matrix op = spin(bob).kron(spin(alice));  // Alice on the low bit
        Complex trace = 0;
        for (std::size_t r = 0; r < 4; ++r)
            for (std::size_t k = 0; k < 4; ++k) trace += rho(r, k) * op(k, r);
        return trace.real();
    };
    return correlation(s.a, s.b) + correlation(s.a, s.b_prime) + correlation(s.a_prime, s.b) -
           correlation(s.a_prime, s.b_prime);
}

}  // namespace

TEST(measures, werner_state_chsh_is_2_sqrt2_p) {
    for (double p : {1.0, 0.9, 1 / SQRT2, 0.5, 0.0}) {
        const Matrix rho = werner(p);
        const ChshSettings s = max_chsh(rho);
        EXPECT_NEAR(s.value, 2 * SQRT2 * p, 1e-12) << p;
        EXPECT_NEAR(chsh_of(rho, s), s.value, 1e-12) << "the settings reach the value, p = " << p;
        // Wootters and Peres-Horodecki for Werner states: C = max(0, (3p - 1)/2), N = max(0, (3p - 1)/4).
        // (square roots of eigenvalues near zero carry about 1e-8 of rounding, hence 1e-7)
        EXPECT_NEAR(concurrence(rho), std::max(0.0, (3 * p - 1) / 2), 1e-7) << p;
        EXPECT_NEAR(negativity(rho), std::max(0.0, (3 * p - 1) / 4), 1e-12) << p;
    }
}

TEST(measures, entropy_purity_and_reduced_states) {
    const Matrix bell = werner(1);
    EXPECT_NEAR(von_neumann_entropy(bell), 0, 1e-12);
    EXPECT_NEAR(purity(bell), 1, 1e-12);
    DensityMatrix rho(2);
    const Qubit q0[] = {0}, pair[] = {0, 1};
    rho.apply_gate(GateKind::h, q0);
    rho.apply_gate(GateKind::cx, pair);
    EXPECT_NEAR(von_neumann_entropy(rho.reduced_density_matrix(q0)), 1, 1e-12);  // one ebit
    Matrix mixed = Matrix::identity(4);
    mixed *= 0.25;
    EXPECT_NEAR(von_neumann_entropy(mixed), 2, 1e-12);
    EXPECT_NEAR(purity(mixed), 0.25, 1e-15);
}

TEST(measures, fidelity_and_trace_distance) {
    const double r = 1 / SQRT2;
    const Matrix zero = pure({1, 0}), one = pure({0, 1}), plus = pure({r, r});
    EXPECT_NEAR(trace_distance(zero, one), 1, 1e-12);
    EXPECT_NEAR(trace_distance(zero, plus), r, 1e-12);
    EXPECT_NEAR(fidelity(zero, plus), 0.5, 1e-12);
    EXPECT_NEAR(fidelity(zero, zero), 1, 1e-12);
    // Commuting states: F = (sum sqrt(p_i q_i))^2.
    const Matrix a(2, {0.7, 0, 0, 0.3}), b(2, {0.2, 0, 0, 0.8});
    EXPECT_NEAR(fidelity(a, b), std::pow(std::sqrt(0.14) + std::sqrt(0.24), 2), 1e-12);
    EXPECT_NEAR(trace_distance(a, b), 0.5, 1e-12);
    const std::vector<Complex> psi = {r, r};
    EXPECT_NEAR(fidelity(a, psi), 0.5, 1e-15);
    // Uhlmann against a pure state agrees with <psi|rho|psi>.
    EXPECT_NEAR(fidelity(werner(0.6), werner(1)), fidelity(werner(0.6), std::vector<Complex>{r, 0, 0, r}), 1e-10);
}

TEST(measures, partial_trace_matches_the_density_matrix) {
    DensityMatrix rho(3);
    const Qubit q0[] = {0}, pair[] = {0, 2}, kept[] = {2, 1};
    rho.apply_gate(GateKind::h, q0);
    rho.apply_gate(GateKind::cx, pair);
    rho.apply_channel(KrausChannel::amplitude_damping(0.3), q0);
    EXPECT_LE(partial_trace(rho.to_matrix(), kept).max_abs_diff(rho.reduced_density_matrix(kept)), 1e-15);
    EXPECT_NEAR(von_neumann_entropy(partial_trace(werner(1), q0)), 1, 1e-12);
    const Qubit twice[] = {1, 1}, outside[] = {3};
    EXPECT_THROW((void)partial_trace(rho.to_matrix(), twice), Error);
    EXPECT_THROW((void)partial_trace(rho.to_matrix(), outside), Error);
}

TEST(measures, sizes_are_checked) {
    EXPECT_THROW((void)fidelity(Matrix::identity(2), Matrix::identity(4)), Error);
    EXPECT_THROW((void)concurrence(Matrix::identity(2)), Error);
    EXPECT_THROW((void)max_chsh(Matrix::identity(8)), Error);
    EXPECT_THROW((void)fidelity(Matrix::identity(2), std::vector<Complex>{1, 0, 0}), Error);
}

}  // namespace qkdlab::qsim
