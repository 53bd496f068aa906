#include "qkdlab/qkd/analytic_rate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "qkdlab/core/error.h"
#include "qkdlab/qkd/detection_model.h"
#include "qkdlab/qkd/key_rate.h"

namespace qkdlab::qkd {
namespace {

Link gys() { return link_preset("gys-2004"); }  // mu = 0.48 (p 0.8), nu = 0.05 (p 0.1), vacuum (p 0.1)

ObservedIntensity observe(const LinkParameters& link, double mu) {
    const PulseStatistics s = coherent_pulse(link, mu);
    return {mu, s.gain, s.qber};
}

// The same link without decoys: bb84 with one intensity.
Link plain_bb84(double mu) {
    Link link = gys();
    link.protocol = Protocol::bb84;
    link.source.intensities = {{"signal", mu, 1}};
    return link;
}

Link entangled_at(double length_km, double position_km) {
    Link link = link_preset("entangled-50km");
    link.channel.length_km = length_km;
    link.source.position_km = position_km;
    return link;
}

// MFL's parameters of an entangled link, built here from the conventions (docs/key_rates.md).
PairLinkParameters mfl(const Link& link) {
    PairLinkParameters p;
    const double alice_db = link.channel.loss_db_per_km * link.source.position_km;
    const double bob_db =
        link.channel.loss_db_per_km * (link.channel.length_km - link.source.position_km) + link.channel.extra_loss_db;
    p.alice_transmittance = std::pow(10.0, -alice_db / 10) * link.detectors.efficiency;
    p.bob_transmittance = std::pow(10.0, -bob_db / 10) * link.detectors.efficiency;
    p.alice_dark_count_probability = p.bob_dark_count_probability =
        1 - std::pow(1 - link.detectors.dark_count_probability, 2);
    p.misalignment = link.channel.misalignment;
    p.error_correction_efficiency = link.error_correction_efficiency;
    p.sifting_factor = 0.5;
    return p;
}

}  // namespace

// Decoy BB84 per pulse sent: the signal's GLLP rate times the signal's share of the pulses.
TEST(analytic_rate, decoy_rates_are_per_pulse_sent) {
    const Link link = gys();
    const LinkParameters p = analytic_parameters(link);
    const RatePoint infinite = analytic_rate(link, Protocol::decoy_bb84, DecoyAnalysis::infinite, false);
    EXPECT_DOUBLE_EQ(infinite.key_rate_per_pulse, 0.8 * decoy_infinite_key_rate(p, 0.48));
    EXPECT_DOUBLE_EQ(infinite.key_rate_bps, infinite.key_rate_per_pulse * 2e6);
    EXPECT_EQ(infinite.intensities, std::vector<double>{0.48});
    EXPECT_DOUBLE_EQ(infinite.gain, coherent_pulse(p, 0.48).gain);
    EXPECT_DOUBLE_EQ(infinite.qber, coherent_pulse(p, 0.48).qber);
    EXPECT_GT(infinite.key_rate_per_pulse, 0);  // 122 km

    const RatePoint weak = analytic_rate(link, Protocol::decoy_bb84, DecoyAnalysis::vacuum_weak, false);
    EXPECT_DOUBLE_EQ(weak.key_rate_per_pulse, 0.8 * decoy_vacuum_weak_key_rate(p, 0.48, 0.05));
    EXPECT_EQ(weak.intensities, (std::vector<double>{0.48, 0.05}));
    EXPECT_LT(weak.key_rate_per_pulse, infinite.key_rate_per_pulse);

    // The infinite-decoy rate ends near MQZL's 142 km (key_rate.test.cc has the exact distance).
    Link far = link;
    far.channel.length_km = 141;
    EXPECT_GT(analytic_rate(far, Protocol::decoy_bb84, DecoyAnalysis::infinite, false).key_rate_per_pulse, 0);
    far.channel.length_km = 143;
    EXPECT_EQ(analytic_rate(far, Protocol::decoy_bb84, DecoyAnalysis::infinite, false).key_rate_per_pulse, 0);
}

// q = pz^2 + (1 - pz)^2 multiplies the whole GLLP rate.
TEST(analytic_rate, biased_basis_choice_raises_the_sifting_factor) {
    Link biased = gys();
    biased.z_basis_probability = 0.9;
    const double balanced =
        analytic_rate(gys(), Protocol::decoy_bb84, DecoyAnalysis::infinite, false).key_rate_per_pulse;
    const double rate = analytic_rate(biased, Protocol::decoy_bb84, DecoyAnalysis::infinite, false).key_rate_per_pulse;
    EXPECT_NEAR(rate / balanced, 0.82 / 0.5, 1e-12);
}

// Two weak decoys and no vacuum: the general bounds, which need mu > nu1 + nu2.
TEST(analytic_rate, two_weak_decoys) {
    Link link = gys();
    link.channel.length_km = 50;
    link.source.intensities = {{"signal", 0.6, 0.8}, {"decoy1", 0.2, 0.1}, {"decoy2", 0.05, 0.1}};
    const LinkParameters p = analytic_parameters(link);
    const RatePoint point = analytic_rate(link, Protocol::decoy_bb84, DecoyAnalysis::vacuum_weak, false);
    const DecoyBounds b = two_decoy_bounds({observe(p, 0.6), observe(p, 0.2), observe(p, 0.05)});
    EXPECT_DOUBLE_EQ(point.key_rate_per_pulse,
                     0.8 * decoy_key_rate(observe(p, 0.6), b, p.error_correction_efficiency, p.sifting_factor));
    EXPECT_EQ(point.intensities, (std::vector<double>{0.6, 0.2, 0.05}));
    EXPECT_GT(point.key_rate_per_pulse, 0);
    link.source.intensities = {{"signal", 0.3, 0.8}, {"decoy1", 0.2, 0.1}, {"decoy2", 0.15, 0.1}};
    EXPECT_EQ(analytic_rate(link, Protocol::decoy_bb84, DecoyAnalysis::vacuum_weak, false).key_rate_per_pulse, 0);
    // Optimised above nu1 + nu2 = 0.35, a key again.
    const RatePoint best = analytic_rate(link, Protocol::decoy_bb84, DecoyAnalysis::vacuum_weak, true);
    EXPECT_GT(best.intensities[0], 0.35);
    EXPECT_GT(best.key_rate_per_pulse, 0);
}

// The optimised signal beats every intensity of a grid and sits near MQZL's 0.48 for GYS.
TEST(analytic_rate, optimised_signal) {
    Link link = gys();
    link.channel.length_km = 50;
    const LinkParameters p = analytic_parameters(link);
    for (DecoyAnalysis analysis : {DecoyAnalysis::infinite, DecoyAnalysis::vacuum_weak}) {
        const RatePoint best = analytic_rate(link, Protocol::decoy_bb84, analysis, true);
        for (int k = 6; k <= 100; ++k) {
            const double mu = k / 100.0;
            const double rate = analysis == DecoyAnalysis::infinite ? decoy_infinite_key_rate(p, mu)
                                                                    : decoy_vacuum_weak_key_rate(p, mu, 0.05);
            EXPECT_LE(0.8 * rate, best.key_rate_per_pulse * (1 + 1e-9)) << mu;
        }
        EXPECT_NEAR(best.intensities[0], 0.48, 0.03);
    }
    // Without decoys the best signal is far weaker (the multi-photon pulses are all tagged).
    Link plain = plain_bb84(0.48);
    plain.channel.length_km = 20;
    const RatePoint none = analytic_rate(plain, Protocol::bb84, DecoyAnalysis::infinite, true);
    EXPECT_LT(none.intensities[0], 0.2);
    EXPECT_GT(none.key_rate_per_pulse,
              analytic_rate(plain, Protocol::bb84, DecoyAnalysis::infinite, false).key_rate_per_pulse);
}

// bb84 uses the first intensity on every pulse; a single-photon source its own rate.
TEST(analytic_rate, bb84_weak_coherent_and_single_photon) {
    Link link = plain_bb84(0.1);
    link.channel.length_km = 20;
    const LinkParameters p = analytic_parameters(link);
    const RatePoint plain = analytic_rate(link, Protocol::bb84, DecoyAnalysis::infinite, false);
    EXPECT_DOUBLE_EQ(plain.key_rate_per_pulse, bb84_no_decoy_key_rate(p, 0.1));
    EXPECT_EQ(plain.intensities, std::vector<double>{0.1});
    // The decoy link asked for bb84: its signal, sent on every pulse.
    Link decoy = gys();
    decoy.channel.length_km = 20;
    EXPECT_DOUBLE_EQ(analytic_rate(decoy, Protocol::bb84, DecoyAnalysis::infinite, false).key_rate_per_pulse,
                     bb84_no_decoy_key_rate(p, 0.48));

    Link single = link;
    single.source.kind = SourceKind::single_photon;
    single.source.intensities.clear();
    const RatePoint one = analytic_rate(single, Protocol::bb84, DecoyAnalysis::infinite, true);
    EXPECT_DOUBLE_EQ(one.key_rate_per_pulse, single_photon_key_rate(p));
    EXPECT_EQ(one.intensities, std::vector<double>{1});
    EXPECT_DOUBLE_EQ(one.gain, single_photon(p).yield);
    EXPECT_GT(one.key_rate_per_pulse,
              analytic_rate(gys(), Protocol::decoy_bb84, DecoyAnalysis::infinite, true).key_rate_per_pulse);
}

// BBM92 is MFL's closed form with lambda = half the mean pair number, Alice's arm position_km long.
TEST(analytic_rate, bbm92_is_mfl) {
    const Link link = link_preset("entangled-50km");  // mean pair number 0.04, source in the middle
    const RatePoint point = analytic_rate(link, Protocol::bbm92, DecoyAnalysis::infinite, false);
    // (the receiver's dark-count probability 1 - (1 - p)^2 is computed two ways: 1e-12)
    EXPECT_NEAR(point.key_rate_per_pulse, bbm92_key_rate(mfl(link), 0.02), 1e-12 * point.key_rate_per_pulse);
    EXPECT_NEAR(point.gain, entangled_pairs(mfl(link), 0.02).gain, 1e-12 * point.gain);
    EXPECT_NEAR(point.qber, entangled_pairs(mfl(link), 0.02).qber, 1e-12);
    EXPECT_EQ(point.intensities, std::vector<double>{0.04});
    EXPECT_DOUBLE_EQ(point.key_rate_bps, point.key_rate_per_pulse * 1e8);
    EXPECT_GT(point.key_rate_per_pulse, 0);
    const RatePoint best = analytic_rate(link, Protocol::bbm92, DecoyAnalysis::infinite, true);
    EXPECT_GE(best.key_rate_per_pulse, point.key_rate_per_pulse);
    for (double pairs : {0.01, 0.1, 0.3, 1.0}) {
        EXPECT_LE(bbm92_key_rate(mfl(link), pairs / 2), best.key_rate_per_pulse * (1 + 1e-9)) << pairs;
    }
    // Same total loss: the source in the middle beats the source at Alice's end far away.
    const double middle =
        analytic_rate(entangled_at(150, 75), Protocol::bbm92, DecoyAnalysis::infinite, true).key_rate_per_pulse;
    const double at_alice =
        analytic_rate(entangled_at(150, 0), Protocol::bbm92, DecoyAnalysis::infinite, true).key_rate_per_pulse;
    EXPECT_GT(middle, at_alice);
}

// MFL's closed forms against the exact model of detection_model.h (no dead time, no afterpulses): the
// gain is exact; MFL's eq. (10) differs from the exact error rate (misalignment per detected photon,
// double clicks and dark counts squashed to random bits) at second order, by at most 5e-5 of E here.
TEST(analytic_rate, mfl_agrees_with_the_detection_model) {
    for (double position : {0.0, 10.0, 25.0}) {
        for (double pairs : {0.01, 0.04, 0.5}) {
            Link link = entangled_at(50, position);
            link.source.mean_pair_number = pairs;
            const ExpectedStatistics expected = expected_statistics(link);
            const PulseStatistics closed = entangled_pairs(mfl(link), pairs / 2);
            EXPECT_NEAR(closed.gain, expected.intensities.at(0).gain, 1e-9 * closed.gain) << position << " " << pairs;
            EXPECT_NEAR(closed.qber, expected.intensities.at(0).qber, 1e-4 * closed.qber) << position << " " << pairs;
        }
    }
}

// E91: Q (2/9) r(S, E) from the detection model; below BBM92 on the same link (fewer key settings and
// the device-independent penalty), and near 2/9 of the coincidences at no noise.
TEST(analytic_rate, e91_from_chsh) {
    Link link = link_preset("entangled-50km");
    link.protocol = Protocol::e91;
    const RatePoint point = analytic_rate(link, Protocol::e91, DecoyAnalysis::infinite, false);
    const ExpectedStatistics expected = expected_statistics(link);
    EXPECT_NEAR(point.key_rate_per_pulse,
                expected.intensities[0].gain * 2 / 9 *
                    e91_secret_fraction(std::min(expected.chsh, 2 * std::sqrt(2.0)), expected.intensities[0].qber,
                                        link.error_correction_efficiency),
                1e-15);
    EXPECT_GT(point.key_rate_per_pulse, 0);
    EXPECT_LT(point.key_rate_per_pulse,
              analytic_rate(link, Protocol::bbm92, DecoyAnalysis::infinite, false).key_rate_per_pulse);
    Link clean = link;
    clean.channel.misalignment = 0;
    clean.detectors.dark_count_probability = 0;
    clean.source.mean_pair_number = 1e-4;
    const RatePoint ideal = analytic_rate(clean, Protocol::e91, DecoyAnalysis::infinite, false);
    EXPECT_NEAR(ideal.key_rate_per_pulse, ideal.gain * 2 / 9, 0.01 * ideal.gain * 2 / 9);
    const RatePoint best = analytic_rate(link, Protocol::e91, DecoyAnalysis::infinite, true);
    EXPECT_GE(best.key_rate_per_pulse, point.key_rate_per_pulse);
}

TEST(analytic_rate, protocol_must_fit_the_source) {
    const auto path_of = [](const Link& link, Protocol protocol, DecoyAnalysis decoys) {
        try {
            (void)analytic_rate(link, protocol, decoys, false);
        } catch (const ConfigError& e) {
            return e.json_path();
        }
        return std::string("no error");
    };
    EXPECT_EQ(path_of(gys(), Protocol::bbm92, DecoyAnalysis::infinite), "/protocol");
    EXPECT_EQ(path_of(gys(), Protocol::e91, DecoyAnalysis::infinite), "/protocol");
    EXPECT_EQ(path_of(link_preset("entangled-50km"), Protocol::bb84, DecoyAnalysis::infinite), "/protocol");
    EXPECT_EQ(path_of(link_preset("entangled-50km"), Protocol::decoy_bb84, DecoyAnalysis::infinite), "/protocol");
    Link single = plain_bb84(0.1);
    single.source.kind = SourceKind::single_photon;
    single.source.intensities.clear();
    EXPECT_EQ(path_of(single, Protocol::decoy_bb84, DecoyAnalysis::infinite), "/protocol");
    // Finite decoys need decoys; infinitely many are a limit any weak-coherent link may ask for.
    EXPECT_EQ(path_of(plain_bb84(0.48), Protocol::decoy_bb84, DecoyAnalysis::vacuum_weak), "/source/intensities");
    EXPECT_EQ(path_of(plain_bb84(0.48), Protocol::decoy_bb84, DecoyAnalysis::infinite), "no error");
}

}  // namespace qkdlab::qkd
