#include "qkdlab/qkd/finite_key.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "qkdlab/core/error.h"
#include "qkdlab/qkd/key_rate.h"

namespace qkdlab::qkd {
namespace {

void check_epsilons_and_leakage(double epsilon_sec, double epsilon_cor, double leaked_bits) {
    for (double eps : {epsilon_sec, epsilon_cor}) {
        if (!(eps > 0 && eps < 1))
            throw Error("epsilon_sec and epsilon_cor must lie in (0, 1), got " + std::to_string(eps));
    }
    if (!(leaked_bits >= 0) || !std::isfinite(leaked_bits))
        throw Error("the leaked bits must be finite and >= 0, got " + std::to_string(leaked_bits));
}

void check(const FiniteKeyInput& in) {
    const auto& mu = in.mean_photon_numbers;
    for (double k : mu) {
        if (!(k >= 0) || !std::isfinite(k))
            throw Error("a mean photon number must be finite and >= 0, got " + std::to_string(k));
    }
    // LCWXZ section II: mu1 > mu2 + mu3 and mu2 > mu3 >= 0.
    if (!(mu[1] > mu[2]) || !(mu[0] > mu[1] + mu[2])) {
        throw Error("the intensities must satisfy mu1 > mu2 + mu3 and mu2 > mu3 >= 0, got " + std::to_string(mu[0]) +
                    ", " + std::to_string(mu[1]) + ", " + std::to_string(mu[2]));
    }
    double sum = 0;
    for (double p : in.intensity_probabilities) {
        if (!(p > 0 && p <= 1)) throw Error("an intensity probability must lie in (0, 1], got " + std::to_string(p));
        sum += p;
    }
    if (std::abs(sum - 1) > 1e-9) throw Error("the intensity probabilities must sum to 1, got " + std::to_string(sum));
    check_epsilons_and_leakage(in.epsilon_sec, in.epsilon_cor, in.leaked_bits);
    for (const BasisCounts* b : {&in.key_basis, &in.test_basis}) {
        for (std::size_t k = 0; k < 3; ++k) {
            if (b->errors[k] > b->detections[k]) {
                throw Error("intensity " + std::to_string(k) + " has " + std::to_string(b->errors[k]) +
                            " errors among " + std::to_string(b->detections[k]) + " detections");
            }
        }
    }
}

// tau_n = sum_k p_k e^{-k} k^n / n!: the probability that Alice sends n photons (LCWXZ after eq. 2).
double photon_number_probability(const FiniteKeyInput& in, int n) {
    double tau = 0;
    for (std::size_t k = 0; k < 3; ++k) {
        const double mu = in.mean_photon_numbers[k];
        tau += in.intensity_probabilities[k] * std::exp(-mu) * std::pow(mu, n) / std::tgamma(n + 1.0);
    }
    return tau;
}

// e^k / p_k (count ± sqrt(total / 2 ln(21/eps_sec))) for each intensity k (LCWXZ after eqs. 2 and 4;
// Hoeffding's inequality with eps_1 = eps_sec/21, their eq. A1).
struct Deviated {
    std::array<double, 3> lower{}, upper{};
};
Deviated deviate(const FiniteKeyInput& in, const std::array<std::uint64_t, 3>& counts) {
    double total = 0;
    for (std::uint64_t c : counts) total += static_cast<double>(c);
    const double delta = std::sqrt(total / 2 * std::log(21 / in.epsilon_sec));
    Deviated d;
    for (std::size_t k = 0; k < 3; ++k) {
        const double scale = std::exp(in.mean_photon_numbers[k]) / in.intensity_probabilities[k];
        d.lower[k] = scale * (static_cast<double>(counts[k]) - delta);
        d.upper[k] = scale * (static_cast<double>(counts[k]) + delta);
    }
    return d;
}

struct EventBounds {
    double vacuum = 0, single_photon = 0;
};
// LCWXZ eqs. (2) and (3) for one basis, clamped at zero.
EventBounds event_bounds(const FiniteKeyInput& in, const BasisCounts& basis, double tau0, double tau1) {
    const double mu1 = in.mean_photon_numbers[0], mu2 = in.mean_photon_numbers[1], mu3 = in.mean_photon_numbers[2];
    const Deviated n = deviate(in, basis.detections);
    EventBounds b;
    b.vacuum = std::max(0.0, tau0 * (mu2 * n.lower[2] - mu3 * n.upper[1]) / (mu2 - mu3));
    const double multi = (mu2 * mu2 - mu3 * mu3) / (mu1 * mu1) * (n.upper[0] - b.vacuum / tau0);
    b.single_photon =
        std::max(0.0, tau1 * mu1 * (n.lower[1] - n.upper[2] - multi) / (mu1 * (mu2 - mu3) - mu2 * mu2 + mu3 * mu3));
    return b;
}

// gamma(a, b, c, d) of LCWXZ eq. (5) (the sampling-without-replacement deviation of the phase error
// rate from the test basis's single-photon error rate b, with c test and d key single-photon events).
double gamma_deviation(double a, double b, double c, double d) {
    const double spread = (1 - b) * b;
    if (spread <= 0) return 0;  // b = 0: the limit of b log(1/b) is 0
    const double log_term = std::log2((c + d) / (c * d * spread) * 21 * 21 / (a * a));
    if (log_term <= 0) return 0;
    return std::sqrt((c + d) * spread / (c * d * std::log(2.0)) * log_term);
}

// LCWXZ eq. (1) from the bounds, and its floor at zero.
void finish_length(FiniteKeyLength& out, double leaked_bits, double epsilon_sec, double epsilon_cor) {
    FiniteKeyBounds& b = out.bounds;
    b.secret_bits = b.key_vacuum_events + b.key_single_photon_events * (1 - binary_entropy(b.phase_error_rate)) -
                    leaked_bits - 6 * std::log2(21 / epsilon_sec) - std::log2(2 / epsilon_cor);
    out.length = b.secret_bits >= 1 ? static_cast<std::uint64_t>(std::floor(b.secret_bits)) : 0;
}

}  // namespace

FiniteKeyLength finite_key_length(const FiniteKeyInput& in) {
    check(in);
    const double tau0 = photon_number_probability(in, 0), tau1 = photon_number_probability(in, 1);
    const double mu2 = in.mean_photon_numbers[1], mu3 = in.mean_photon_numbers[2];
    FiniteKeyLength out;
    FiniteKeyBounds& b = out.bounds;
    const EventBounds key = event_bounds(in, in.key_basis, tau0, tau1);
    const EventBounds test = event_bounds(in, in.test_basis, tau0, tau1);
    b.key_vacuum_events = key.vacuum;
    b.key_single_photon_events = key.single_photon;
    b.test_vacuum_events = test.vacuum;
    b.test_single_photon_events = test.single_photon;
    // LCWXZ eq. (4), on the test basis's errors.
    const Deviated m = deviate(in, in.test_basis.errors);
    b.test_single_photon_errors = std::max(0.0, tau1 * (m.upper[1] - m.lower[2]) / (mu2 - mu3));
    // LCWXZ eq. (5); without single-photon events in either basis nothing bounds the phase error.
    if (test.single_photon > 0 && key.single_photon > 0) {
        const double rate = std::min(b.test_single_photon_errors / test.single_photon, 0.5);
        b.phase_error_rate =
            std::min(0.5, rate + gamma_deviation(in.epsilon_sec, rate, test.single_photon, key.single_photon));
    }
    finish_length(out, in.leaked_bits, in.epsilon_sec, in.epsilon_cor);
    return out;
}

FiniteKeyLength finite_key_length(const EntangledFiniteKeyInput& in) {
    check_epsilons_and_leakage(in.epsilon_sec, in.epsilon_cor, in.leaked_bits);
    if (in.test_errors > in.test_detections) {
        throw Error("the test basis has " + std::to_string(in.test_errors) + " errors among " +
                    std::to_string(in.test_detections) + " detections");
    }
    FiniteKeyLength out;
    FiniteKeyBounds& b = out.bounds;
    b.key_single_photon_events = static_cast<double>(in.key_detections);
    b.test_single_photon_events = static_cast<double>(in.test_detections);
    b.test_single_photon_errors = static_cast<double>(in.test_errors);
    if (in.key_detections > 0 && in.test_detections > 0) {
        const double rate = b.test_single_photon_errors / b.test_single_photon_events;
        b.phase_error_rate = std::min(
            0.5, rate + gamma_deviation(in.epsilon_sec, rate, b.test_single_photon_events, b.key_single_photon_events));
    }
    finish_length(out, in.leaked_bits, in.epsilon_sec, in.epsilon_cor);
    return out;
}

}  // namespace qkdlab::qkd
