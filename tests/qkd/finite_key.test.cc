#include "qkdlab/qkd/finite_key.h"

#include <gsl/gsl_multimin.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "qkdlab/core/error.h"
#include "qkdlab/qkd/key_rate.h"

namespace qkdlab::qkd {
namespace {

// The system of LCWXZ section IV (10% detection efficiency, dark counts 6e-7, e_mis 0.5%, 0.2 dB/km,
// f_EC 1.16) without afterpulses, at 25 km, with fixed (not optimised) settings: mu = 0.5 / 0.1 / 2e-4
// with p = 0.7 / 0.2 / 0.1 and the key basis Z chosen with q_Z = 0.9 by both parties.
constexpr double Q_Z = 0.9;
constexpr std::array<double, 3> MU = {0.5, 0.1, 2e-4};
constexpr std::array<double, 3> P_MU = {0.7, 0.2, 0.1};

LinkParameters lcwxz_link() {
    LinkParameters link;
    link.length_km = 25;
    link.loss_db_per_km = 0.2;
    link.detector_efficiency = 0.1;
    link.dark_count_probability = 6e-7;
    link.misalignment = 0.005;
    link.error_correction_efficiency = 1.16;
    return link;
}

// The expected counts after N pulses from the closed-form channel model (key_rate.h's coherent_pulse,
// MQZL eqs. 7-10): n_{b,k} = N p_k q_b^2 Q_k, m_{b,k} = n_{b,k} E_k, and lambda_EC = f n_Z h(E_Z).
FiniteKeyInput expected_input(double pulses, double epsilon_sec = 1e-10) {
    const LinkParameters link = lcwxz_link();
    FiniteKeyInput in;
    in.mean_photon_numbers = MU;
    in.intensity_probabilities = P_MU;
    in.epsilon_sec = epsilon_sec;
    in.epsilon_cor = 1e-15;
    double key_detections = 0, key_errors = 0;
    for (std::size_t k = 0; k < 3; ++k) {
        const PulseStatistics s = coherent_pulse(link, MU[k]);
        const double z = pulses * P_MU[k] * Q_Z * Q_Z * s.gain, x = pulses * P_MU[k] * (1 - Q_Z) * (1 - Q_Z) * s.gain;
        in.key_basis.detections[k] = static_cast<std::uint64_t>(std::llround(z));
        in.key_basis.errors[k] = static_cast<std::uint64_t>(std::llround(z * s.qber));
        in.test_basis.detections[k] = static_cast<std::uint64_t>(std::llround(x));
        in.test_basis.errors[k] = static_cast<std::uint64_t>(std::llround(x * s.qber));
        key_detections += z;
        key_errors += z * s.qber;
    }
    in.leaked_bits = link.error_correction_efficiency * key_detections * binary_entropy(key_errors / key_detections);
    return in;
}

// The asymptotic key bits per pulse of the same protocol from key_rate.h: as N grows, the deviations of
// LCWXZ vanish and their eqs. (2)-(4) become MQZL's two-decoy bounds with nu1 = mu2, nu2 = mu3 (divide
// n_{b,k} e^k / p_k = N q_b^2 Q_k e^k by N q_b^2): s_b0 / (N q_b^2) -> tau_0 Y0^L, s_b1 / (N q_b^2) ->
// tau_1 Y1^L, v_X1 / s_X1 -> e1^U, and gamma -> 0. So
// R = q_Z^2 [tau_0 Y0^L + tau_1 Y1^L (1 - h(e1^U)) - f Q_Z h(E_Z)], Q_Z = sum_k p_k Q_k.
double asymptotic_bits_per_pulse() {
    const LinkParameters link = lcwxz_link();
    std::array<PulseStatistics, 3> s;
    for (std::size_t k = 0; k < 3; ++k) s[k] = coherent_pulse(link, MU[k]);
    const DecoyBounds bounds =
        two_decoy_bounds({{MU[0], s[0].gain, s[0].qber}, {MU[1], s[1].gain, s[1].qber}, {MU[2], s[2].gain, s[2].qber}});
    // MQZL: Y0^L = max{(nu1 Q_nu2 e^nu2 - nu2 Q_nu1 e^nu1) / (nu1 - nu2), 0}.
    const double y0 =
        std::max(0.0, (MU[1] * s[2].gain * std::exp(MU[2]) - MU[2] * s[1].gain * std::exp(MU[1])) / (MU[1] - MU[2]));
    double tau0 = 0, tau1 = 0, gain = 0, errors = 0;
    for (std::size_t k = 0; k < 3; ++k) {
        tau0 += P_MU[k] * std::exp(-MU[k]);
        tau1 += P_MU[k] * std::exp(-MU[k]) * MU[k];
        gain += P_MU[k] * s[k].gain;
        errors += P_MU[k] * s[k].gain * s[k].qber;
    }
    return Q_Z * Q_Z *
           (tau0 * y0 + tau1 * bounds.yield_lower * (1 - binary_entropy(bounds.error_upper)) -
            link.error_correction_efficiency * gain * binary_entropy(errors / gain));
}

TEST(finite_key, zero_for_tiny_blocks) {
    // 1e5 pulses leave about 1e3 key-basis detections: the deviations swamp the decoy bounds.
    const FiniteKeyLength small = finite_key_length(expected_input(1e5));
    EXPECT_EQ(small.length, 0u);
    EXPECT_LT(small.bounds.secret_bits, 0);
    const FiniteKeyLength empty = finite_key_length(FiniteKeyInput{MU, P_MU, {}, {}, 0, 1e-10, 1e-15});
    EXPECT_EQ(empty.length, 0u);
    EXPECT_EQ(empty.bounds.key_single_photon_events, 0);
    EXPECT_EQ(empty.bounds.phase_error_rate, 0.5);
}

TEST(finite_key, approaches_the_asymptotic_rate) {
    const double asymptotic = asymptotic_bits_per_pulse();
    ASSERT_GT(asymptotic, 0);
    double previous = -1;
    std::vector<double> ratios;
    for (double pulses : {1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e14, 1e16}) {
        const FiniteKeyLength fk = finite_key_length(expected_input(pulses));
        const double ratio = static_cast<double>(fk.length) / (pulses * asymptotic);
        std::printf("N = %.0e pulses: l = %llu bits, l / (N R_inf) = %.5f, phi_Z = %.5f\n", pulses,
                    static_cast<unsigned long long>(fk.length), ratio, fk.bounds.phase_error_rate);
        if (previous > 0) {
            EXPECT_GT(ratio, previous) << "N = " << pulses;  // rises with the block once there is a key
        } else {
            EXPECT_GE(ratio, previous) << "N = " << pulses;
        }
        previous = ratio;
        ratios.push_back(ratio);
    }
    // 1e6 pulses (about 100 test-basis detections): no key. The finite-size terms shrink as 1/sqrt(N)
    // (times logs): within 3% of the asymptotic rate at 1e12 pulses (0.983 computed) and within 0.1% at
    // 1e16 (0.9998), never above it (up to the rounding of the counts).
    EXPECT_EQ(ratios.front(), 0);
    EXPECT_GT(ratios[6], 0.97);
    EXPECT_GT(ratios.back(), 0.999);
    EXPECT_LT(ratios.back(), 1 + 1e-6);
}

TEST(finite_key, grows_with_epsilon_sec) {
    std::uint64_t previous = 0;
    for (double eps : {1e-20, 1e-15, 1e-10, 1e-6, 1e-3, 1e-1}) {
        const FiniteKeyLength fk = finite_key_length(expected_input(1e9, eps));
        EXPECT_GE(fk.length, previous) << "eps_sec = " << eps;
        previous = fk.length;
    }
    EXPECT_GT(finite_key_length(expected_input(1e9, 1e-1)).length,
              finite_key_length(expected_input(1e9, 1e-20)).length);
}

TEST(finite_key, pays_each_leaked_bit_and_each_error) {
    FiniteKeyInput in = expected_input(1e10);
    const FiniteKeyLength base = finite_key_length(in);
    ASSERT_GT(base.length, 0u);
    in.leaked_bits += 12345;
    const FiniteKeyLength leaked = finite_key_length(in);
    EXPECT_NEAR(leaked.bounds.secret_bits, base.bounds.secret_bits - 12345, 1e-6 * base.bounds.secret_bits);
    in = expected_input(1e10);
    in.test_basis.errors[1] += in.test_basis.errors[1] / 2;  // more errors in the weak decoy: more phase errors
    const FiniteKeyLength noisier = finite_key_length(in);
    EXPECT_GT(noisier.bounds.phase_error_rate, base.bounds.phase_error_rate);
    EXPECT_LT(noisier.length, base.length);
}

TEST(finite_key, bounds_hold_for_the_true_channel) {
    // The closed-form model's true values: s_Z1 = N q_Z^2 tau_1 Y1 and e1 (MQZL eqs. 8 and 10). The
    // lower bound on s_Z1 and the upper bound on the phase error must hold for the expected counts.
    const LinkParameters link = lcwxz_link();
    const SinglePhoton one = single_photon(link);
    double tau1 = 0;
    for (std::size_t k = 0; k < 3; ++k) tau1 += P_MU[k] * std::exp(-MU[k]) * MU[k];
    for (double pulses : {1e8, 1e10, 1e12}) {
        const FiniteKeyLength fk = finite_key_length(expected_input(pulses));
        EXPECT_LE(fk.bounds.key_single_photon_events, pulses * Q_Z * Q_Z * tau1 * one.yield);
        EXPECT_GE(fk.bounds.phase_error_rate, one.error);
    }
}

// LCWXZ section IV, dedicated fibre: eta_sys = 10^{-0.2 L/10} eta_Bob with eta_Bob = 0.1, p_dc = 6e-7,
// afterpulses p_ap = 4e-2, e_mis = 5e-3, D_k = 1 - (1 - 2 p_dc) e^{-eta_sys k}, R_k = D_k (1 + p_ap), bit errors
// e_k = p_dc + e_mis (1 - e^{-eta_sys k}) + p_ap D_k / 2 per pulse (the paper prints eta_ch in the
// misalignment term; with eta_ch the QBER would exceed 5% at every distance, so we read it as eta_sys),
// lambda_EC = f_EC h(e_obs) n_key with f_EC = 1.16, eps_cor = 1e-15, eps_sec = kappa l with kappa = 1e-15,
// mu3 = 2e-4, a fixed key-basis block n_key, N = n_key / (q^2 sum_k p_k R_k) pulses. The free settings
// {q, p_mu1, p_mu2, mu1, mu2} come in unconstrained: q = s(x0), p = softmax(x1, x2, 0), mu2 = mu3 + s(x3) / 2,
// mu1 = mu2 + mu3 + s(x4), s the logistic function. Returns the key bits per pulse l / N.
struct Lcwxz {
    double length_km = 0;
    double block_bits = 0;
};
double lcwxz_rate(const double* x, const Lcwxz& setup) {
    const auto logistic = [](double v) { return 1 / (1 + std::exp(-v)); };
    const double q = logistic(x[0]);
    const double z = std::exp(x[1]) + std::exp(x[2]) + 1;
    const std::array<double, 3> p = {std::exp(x[1]) / z, std::exp(x[2]) / z, 1 / z};
    const double mu3 = 2e-4, mu2 = mu3 + logistic(x[3]) / 2, mu1 = mu2 + mu3 + logistic(x[4]);
    const double eta = std::pow(10, -0.2 * setup.length_km / 10) * 0.1, dark = 6e-7, afterpulse = 4e-2;
    std::array<double, 3> detection{}, error{};
    double per_pulse = 0;
    const std::array<double, 3> mu = {mu1, mu2, mu3};
    for (std::size_t k = 0; k < 3; ++k) {
        const double d = 1 - (1 - 2 * dark) * std::exp(-eta * mu[k]);
        detection[k] = d * (1 + afterpulse);
        error[k] = dark + 0.005 * (1 - std::exp(-eta * mu[k])) + afterpulse * d / 2;
        per_pulse += p[k] * detection[k];
    }
    const double pulses = setup.block_bits / (q * q * per_pulse);
    FiniteKeyInput in;
    in.mean_photon_numbers = mu;
    in.intensity_probabilities = p;
    in.epsilon_cor = 1e-15;
    double key_errors = 0;
    for (std::size_t k = 0; k < 3; ++k) {
        in.key_basis.detections[k] = static_cast<std::uint64_t>(std::llround(pulses * p[k] * q * q * detection[k]));
        in.test_basis.detections[k] =
            static_cast<std::uint64_t>(std::llround(pulses * p[k] * (1 - q) * (1 - q) * detection[k]));
        in.test_basis.errors[k] =
            static_cast<std::uint64_t>(std::llround(pulses * p[k] * (1 - q) * (1 - q) * error[k]));
        key_errors += pulses * p[k] * q * q * error[k];
    }
    in.leaked_bits = 1.16 * binary_entropy(key_errors / setup.block_bits) * setup.block_bits;
    double length = 1;
    for (int i = 0; i < 8; ++i) {  // eps_sec = kappa l: a fixed point, reached in a few steps (l depends on log eps)
        in.epsilon_sec = std::min(0.5, 1e-15 * std::max(length, 1.0));
        length = finite_key_length(in).bounds.secret_bits;
    }
    return std::max(0.0, std::floor(length)) / pulses;
}

// The best rate over the free settings: the best point of a coarse grid, refined by GSL's Nelder-Mead.
double lcwxz_optimal_rate(Lcwxz setup) {
    std::array<double, 5> start{};
    double best = -1;
    for (double a : {-1.0, 0.0, 1.0, 2.0})
        for (double b : {0.0, 1.0, 2.0})
            for (double c : {0.0, 1.0})
                for (double d : {-3.0, -2.0, -1.0, 0.0})
                    for (double e : {-1.0, 0.0, 1.0}) {
                        const std::array<double, 5> x = {a, b, c, d, e};
                        const double r = lcwxz_rate(x.data(), setup);
                        if (r > best) best = r, start = x;
                    }
    gsl_multimin_function function{
        [](const gsl_vector* x, void* s) { return -lcwxz_rate(x->data, *static_cast<Lcwxz*>(s)); }, 5, &setup};
    gsl_vector* x = gsl_vector_alloc(5);
    gsl_vector* step = gsl_vector_alloc(5);
    for (std::size_t i = 0; i < 5; ++i) gsl_vector_set(x, i, start[i]);
    gsl_vector_set_all(step, 0.5);
    gsl_multimin_fminimizer* m = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, 5);
    gsl_multimin_fminimizer_set(m, &function, x, step);
    for (int i = 0; i < 3000 && gsl_multimin_fminimizer_iterate(m) == 0 && gsl_multimin_fminimizer_size(m) > 1e-7;
         ++i) {
    }
    best = std::max(best, -m->fval);
    gsl_multimin_fminimizer_free(m);
    gsl_vector_free(step);
    gsl_vector_free(x);
    return best;
}

// LCWXZ section IV: "at a fiber length of 100 km, the secret key rate obtained with n_X = 10^9 is about
// 1.75 times the one based on n_X = 10^7" (read off their Fig. 1 with optimised settings). We get 1.79; we
// accept 1.6 to 1.9, the precision of "about" and of a log-scale figure.
TEST(finite_key, reproduces_lcwxz_block_size_gain_at_100_km) {
    const double small = lcwxz_optimal_rate({100, 1e7}), large = lcwxz_optimal_rate({100, 1e9});
    ASSERT_GT(small, 0);
    std::printf("LCWXZ model at 100 km: R(n = 1e7) = %.4e, R(n = 1e9) = %.4e bits per pulse, ratio %.3f\n", small,
                large, large / small);
    EXPECT_GT(large / small, 1.6);
    EXPECT_LT(large / small, 1.9);
}

TEST(finite_key, rejects_bad_input) {
    const FiniteKeyInput good = expected_input(1e9);
    EXPECT_NO_THROW((void)finite_key_length(good));
    FiniteKeyInput in = good;
    in.mean_photon_numbers = {0.5, 0.4, 0.2};  // mu1 <= mu2 + mu3
    EXPECT_THROW((void)finite_key_length(in), Error);
    in = good;
    in.mean_photon_numbers = {0.5, 0.1, 0.1};  // mu2 = mu3
    EXPECT_THROW((void)finite_key_length(in), Error);
    in = good;
    in.intensity_probabilities = {0.7, 0.2, 0.2};
    EXPECT_THROW((void)finite_key_length(in), Error);
    in = good;
    in.intensity_probabilities = {1.0, 0.0, 0.0};
    EXPECT_THROW((void)finite_key_length(in), Error);
    in = good;
    in.epsilon_sec = 0;
    EXPECT_THROW((void)finite_key_length(in), Error);
    in = good;
    in.epsilon_cor = 1;
    EXPECT_THROW((void)finite_key_length(in), Error);
    in = good;
    in.leaked_bits = -1;
    EXPECT_THROW((void)finite_key_length(in), Error);
    in = good;
    in.test_basis.errors[0] = in.test_basis.detections[0] + 1;
    EXPECT_THROW((void)finite_key_length(in), Error);
}

// The entangled-source bound: zero for a tiny block, and for a large one the Shor-Preskill rate
// n_Z (1 - h(e_X)) - lambda within the stated finite-size terms: gamma shrinks as 1/sqrt(n), so at
// n_Z = n_X = 1e9 and e = 2% the phase error bound exceeds e by less than 1e-3.
TEST(finite_key, entangled_zero_for_tiny_blocks_and_tends_to_shor_preskill) {
    EntangledFiniteKeyInput tiny;
    tiny.key_detections = 300;
    tiny.test_detections = 300;
    tiny.test_errors = 6;
    tiny.leaked_bits = 1.16 * 300 * binary_entropy(0.02);
    EXPECT_EQ(finite_key_length(tiny).length, 0u);

    EntangledFiniteKeyInput large;
    large.key_detections = 1'000'000'000;
    large.test_detections = 1'000'000'000;
    large.test_errors = 20'000'000;
    large.leaked_bits = 1.1 * 1e9 * binary_entropy(0.02);
    const FiniteKeyLength out = finite_key_length(large);
    EXPECT_GT(out.bounds.phase_error_rate, 0.02);
    EXPECT_LT(out.bounds.phase_error_rate, 0.021);
    const double asymptotic = 1e9 * (1 - binary_entropy(0.02)) - large.leaked_bits;
    EXPECT_LT(static_cast<double>(out.length), asymptotic);
    EXPECT_GT(static_cast<double>(out.length), 0.99 * asymptotic);

    EntangledFiniteKeyInput bad = large;
    bad.test_errors = bad.test_detections + 1;
    EXPECT_THROW((void)finite_key_length(bad), Error);
    bad = large;
    bad.epsilon_cor = 0;
    EXPECT_THROW((void)finite_key_length(bad), Error);
}

}  // namespace
}  // namespace qkdlab::qkd
