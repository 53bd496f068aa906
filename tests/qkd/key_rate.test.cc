#include "qkdlab/qkd/key_rate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "qkdlab/core/error.h"

namespace qkdlab::qkd {
namespace {

LinkParameters at(double length_km) {
    LinkParameters link;  // GYS
    link.length_km = length_km;
    return link;
}

// The longest distance (to 0.01 km) at which `rate` is still positive, by bisection.
double max_distance(const std::function<double(const LinkParameters&)>& rate) {
    double low = 0, high = 400;
    while (high - low > 0.01) {
        const double mid = (low + high) / 2;
        (rate(at(mid)) > 0 ? low : high) = mid;
    }
    return low;
}

}  // namespace

TEST(key_rate, binary_entropy) {
    EXPECT_EQ(binary_entropy(0), 0);
    EXPECT_EQ(binary_entropy(1), 0);
    EXPECT_NEAR(binary_entropy(0.5), 1, 1e-15);
    EXPECT_NEAR(binary_entropy(0.11), 0.4999165, 1e-6);  // the BB84 threshold h(0.11) = 1/2
    EXPECT_NEAR(binary_entropy(0.2), binary_entropy(0.8), 1e-15);
}

TEST(key_rate, channel_model_closed_forms) {
    // eta = 0.045 * 10^(-0.21 * 50 / 10)
    EXPECT_NEAR(transmittance(at(50)), 0.045 * std::pow(10.0, -1.05), 1e-15);
    LinkParameters perfect = at(0);
    perfect.dark_count_probability = 0;
    perfect.misalignment = 0;
    const PulseStatistics clean = coherent_pulse(perfect, 0.5);
    EXPECT_NEAR(clean.gain, 1 - std::exp(-0.045 * 0.5), 1e-15);
    EXPECT_EQ(clean.qber, 0);
    // Far away only dark counts click: E -> e0 = 1/2, Q -> Y0.
    const PulseStatistics far = coherent_pulse(at(1000), 0.5);
    EXPECT_NEAR(far.gain, 1.7e-6, 1e-12);
    EXPECT_NEAR(far.qber, 0.5, 1e-6);
    // Near, the error is the misalignment.
    EXPECT_NEAR(coherent_pulse(at(0), 0.5).qber, 0.033, 1e-3);
    const SinglePhoton one = single_photon(at(50));
    const double eta = transmittance(at(50));
    EXPECT_NEAR(one.yield, 1.7e-6 + eta - 1.7e-6 * eta, 1e-18);
    EXPECT_NEAR(one.error, (0.5 * 1.7e-6 + 0.033 * eta) / one.yield, 1e-15);
}

TEST(key_rate, vacuum_weak_bounds_are_valid_and_tighten_as_the_decoy_weakens) {
    for (double length : {0.0, 50.0, 100.0}) {
        const SinglePhoton truth = single_photon(at(length));
        double previous_gap = 1;
        for (double nu : {0.2, 0.1, 0.05, 0.01}) {
            const DecoyBounds b = vacuum_weak_bounds(at(length), 0.48, nu);
            EXPECT_LE(b.yield_lower, truth.yield * (1 + 1e-9)) << length << " " << nu;
            EXPECT_GE(b.error_upper, truth.error * (1 - 1e-9)) << length << " " << nu;
            const double gap = 1 - b.yield_lower / truth.yield;
            EXPECT_LE(gap, previous_gap) << length << " " << nu;
            previous_gap = gap;
        }
        EXPECT_LT(previous_gap, 0.02) << length;  // nu = 0.01: Y1 within 2%
    }
    EXPECT_THROW(vacuum_weak_bounds(at(10), 0.1, 0.2), Error);
}

TEST(key_rate, protocols_are_ordered_and_vanish_far_away) {
    const double mu = 0.48, nu = 0.05;
    for (double length : {10.0, 50.0, 100.0}) {
        const LinkParameters link = at(length);
        const double infinite = decoy_infinite_key_rate(link, mu);
        const double weak = decoy_vacuum_weak_key_rate(link, mu, nu);
        const double none = bb84_no_decoy_key_rate(link, mu);
        EXPECT_GT(infinite, 0) << length;
        EXPECT_LE(weak, infinite) << length;
        EXPECT_LE(none, weak) << length;
        EXPECT_GT(single_photon_key_rate(link), infinite) << length;
    }
    EXPECT_EQ(decoy_infinite_key_rate(at(400), mu), 0);
    // The decoys reach far beyond the plain weak-pulse protocol.
    const double d_infinite = max_distance([&](const LinkParameters& l) { return decoy_infinite_key_rate(l, mu); });
    const double d_weak = max_distance([&](const LinkParameters& l) { return decoy_vacuum_weak_key_rate(l, mu, nu); });
    const double d_none = max_distance([&](const LinkParameters& l) { return bb84_no_decoy_key_rate(l, 0.1); });
    EXPECT_GT(d_infinite, d_weak);
    EXPECT_GT(d_weak, 2 * d_none);
    // With the GYS parameters and mu = 0.48, the infinite-decoy rate reaches about 142 km (Ma, Qi,
    // Zhao and Lo 2005); the closed forms here give 142.0 km.
    EXPECT_NEAR(d_infinite, 142, 1);
}

// Acín et al. 2007: for a Werner state of visibility V, S = 2 sqrt(2) V and Q = (1 - V)/2; the
// device-independent rate vanishes near V = 0.858 (Q = 7.1%).
TEST(key_rate, e91_secret_fraction_from_chsh) {
    EXPECT_NEAR(e91_secret_fraction(2 * std::sqrt(2.0), 0), 1, 1e-12);
    EXPECT_EQ(e91_secret_fraction(2, 0), 0);
    EXPECT_EQ(e91_secret_fraction(1.5, 0.1), 0);
    const auto werner = [](double v) { return e91_secret_fraction(2 * std::sqrt(2.0) * v, (1 - v) / 2); };
    EXPECT_GT(werner(0.87), 0);  // Q = 6.5%
    EXPECT_EQ(werner(0.85), 0);  // Q = 7.5%
    EXPECT_THROW((void)e91_secret_fraction(3, 0), Error);
    EXPECT_THROW((void)e91_secret_fraction(2.5, -0.1), Error);
}

}  // namespace qkdlab::qkd
