#include "qkdlab/qkd/key_rate.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "qkdlab/core/error.h"

namespace qkdlab::qkd {
namespace {

constexpr double E0 = 0.5;  // the error rate of a dark count

void check_intensity(const char* name, double mu) {
    if (!(mu > 0) || !std::isfinite(mu))
        throw Error(std::string(name) + " must be positive, got " + std::to_string(mu));
}

// The GLLP rate from the signal's gain and error and a single-photon gain and error (an error of
// 1/2 or more leaves nothing to distil).
double gllp(const LinkParameters& link, PulseStatistics signal, double q1, double e1) {
    e1 = std::min(e1, 0.5);
    const double rate =
        link.sifting_factor *
        (-signal.gain * link.error_correction_efficiency * binary_entropy(signal.qber) + q1 * (1 - binary_entropy(e1)));
    return std::max(0.0, rate);
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

double decoy_infinite_key_rate(const LinkParameters& link, double mu) {
    const SinglePhoton one = single_photon(link);
    return gllp(link, coherent_pulse(link, mu), one.yield * mu * std::exp(-mu), one.error);
}

DecoyBounds vacuum_weak_bounds(const LinkParameters& link, double mu, double nu) {
    check_intensity("nu", nu);
    if (!(nu < mu)) throw Error("the weak decoy nu must be below the signal mu, got nu = " + std::to_string(nu));
    const PulseStatistics signal = coherent_pulse(link, mu), weak = coherent_pulse(link, nu);
    const double y0 = link.dark_count_probability;
    DecoyBounds b;
    // MQZL eq. (34): Y1 >= mu / (mu nu - nu^2) [Q_nu e^nu - Q_mu e^mu nu^2/mu^2 - (mu^2 - nu^2)/mu^2 Y0]
    b.yield_lower = mu / (mu * nu - nu * nu) *
                    (weak.gain * std::exp(nu) - signal.gain * std::exp(mu) * nu * nu / (mu * mu) -
                     (mu * mu - nu * nu) / (mu * mu) * y0);
    b.yield_lower = std::max(0.0, b.yield_lower);
    // MQZL eq. (35): e1 <= (E_nu Q_nu e^nu - e0 Y0) / (Y1^L nu)
    b.error_upper = b.yield_lower > 0 ? (weak.qber * weak.gain * std::exp(nu) - E0 * y0) / (b.yield_lower * nu) : 0.5;
    b.error_upper = std::clamp(b.error_upper, 0.0, 0.5);
    return b;
}

double decoy_vacuum_weak_key_rate(const LinkParameters& link, double mu, double nu) {
    const DecoyBounds b = vacuum_weak_bounds(link, mu, nu);
    return gllp(link, coherent_pulse(link, mu), b.yield_lower * mu * std::exp(-mu), b.error_upper);
}

double bb84_no_decoy_key_rate(const LinkParameters& link, double mu) {
    const PulseStatistics signal = coherent_pulse(link, mu);
    const double multi = 1 - (1 + mu) * std::exp(-mu);  // the probability of two photons or more
    const double delta = multi / signal.gain;
    if (delta >= 1) return 0;
    return gllp(link, signal, signal.gain * (1 - delta), signal.qber / (1 - delta));
}

double single_photon_key_rate(const LinkParameters& link) {
    const SinglePhoton one = single_photon(link);
    const double rate = link.sifting_factor * one.yield *
                        (1 - link.error_correction_efficiency * binary_entropy(one.error) - binary_entropy(one.error));
    return std::max(0.0, rate);
}

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
