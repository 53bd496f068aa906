#include "qkdlab/qkd/key_rate.h"

#include <gtest/gtest.h>

#include <boost/random/uniform_real_distribution.hpp>
#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

#include "qkdlab/core/error.h"
#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/optimal_intensity.h"

namespace qkdlab::qkd {
namespace {

LinkParameters at(double length_km) {
    LinkParameters link;  // GYS
    link.length_km = length_km;
    return link;
}

ObservedIntensity observe(const LinkParameters& link, double mu) {
    const PulseStatistics s = coherent_pulse(link, mu);
    return {mu, s.gain, s.qber};
}

// A channel that Eve controls photon number by photon number: any yields Y_n and errors e_n in [0, 1].
// The gain and error of a Poisson intensity follow (MQZL eqs. 7-9 without the channel model):
// Q_mu = sum_n Y_n mu^n e^{-mu}/n!, E_mu Q_mu = sum_n e_n Y_n mu^n e^{-mu}/n!.
struct Channel {
    std::vector<double> yield, error;
    ObservedIntensity observe(double mu) const {
        double gain = 0, errors = 0, poisson = std::exp(-mu);
        for (std::size_t n = 0; n < yield.size(); ++n) {
            gain += yield[n] * poisson;
            errors += error[n] * yield[n] * poisson;
            poisson *= mu / static_cast<double>(n + 1);
        }
        return {mu, gain, errors / gain};
    }
};

Channel random_channel(core::Rng& rng) {
    boost::random::uniform_real_distribution<double> unit(0, 1);
    Channel c;
    for (int n = 0; n < 40; ++n) {
        // Mostly lossy channels (small yields) with the odd transparent photon number, as an attack would make.
        const double u = unit(rng);
        c.yield.push_back(u < 0.2 ? unit(rng) : std::pow(10.0, -6 * unit(rng)));
        c.error.push_back(n == 0 ? 0.5 : 0.5 * unit(rng));
    }
    return c;
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

// The decoy bounds hold whatever the channel does to each photon number: for 2000 random channels
// (yields and errors per photon number), Y1^L <= Y1 and e1^U >= e1.
TEST(key_rate, decoy_bounds_hold_for_any_channel) {
    core::Rng rng(20050712);
    int informative = 0;  // trials where both bounds say something (Y1^L > 0)
    for (int trial = 0; trial < 2000; ++trial) {
        const Channel c = random_channel(rng);
        const DecoyBounds vw = vacuum_weak_bounds({c.observe(0.5), c.observe(0.1), c.yield[0]});
        EXPECT_LE(vw.yield_lower, c.yield[1] * (1 + 1e-9) + 1e-15) << trial;
        if (vw.yield_lower > 0) {
            EXPECT_GE(vw.error_upper, c.error[1] * (1 - 1e-9) - 1e-12) << trial;
        }
        const DecoyBounds two = two_decoy_bounds({c.observe(0.6), c.observe(0.2), c.observe(0.05)});
        EXPECT_LE(two.yield_lower, c.yield[1] * (1 + 1e-9) + 1e-15) << trial;
        if (two.yield_lower > 0) {
            EXPECT_GE(two.error_upper, c.error[1] * (1 - 1e-9) - 1e-12) << trial;
        }
        EXPECT_LE(vw.error_upper, 0.5);
        EXPECT_GE(vw.yield_lower, 0);
        informative += vw.yield_lower > 0 && two.yield_lower > 0;
    }
    std::printf("informative bounds in %d of 2000 channels\n", informative);
    EXPECT_GT(informative, 200);
}

// The closed-form wrapper is the measured-value formula fed with the channel model's gains.
TEST(key_rate, the_link_wrapper_is_the_measured_formula) {
    const LinkParameters link = at(60);
    const DecoyBounds a = vacuum_weak_bounds(link, 0.48, 0.05);
    const DecoyBounds b = vacuum_weak_bounds({observe(link, 0.48), observe(link, 0.05), link.dark_count_probability});
    EXPECT_EQ(a.yield_lower, b.yield_lower);
    EXPECT_EQ(a.error_upper, b.error_upper);
    EXPECT_EQ(decoy_vacuum_weak_key_rate(link, 0.48, 0.05),
              decoy_key_rate(observe(link, 0.48), b, link.error_correction_efficiency, link.sifting_factor));
    EXPECT_EQ(bb84_no_decoy_key_rate(link, 0.1),
              no_decoy_key_rate(observe(link, 0.1), link.error_correction_efficiency, link.sifting_factor));
    // A measurement with no errors and every single photon detected gives the GLLP rate q Q1 (1 - 0).
    const ObservedIntensity perfect{0.5, 0.4, 0};
    EXPECT_NEAR(decoy_key_rate(perfect, {0.8, 0}, 1.2, 0.5), 0.5 * 0.8 * 0.5 * std::exp(-0.5), 1e-15);
}

// Two weak decoys tighten towards the true Y1 and e1 as both shrink, and with nu2 -> 0 they approach
// the vacuum + weak bounds (Y0^L -> Y0).
TEST(key_rate, two_decoy_bounds_tighten_as_the_decoys_weaken) {
    for (double length : {0.0, 50.0, 100.0}) {
        const LinkParameters link = at(length);
        const SinglePhoton truth = single_photon(link);
        double previous_gap = 1;
        for (double nu1 : {0.2, 0.1, 0.05, 0.02}) {
            const DecoyBounds b = two_decoy_bounds({observe(link, 0.48), observe(link, nu1), observe(link, nu1 / 4)});
            EXPECT_LE(b.yield_lower, truth.yield * (1 + 1e-9)) << length << " " << nu1;
            EXPECT_GE(b.error_upper, truth.error * (1 - 1e-9)) << length << " " << nu1;
            const double gap = 1 - b.yield_lower / truth.yield;
            EXPECT_LE(gap, previous_gap) << length << " " << nu1;
            previous_gap = gap;
        }
        EXPECT_LT(previous_gap, 0.03) << length;
        const DecoyBounds vacuum = vacuum_weak_bounds(link, 0.48, 0.1);
        const DecoyBounds almost = two_decoy_bounds({observe(link, 0.48), observe(link, 0.1), observe(link, 1e-6)});
        EXPECT_NEAR(almost.yield_lower, vacuum.yield_lower, 1e-4 * vacuum.yield_lower) << length;
        EXPECT_NEAR(almost.error_upper, vacuum.error_upper, 1e-3 * vacuum.error_upper) << length;
    }
    const LinkParameters link = at(10);
    EXPECT_THROW(two_decoy_bounds({observe(link, 0.48), observe(link, 0.05), observe(link, 0.1)}), Error);
    EXPECT_THROW(two_decoy_bounds({observe(link, 0.48), observe(link, 0.3), observe(link, 0.2)}), Error);
    EXPECT_THROW(vacuum_weak_bounds({observe(link, 0.48), {0.1, 1.5, 0.01}, 1e-6}), Error);
}

// MQZL's GYS example as MQZL report it (their maximum distances: 142.05 km with infinitely many
// decoys, 140.55 km for vacuum + weak; the signal mu = 0.48 and the weak decoy nu = 0.05 are the
// intensities that reproduce both). The closed forms here give 142.01 km and 140.62 km.
TEST(key_rate, mqzl_maximum_distances_for_gys) {
    const double d_infinite = max_distance([](const LinkParameters& l) { return decoy_infinite_key_rate(l, 0.48); });
    const double d_weak =
        max_distance([](const LinkParameters& l) { return decoy_vacuum_weak_key_rate(l, 0.48, 0.05); });
    EXPECT_NEAR(d_infinite, 142.05, 0.005 * 142.05);
    EXPECT_NEAR(d_weak, 140.55, 0.005 * 140.55);
    // With the signal optimised at every distance the infinite-decoy reach grows only a little.
    const double d_optimal =
        max_distance([](const LinkParameters& l) { return optimal_intensity(decoy_infinite_key_rate, l).key_rate; });
    std::printf("GYS reach: %.2f km infinite decoys, %.2f km vacuum + weak, %.2f km with mu optimised\n", d_infinite,
                d_weak, d_optimal);
    EXPECT_GE(d_optimal, d_infinite);
    EXPECT_LT(d_optimal, d_infinite + 1);
}

// In the loss-limited regime (Y0 negligible, E_mu = e1 = e_d, Q_mu = eta mu, Y1 = eta) the rate is
// q eta {-mu f h(e_d) + mu e^{-mu} [1 - h(e_d)]}, maximal where (1 - mu) e^{-mu} = f h(e_d) / (1 - h(e_d))
// (MQZL eq. (12)); for GYS that is mu = 0.479, and the exact optimum at 50 km sits within 1% of it.
TEST(key_rate, optimal_signal_matches_the_loss_limited_formula) {
    const LinkParameters link = at(50);
    const double target =
        link.error_correction_efficiency * binary_entropy(link.misalignment) / (1 - binary_entropy(link.misalignment));
    double low = 0, high = 1;
    for (int k = 0; k < 100; ++k) {
        const double mid = (low + high) / 2;
        ((1 - mid) * std::exp(-mid) > target ? low : high) = mid;
    }
    EXPECT_NEAR(low, 0.479, 0.001);
    const OptimalIntensity best = optimal_intensity(decoy_infinite_key_rate, link);
    std::printf("GYS at 50 km: optimal mu %.4f (loss-limited %.4f), %.4g bits per pulse\n", best.mu, low,
                best.key_rate);
    EXPECT_NEAR(best.mu, low, 0.01 * low);
    // And the rate there is the loss-limited formula's to within the dropped terms (the dark counts
    // raise E_mu from 3.30% to 3.34% at 50 km, which costs 1.2% of the rate).
    const double eta = transmittance(link);
    const double approx = link.sifting_factor * eta * low *
                          (-link.error_correction_efficiency * binary_entropy(link.misalignment) +
                           std::exp(-low) * (1 - binary_entropy(link.misalignment)));
    EXPECT_NEAR(best.key_rate, approx, 0.02 * approx);
}

// Shor and Preskill: with perfect error correction (f = 1) a basis-independent source keeps a key up
// to a QBER of 11.0% (1 - 2 h(Q) = 0 at Q = 0.1100).
TEST(key_rate, basis_independent_rate_vanishes_at_the_shor_preskill_threshold) {
    EXPECT_GT(basis_independent_key_rate(0.01, 0.1095, 1, 0.5), 0);
    EXPECT_EQ(basis_independent_key_rate(0.01, 0.1105, 1, 0.5), 0);
    EXPECT_NEAR(basis_independent_key_rate(0.01, 0, 1.2, 0.5), 0.005, 1e-15);
    EXPECT_EQ(basis_independent_key_rate(0.01, 0.7, 1, 0.5), 0);  // above 1/2 nothing is learnt either
    EXPECT_THROW((void)basis_independent_key_rate(1.5, 0, 1, 0.5), Error);
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

PairLinkParameters pairs(double alice_db, double bob_db) {
    PairLinkParameters link;  // GYS detectors on both sides
    link.alice_transmittance = 0.045 * std::pow(10.0, -alice_db / 10);
    link.bob_transmittance = 0.045 * std::pow(10.0, -bob_db / 10);
    link.alice_dark_count_probability = link.bob_dark_count_probability = 1.7e-6;
    link.misalignment = 0.033;
    return link;
}

// MFL eq. (9) is the generating-function sum of the pair-number distribution (MFL eq. (5)) times the
// n-pair coincidence yield Y_n = [1 - (1 - Y0A)(1 - eta_A)^n][1 - (1 - Y0B)(1 - eta_B)^n] (MFL eq. (7)).
TEST(key_rate, mfl_gain_is_the_thermal_sum_of_the_pair_yields) {
    for (double lambda : {1e-3, 0.05, 0.3, 1.0}) {
        for (const PairLinkParameters& link : {pairs(0, 0), pairs(3, 17), pairs(20, 20), pairs(0, 40)}) {
            double sum = 0, p = 1 / ((1 + lambda) * (1 + lambda));  // P(0)
            for (int n = 0; n < 4000; ++n) {
                // 1 - (1 - Y0)(1 - eta)^n without cancellation
                const double alice = -std::expm1(std::log1p(-link.alice_dark_count_probability) +
                                                 n * std::log1p(-link.alice_transmittance));
                const double bob =
                    -std::expm1(std::log1p(-link.bob_dark_count_probability) + n * std::log1p(-link.bob_transmittance));
                sum += p * alice * bob;
                p *= (n + 2.0) / (n + 1.0) * lambda / (1 + lambda);  // P(n + 1) / P(n)
            }
            EXPECT_NEAR(entangled_pairs(link, lambda).gain, sum, 1e-12 * sum) << lambda;
        }
    }
    // No pairs: only coincident dark counts, at random.
    const PulseStatistics dark = entangled_pairs(pairs(10, 10), 0);
    EXPECT_NEAR(dark.gain, 1.7e-6 * 1.7e-6, 1e-24);
    EXPECT_DOUBLE_EQ(dark.qber, 0.5);
}

// MFL eq. (10) in its limits: one pair and no dark counts -> the misalignment; multi-pair emission
// adds errors; a dark channel gives 1/2.
TEST(key_rate, mfl_qber_limits) {
    PairLinkParameters clean = pairs(5, 5);
    clean.alice_dark_count_probability = clean.bob_dark_count_probability = 0;
    EXPECT_NEAR(entangled_pairs(clean, 1e-6).qber, 0.033, 1e-5);
    double previous = 0;
    for (double lambda : {0.01, 0.1, 0.5, 2.0}) {
        const double e = entangled_pairs(clean, lambda).qber;
        EXPECT_GT(e, previous) << lambda;
        EXPECT_LT(e, 0.5) << lambda;
        previous = e;
    }
    EXPECT_NEAR(entangled_pairs(pairs(0, 400), 0.1).qber, 0.5, 1e-9);
}

// The BBM92 rate vanishes for lambda -> 0 and far away, and with the same total loss a source in the
// middle reaches further than a source at Alice's end, because each side's signal then competes with
// its own dark counts over half the loss (MFL section on the source position).
TEST(key_rate, bbm92_rate_and_source_position) {
    EXPECT_EQ(bbm92_key_rate(pairs(0, 10), 0), 0);
    EXPECT_LT(bbm92_key_rate(pairs(0, 10), 1e-6), 1e-3 * bbm92_key_rate(pairs(0, 10), 0.01));
    const auto reach_db = [](bool middle) {
        double low = 0, high = 200;
        while (high - low > 0.01) {
            const double total = (low + high) / 2;
            const PairLinkParameters link = middle ? pairs(total / 2, total / 2) : pairs(0, total);
            const auto rate = [&](const LinkParameters&, double lambda) { return bbm92_key_rate(link, lambda); };
            (optimal_intensity(rate, LinkParameters{}, 1e-5, 1.0).key_rate > 0 ? low : high) = total;
        }
        return low;
    };
    const double at_alice = reach_db(false), middle = reach_db(true);
    EXPECT_GT(at_alice, 10);
    EXPECT_GT(middle, at_alice + 10);
    // The rate is q Q (1 - f h(E) - h(E)), the Koashi-Preskill form MFL use (eq. (11)).
    const PairLinkParameters link = pairs(5, 10);
    const PulseStatistics s = entangled_pairs(link, 0.05);
    EXPECT_NEAR(bbm92_key_rate(link, 0.05), 0.5 * s.gain * (1 - 2.22 * binary_entropy(s.qber)), 1e-15);
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
