#include "qkdlab/qsim/kraus_channel.h"

#include <gtest/gtest.h>

#include <cmath>

#include "qkdlab/core/error.h"
#include "support.h"

namespace qkdlab::qsim {
namespace {

// A random mixed state on k qubits: a mixture of 3 random pure states.
Matrix random_density(unsigned k, core::Rng& rng) {
    const std::size_t d = std::size_t{1} << k;
    Matrix rho(d);
    const double weights[] = {0.5, 0.3, 0.2};
    for (double w : weights) {
        const auto psi = testing::random_amplitudes(k, rng);
        for (std::size_t r = 0; r < d; ++r)
            for (std::size_t c = 0; c < d; ++c) rho(r, c) += w * psi[r] * std::conj(psi[c]);
    }
    return rho;
}

// sum_k K rho K^dagger, by the definition.
Matrix apply_by_definition(const KrausChannel& channel, const Matrix& rho) {
    Matrix out(rho.dim());
    for (const Matrix& k : channel.operators()) out = out + k * rho * k.adjoint();
    return out;
}

// rho -> S vec(rho) with vec index r + d c.
Matrix apply_superoperator(const KrausChannel& channel, const Matrix& rho) {
    const std::size_t d = rho.dim();
    const Matrix s = channel.superoperator();
    Matrix out(d);
    for (std::size_t i = 0; i < d * d; ++i)
        for (std::size_t j = 0; j < d * d; ++j) out(i % d, i / d) += s(i, j) * rho(j % d, j / d);
    return out;
}

}  // namespace

TEST(kraus_channel, standard_channels_preserve_trace_and_match_their_superoperator) {
    core::Rng rng(1);
    const KrausChannel channels[] = {
        KrausChannel::depolarizing(0.3),
        KrausChannel::depolarizing(4.0 / 3.0),
        KrausChannel::depolarizing2(0.2),
        KrausChannel::pauli(0.1, 0.2, 0.05),
        KrausChannel::bit_flip(0.25),
        KrausChannel::phase_flip(0.4),
        KrausChannel::amplitude_damping(0.35),
        KrausChannel::phase_damping(0.6),
        KrausChannel::generalized_amplitude_damping(0.3, 0.8),
        KrausChannel::thermal_relaxation(50.0, 70.0, 10.0),
        KrausChannel::reset_error(0.1, 0.05),
    };
    for (const KrausChannel& channel : channels) {
        const Matrix rho = random_density(channel.num_qubits(), rng);
        const Matrix want = apply_by_definition(channel, rho);
        EXPECT_LE(apply_superoperator(channel, rho).max_abs_diff(want), 1e-14);
        Complex trace = 0;
        for (std::size_t r = 0; r < want.dim(); ++r) trace += want(r, r);
        EXPECT_NEAR(trace.real(), 1.0, 1e-14);
    }
}

TEST(kraus_channel, closed_forms) {
    // Depolarizing p: rho -> (1 - p) rho + p I/2.
    core::Rng rng(2);
    const Matrix rho = random_density(1, rng);
    Matrix want = rho;
    want *= 0.7;
    Matrix mixed = Matrix::identity(2);
    mixed *= 0.3 / 2;
    EXPECT_LE(apply_by_definition(KrausChannel::depolarizing(0.3), rho).max_abs_diff(want + mixed), 1e-15);
    // Thermal relaxation: populations relax as exp(-t/T1), coherences decay as exp(-t/T2).
    const double t1 = 40, t2 = 30, t = 12;
    const Matrix plus(2, {0.5, 0.5, 0.5, 0.5});
    const Matrix one(2, {0, 0, 0, 1});
    const KrausChannel relax = KrausChannel::thermal_relaxation(t1, t2, t);
    EXPECT_NEAR(apply_by_definition(relax, one)(1, 1).real(), std::exp(-t / t1), 1e-15);
    EXPECT_NEAR(apply_by_definition(relax, plus)(0, 1).real(), 0.5 * std::exp(-t / t2), 1e-15);
    // Generalized amplitude damping with gamma = 1 lands on diag(p, 1 - p) from anywhere.
    const Matrix settled = apply_by_definition(KrausChannel::generalized_amplitude_damping(1.0, 0.8), plus);
    EXPECT_LE(settled.max_abs_diff(Matrix(2, {0.8, 0, 0, 0.2})), 1e-15);
    // A certain reset to |1>.
    EXPECT_LE(apply_by_definition(KrausChannel::reset_error(0, 1), plus).max_abs_diff(one), 1e-15);
}

TEST(kraus_channel, compose_applies_first_then_second) {
    core::Rng rng(3);
    const Matrix rho = random_density(1, rng);
    const KrausChannel a = KrausChannel::amplitude_damping(0.4), b = KrausChannel::bit_flip(0.3);
    const Matrix want = apply_by_definition(b, apply_by_definition(a, rho));
    EXPECT_LE(apply_by_definition(KrausChannel::compose(a, b), rho).max_abs_diff(want), 1e-15);
    EXPECT_THROW(KrausChannel::compose(a, KrausChannel::depolarizing2(0.1)), Error);
}

TEST(kraus_channel, unitary_mixtures_know_their_weights) {
    const KrausChannel pauli = KrausChannel::pauli(0.1, 0.2, 0.3);
    const auto weights = pauli.mixture_weights();
    ASSERT_EQ(weights.size(), 4u);
    EXPECT_NEAR(weights[0], 0.4, 1e-15);
    EXPECT_NEAR(weights[3], 0.3, 1e-15);
    EXPECT_EQ(KrausChannel::depolarizing2(0.5).mixture_weights().size(), 16u);
    EXPECT_TRUE(KrausChannel::amplitude_damping(0.1).mixture_weights().empty());
    EXPECT_TRUE(KrausChannel::thermal_relaxation(10, 10, 1).mixture_weights().empty());
}

TEST(kraus_channel, sets_that_are_not_trace_preserving_are_rejected) {
    Matrix half = Matrix::identity(2);
    half *= std::sqrt(0.5);
    EXPECT_THROW(KrausChannel({half}), Error);                              // sum K^dagger K = I/2
    EXPECT_THROW(KrausChannel({Matrix(2, {1, 0, 0, 1.0 + 1e-9})}), Error);  // off by 2e-9
    EXPECT_NO_THROW(KrausChannel({Matrix(2, {1, 0, 0, Complex(0, 1)})}));   // unitary: fine
    EXPECT_THROW(KrausChannel({}), Error);                                  // empty
    EXPECT_THROW(KrausChannel({Matrix::identity(3)}), Error);               // not 2^k
    EXPECT_THROW(KrausChannel({half, Matrix::identity(4)}), Error);         // mixed sizes
    try {
        KrausChannel({half, half, half});
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("not trace preserving"), std::string::npos) << e.what();
    }
}

TEST(kraus_channel, parameters_out_of_range_are_rejected) {
    EXPECT_THROW(KrausChannel::depolarizing(1.4), Error);
    EXPECT_THROW(KrausChannel::depolarizing2(-0.1), Error);
    EXPECT_THROW(KrausChannel::pauli(0.5, 0.4, 0.2), Error);
    EXPECT_THROW(KrausChannel::amplitude_damping(1.5), Error);
    EXPECT_THROW(KrausChannel::phase_damping(std::nan("")), Error);
    EXPECT_THROW(KrausChannel::thermal_relaxation(10, 25, 1), Error);  // T2 > 2 T1
    EXPECT_THROW(KrausChannel::thermal_relaxation(0, 0, 1), Error);
    EXPECT_THROW(KrausChannel::thermal_relaxation(10, 5, -1), Error);
    EXPECT_THROW(KrausChannel::reset_error(0.7, 0.4), Error);
}

}  // namespace qkdlab::qsim
