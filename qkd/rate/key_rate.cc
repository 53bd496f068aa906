#include "qkdlab/qkd/key_rate.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "qkdlab/core/error.h"

namespace qkdlab::qkd {
namespace {

constexpr double E0 = 0.5;  // the error rate of a dark count (MQZL eq. (33))

void check_intensity(const char* name, double mu) {
    if (!(mu > 0) || !std::isfinite(mu))
        throw Error(std::string(name) + " must be positive, got " + std::to_string(mu));
}

void check_probability(const char* name, double p) {
    if (!(p >= 0 && p <= 1)) throw Error(std::string(name) + " must lie in [0, 1], got " + std::to_string(p));
}

void check_observed(const char* name, const ObservedIntensity& o) {
    check_intensity((std::string(name) + " mean photon number").c_str(), o.mean_photon_number);
    check_probability((std::string(name) + " gain").c_str(), o.gain);
    check_probability((std::string(name) + " qber").c_str(), o.qber);
}

// An error rate above 1/2 carries no more information than 1/2 (h(1/2) = 1).
double error_rate(double e) { return std::clamp(e, 0.0, 0.5); }

DecoyBounds clamp_bounds(double yield_lower, double error_numerator, double error_denominator_per_yield) {
    DecoyBounds b;
    b.yield_lower = std::isfinite(yield_lower) ? std::clamp(yield_lower, 0.0, 1.0) : 0.0;
    // A negative numerator (measured values off by statistical fluctuation, e.g. the vacuum's yield
    // above the weak decoy's error count) certifies nothing: the trivial bound 1/2, not 0.
    b.error_upper = b.yield_lower > 0 && error_numerator >= 0
                        ? error_rate(error_numerator / (error_denominator_per_yield * b.yield_lower))
                        : 0.5;
    return b;
}

ObservedIntensity observe(const LinkParameters& link, double mu) {
    const PulseStatistics s = coherent_pulse(link, mu);
    return {mu, s.gain, s.qber};
}

}  // namespace

double binary_entropy(double x) {
    if (x <= 0 || x >= 1) return 0;
    return -x * std::log2(x) - (1 - x) * std::log2(1 - x);
}

double transmittance(const LinkParameters& link) {
    check(link);
    return link.detector_efficiency * std::pow(10.0, -(link.loss_db_per_km * link.length_km + link.extra_loss_db) / 10);
}

PulseStatistics coherent_pulse(const LinkParameters& link, double mu) {
    check_intensity("mu", mu);
    const double eta = transmittance(link);
    const double y0 = link.dark_count_probability;
    const double detected = -std::expm1(-eta * mu);  // 1 - e^{-eta mu}, accurate when eta mu is tiny
    PulseStatistics s;
    s.gain = y0 + detected;
    s.qber = s.gain > 0 ? (E0 * y0 + link.misalignment * detected) / s.gain : 0;
    return s;
}

SinglePhoton single_photon(const LinkParameters& link) {
    const double eta = transmittance(link);
    const double y0 = link.dark_count_probability;
    SinglePhoton s;
    s.yield = y0 + eta - y0 * eta;
    s.error = s.yield > 0 ? (E0 * y0 + link.misalignment * eta) / s.yield : 0;
    return s;
}

// ---- Rates from measured values -----------------------------------------------------------------

DecoyBounds vacuum_weak_bounds(const VacuumWeakObservation& observed) {
    const ObservedIntensity& signal = observed.signal;
    const ObservedIntensity& weak = observed.weak;
    check_observed("the signal's", signal);
    check_observed("the weak decoy's", weak);
    check_probability("the vacuum yield Y0", observed.vacuum_yield);
    const double mu = signal.mean_photon_number, nu = weak.mean_photon_number, y0 = observed.vacuum_yield;
    if (!(nu < mu)) {
        throw Error("the weak decoy nu must be below the signal mu, got nu = " + std::to_string(nu) +
                    " and mu = " + std::to_string(mu));
    }
    // MQZL eq. (34): Y1 >= mu / (mu nu - nu^2) [Q_nu e^nu - Q_mu e^mu nu^2/mu^2 - (mu^2 - nu^2)/mu^2 Y0].
    const double yield_lower = mu / (mu * nu - nu * nu) *
                               (weak.gain * std::exp(nu) - signal.gain * std::exp(mu) * nu * nu / (mu * mu) -
                                (mu * mu - nu * nu) / (mu * mu) * y0);
    // MQZL eq. (37): e1 <= (E_nu Q_nu e^nu - e0 Y0) / (Y1^L nu).
    return clamp_bounds(yield_lower, weak.qber * weak.gain * std::exp(nu) - E0 * y0, nu);
}

DecoyBounds two_decoy_bounds(const TwoDecoyObservation& observed) {
    const ObservedIntensity& signal = observed.signal;
    const ObservedIntensity& one = observed.decoy1;
    const ObservedIntensity& two = observed.decoy2;
    check_observed("the signal's", signal);
    check_observed("the first decoy's", one);
    check_observed("the second decoy's", two);
    const double mu = signal.mean_photon_number, nu1 = one.mean_photon_number, nu2 = two.mean_photon_number;
    if (!(nu1 > nu2)) {
        throw Error("the decoys must satisfy nu1 > nu2, got nu1 = " + std::to_string(nu1) +
                    " and nu2 = " + std::to_string(nu2));
    }
    // The bound on the multi-photon terms needs (nu1^i - nu2^i)/(nu1^2 - nu2^2) <= mu^{i-2} for all i >= 2,
    // which nu1 + nu2 < mu guarantees (MQZL's condition for the general decoy method).
    if (!(nu1 + nu2 < mu)) {
        throw Error("two weak decoys need nu1 + nu2 < mu, got nu1 = " + std::to_string(nu1) +
                    ", nu2 = " + std::to_string(nu2) + " and mu = " + std::to_string(mu));
    }
    const double a1 = one.gain * std::exp(nu1), a2 = two.gain * std::exp(nu2);  // Q_nu e^nu = sum_i Y_i nu^i/i!
    // MQZL: nu1 Q_nu2 e^nu2 - nu2 Q_nu1 e^nu1 = (nu1 - nu2) Y0 - nu1 nu2 sum_{i>=2} Y_i (nu1^{i-1} - nu2^{i-1})/i!,
    // so Y0 >= Y0^L = max{(nu1 Q_nu2 e^nu2 - nu2 Q_nu1 e^nu1) / (nu1 - nu2), 0}.
    const double y0_lower = std::max(0.0, (nu1 * a2 - nu2 * a1) / (nu1 - nu2));
    // Q_nu1 e^nu1 - Q_nu2 e^nu2 = Y1 (nu1 - nu2) + sum_{i>=2} Y_i (nu1^i - nu2^i)/i!
    //                           <= Y1 (nu1 - nu2) + (nu1^2 - nu2^2)/mu^2 (Q_mu e^mu - Y0 - Y1 mu), hence
    // Y1 >= mu / (mu nu1 - mu nu2 - nu1^2 + nu2^2) [Q_nu1 e^nu1 - Q_nu2 e^nu2 - (nu1^2 - nu2^2)/mu^2 (Q_mu e^mu -
    // Y0^L)].
    const double d2 = nu1 * nu1 - nu2 * nu2;
    const double yield_lower =
        mu / (mu * (nu1 - nu2) - d2) * (a1 - a2 - d2 / (mu * mu) * (signal.gain * std::exp(mu) - y0_lower));
    // E_nu1 Q_nu1 e^nu1 - E_nu2 Q_nu2 e^nu2 = e1 Y1 (nu1 - nu2) + sum_{i>=2} e_i Y_i (nu1^i - nu2^i)/i! (the
    // vacuum's errors cancel), hence e1 <= (E_nu1 Q_nu1 e^nu1 - E_nu2 Q_nu2 e^nu2) / ((nu1 - nu2) Y1^L).
    return clamp_bounds(yield_lower, one.qber * a1 - two.qber * a2, nu1 - nu2);
}

double decoy_key_rate(const ObservedIntensity& signal, const DecoyBounds& bounds, double error_correction_efficiency,
                      double sifting_factor) {
    check_observed("the signal's", signal);
    const double mu = signal.mean_photon_number;
    const double q1 = bounds.yield_lower * mu * std::exp(-mu);  // Q1^L = Y1^L mu e^{-mu}
    const double rate =
        sifting_factor * (-signal.gain * error_correction_efficiency * binary_entropy(error_rate(signal.qber)) +
                          q1 * (1 - binary_entropy(error_rate(bounds.error_upper))));
    return std::max(0.0, rate);
}

double no_decoy_key_rate(const ObservedIntensity& signal, double error_correction_efficiency, double sifting_factor) {
    check_observed("the signal's", signal);
    const double mu = signal.mean_photon_number;
    if (!(signal.gain > 0)) return 0;
    const double multi = -std::expm1(-mu) - mu * std::exp(-mu);  // P(n >= 2) = 1 - (1 + mu) e^{-mu}
    const double delta = multi / signal.gain;
    if (delta >= 1) return 0;
    const double rate =
        sifting_factor * (-signal.gain * error_correction_efficiency * binary_entropy(error_rate(signal.qber)) +
                          signal.gain * (1 - delta) * (1 - binary_entropy(error_rate(signal.qber / (1 - delta)))));
    return std::max(0.0, rate);
}

double basis_independent_key_rate(double gain, double qber, double error_correction_efficiency, double sifting_factor) {
    check_probability("the gain", gain);
    check_probability("the QBER", qber);
    const double h = binary_entropy(error_rate(qber));
    return std::max(0.0, sifting_factor * gain * (1 - error_correction_efficiency * h - h));
}

// ---- Rates of the closed-form channel model -------------------------------------------------------

double decoy_infinite_key_rate(const LinkParameters& link, double mu) {
    const SinglePhoton one = single_photon(link);
    return decoy_key_rate(observe(link, mu), {one.yield, one.error}, link.error_correction_efficiency,
                          link.sifting_factor);
}

DecoyBounds vacuum_weak_bounds(const LinkParameters& link, double mu, double nu) {
    check_intensity("mu", mu);
    check_intensity("nu", nu);
    if (!(nu < mu)) throw Error("the weak decoy nu must be below the signal mu, got nu = " + std::to_string(nu));
    return vacuum_weak_bounds(VacuumWeakObservation{observe(link, mu), observe(link, nu), link.dark_count_probability});
}

double decoy_vacuum_weak_key_rate(const LinkParameters& link, double mu, double nu) {
    return decoy_key_rate(observe(link, mu), vacuum_weak_bounds(link, mu, nu), link.error_correction_efficiency,
                          link.sifting_factor);
}

double bb84_no_decoy_key_rate(const LinkParameters& link, double mu) {
    return no_decoy_key_rate(observe(link, mu), link.error_correction_efficiency, link.sifting_factor);
}

double single_photon_key_rate(const LinkParameters& link) {
    const SinglePhoton one = single_photon(link);
    return basis_independent_key_rate(one.yield, one.error, link.error_correction_efficiency, link.sifting_factor);
}

// ---- Entangled pairs (MFL) --------------------------------------------------------------------------

void check(const PairLinkParameters& link) {
    const auto in = [](const char* name, double value, double low, double high) {
        if (!(value >= low && value <= high)) {
            throw Error(std::string(name) + " must be between " + std::to_string(low) + " and " + std::to_string(high) +
                        ", got " + std::to_string(value));
        }
    };
    in("alice_transmittance", link.alice_transmittance, 0, 1);
    in("bob_transmittance", link.bob_transmittance, 0, 1);
    in("alice_dark_count_probability", link.alice_dark_count_probability, 0, 1);
    in("bob_dark_count_probability", link.bob_dark_count_probability, 0, 1);
    in("misalignment", link.misalignment, 0, 0.5);
    in("error_correction_efficiency", link.error_correction_efficiency, 1, 10);
    in("sifting_factor", link.sifting_factor, 1e-12, 1);
}

PulseStatistics entangled_pairs(const PairLinkParameters& link, double lambda) {
    check(link);
    if (!(lambda >= 0) || !std::isfinite(lambda))
        throw Error("lambda must be finite and non-negative, got " + std::to_string(lambda));
    const double ya = link.alice_dark_count_probability, yb = link.bob_dark_count_probability;
    const double u = link.alice_transmittance * lambda, v = link.bob_transmittance * lambda;
    const double w = link.alice_transmittance * link.bob_transmittance * lambda;
    // MFL eq. (9), Q = 1 - A - B + C with A = (1 - Y0A)/(1 + u)^2, B = (1 - Y0B)/(1 + v)^2 and
    // C = (1 - Y0A)(1 - Y0B)/(1 + u + v - w)^2 (the generating function sum_n P(n) x^n = 1/(1 + lambda -
    // lambda x)^2 at x = 1 - eta_A, 1 - eta_B and (1 - eta_A)(1 - eta_B)). Written without the cancellation of
    // terms near 1 as Q = (1 - A)(1 - B) + (C - AB), with 1 - A = Y0A/(1 + u)^2 + (2u + u^2)/(1 + u)^2 and
    // C - AB = (1 - Y0A)(1 - Y0B)(uv + w)(2 + 2u + 2v + uv - w) / [(1 + u + v - w)^2 (1 + u)^2 (1 + v)^2].
    const double ua = (1 + u) * (1 + u), vb = (1 + v) * (1 + v), s = 1 + u + v - w;
    const double alice_clicks = (ya + 2 * u + u * u) / ua;  // 1 - A
    const double bob_clicks = (yb + 2 * v + v * v) / vb;    // 1 - B
    PulseStatistics out;
    out.gain = alice_clicks * bob_clicks +
               (1 - ya) * (1 - yb) * (u * v + w) * (2 + 2 * u + 2 * v + u * v - w) / (s * s * ua * vb);
    // MFL eq. (10): E Q = e0 Q - 2 (e0 - e_d) w (1 + lambda) / [(1 + u)(1 + v)(1 + u + v - w)].
    const double correlated = 2 * (E0 - link.misalignment) * w * (1 + lambda) / ((1 + u) * (1 + v) * s);
    out.qber = out.gain > 0 ? std::clamp((E0 * out.gain - correlated) / out.gain, 0.0, 1.0) : 0;
    return out;
}

double bbm92_key_rate(const PairLinkParameters& link, double lambda) {
    const PulseStatistics s = entangled_pairs(link, lambda);
    return basis_independent_key_rate(s.gain, s.qber, link.error_correction_efficiency, link.sifting_factor);
}

// ---- E91 ----------------------------------------------------------------------------------------------

double e91_secret_fraction(double chsh, double qber, double error_correction_efficiency) {
    if (!(chsh >= 0 && chsh <= 2 * std::sqrt(2.0) + 1e-12)) {
        throw Error("a CHSH value lies between 0 and 2 sqrt(2), got " + std::to_string(chsh));
    }
    if (!(qber >= 0 && qber <= 1)) throw Error("a QBER lies between 0 and 1, got " + std::to_string(qber));
    if (chsh <= 2) return 0;
    const double eve = binary_entropy((1 + std::sqrt(std::max(0.0, chsh * chsh / 4 - 1))) / 2);
    return std::max(0.0, 1 - error_correction_efficiency * binary_entropy(qber) - eve);
}

}  // namespace qkdlab::qkd
