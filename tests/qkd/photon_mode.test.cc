#include "qkdlab/qkd/photon_mode.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "qkdlab/core/error.h"
#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/detection_model.h"
#include "test_links.h"

namespace qkdlab::qkd {
namespace {

// Statistical checks: every rate is compared with detection_model.h's exact value within 4 binomial
// standard deviations of the sample it is measured on, sqrt(p (1 - p) / n). Fixed seeds.
constexpr double SIGMAS = 4;

using testing::decoy_link;

Link single_photon_link(double length_km) {
    Link link = decoy_link(length_km);
    link.protocol = Protocol::bb84;
    link.source.kind = SourceKind::single_photon;
    link.source.intensities.clear();
    return link;
}

Link entangled_link(Protocol protocol, double mean_pair_number) {
    Link link;
    link.protocol = protocol;
    link.source.kind = SourceKind::entangled_pairs;
    link.source.intensities.clear();
    link.source.mean_pair_number = mean_pair_number;
    link.source.position_km = 10;
    link.channel.length_km = 30;
    link.channel.loss_db_per_km = 0.2;
    link.channel.extra_loss_db = 1;
    link.channel.misalignment = 0.02;
    link.detectors.efficiency = 0.5;
    link.detectors.dark_count_probability = 1e-5;
    return link;
}

bool key_pair(Protocol protocol, unsigned a, unsigned b) {
    return protocol == Protocol::e91 ? (a == 1 && b == 0) || (a == 2 && b == 1) : a == b;
}

void expect_rate(std::uint64_t hits, std::uint64_t n, double expected, const std::string& what) {
    ASSERT_GT(n, 0u) << what;
    const double sigma = std::sqrt(expected * (1 - expected) / static_cast<double>(n));
    EXPECT_NEAR(static_cast<double>(hits) / static_cast<double>(n), expected, SIGMAS * sigma + 1e-15)
        << what << ": " << hits << " of " << n;
}

// Structural invariants of any run.
void expect_well_formed(const RawRecords& r, std::uint64_t pulses) {
    EXPECT_EQ(r.pulses, pulses);
    ASSERT_EQ(r.pulse_index.size(), r.tags.size());
    for (std::size_t i = 0; i < r.pulse_index.size(); ++i) {
        ASSERT_LT(r.pulse_index[i], pulses);
        if (i > 0) {
            ASSERT_LT(r.pulse_index[i - 1], r.pulse_index[i]);
        }
    }
    std::uint64_t sum = 0;
    for (std::uint64_t n : r.pulses_per_intensity) sum += n;
    EXPECT_EQ(sum, pulses);
    EXPECT_LE(r.dead_pulses, pulses);
}

// Per intensity: gain, QBER over the matching (key) settings and double clicks, against
// expected_statistics within 4 sigma; also the share of pulses of each intensity.
void expect_matches_model(const Link& link, const RawRecords& r) {
    const ExpectedStatistics e = expected_statistics(link);
    const std::size_t n = e.intensities.size();
    ASSERT_EQ(r.pulses_per_intensity.size(), n);
    std::vector<std::uint64_t> detections(n, 0), sifted(n, 0), errors(n, 0), double_clicks(n, 0);
    for (DetectionTag t : r.tags) {
        const unsigned k = t.intensity();
        ASSERT_LT(k, n);
        ++detections[k];
        if (t.double_click()) ++double_clicks[k];
        if (key_pair(link.protocol, t.alice_setting(), t.bob_setting())) {
            ++sifted[k];
            if (t.alice_bit() != t.bob_bit()) ++errors[k];
        }
    }
    for (std::size_t k = 0; k < n; ++k) {
        const std::string at = "intensity " + std::to_string(k);
        if (!link.source.intensities.empty()) {
            expect_rate(r.pulses_per_intensity[k], r.pulses, link.source.intensities[k].probability, at + " share");
        }
        expect_rate(detections[k], r.pulses_per_intensity[k], e.intensities[k].gain, at + " gain");
        expect_rate(double_clicks[k], r.pulses_per_intensity[k], e.intensities[k].double_click, at + " double clicks");
        if (sifted[k] > 0) {
            expect_rate(errors[k], sifted[k], e.intensities[k].qber, at + " qber");
        }
    }
    if (link.source.kind == SourceKind::entangled_pairs) {
        expect_rate(r.alice_clicks, r.pulses, e.alice_click_probability, "alice clicks");
        expect_rate(r.bob_clicks, r.pulses, e.bob_click_probability, "bob clicks");
    } else {
        EXPECT_EQ(r.bob_clicks, r.detections());
        EXPECT_EQ(r.alice_clicks, 0u);
    }
}

struct Chsh {
    double s = 0, sigma = 0;
};
// S = E(0, 22.5) - E(0, 67.5) + E(45, 22.5) + E(45, 67.5) from the coincidences, with its standard
// deviation sqrt(sum (1 - E^2) / N_ab).
Chsh measure_chsh(const RawRecords& r) {
    double same[3][3] = {}, total[3][3] = {};
    for (DetectionTag t : r.tags) {
        total[t.alice_setting()][t.bob_setting()] += 1;
        if (t.alice_bit() == t.bob_bit()) same[t.alice_setting()][t.bob_setting()] += 1;
    }
    Chsh c;
    const int pairs[4][3] = {{0, 0, 1}, {0, 2, -1}, {2, 0, 1}, {2, 2, 1}};
    double variance = 0;
    for (const auto& p : pairs) {
        const double n = total[p[0]][p[1]];
        const double e = (2 * same[p[0]][p[1]] - n) / n;
        c.s += p[2] * e;
        variance += (1 - e * e) / n;
    }
    c.sigma = std::sqrt(variance);
    return c;
}

RawRecords run(const Link& link, std::uint64_t pulses, std::uint64_t seed) {
    core::Rng rng(seed);
    RawRecords r = emulate_photons(link, pulses, rng);
    expect_well_formed(r, pulses);
    return r;
}

}  // namespace

TEST(photon_mode, decoy_link_matches_the_model) {
    for (double length : {0.0, 25.0, 100.0}) {
        const Link link = decoy_link(length);
        const RawRecords r = run(link, 30'000'000, 1 + static_cast<std::uint64_t>(length));
        EXPECT_GT(r.detections(), 1000u);
        EXPECT_EQ(r.dead_pulses, 0u);
        expect_matches_model(link, r);
    }
}

TEST(photon_mode, biased_and_passive_basis_choice) {
    Link biased = decoy_link(20);
    biased.z_basis_probability = 0.9;
    expect_matches_model(biased, run(biased, 20'000'000, 11));

    Link passive = decoy_link(20);
    passive.detectors.basis_choice = BasisChoice::passive;
    passive.detectors.dark_count_probability = 1e-3;  // squashing across bases matters
    passive.z_basis_probability = 0.7;
    expect_matches_model(passive, run(passive, 5'000'000, 12));
}

TEST(photon_mode, single_photon_source) {
    const Link link = single_photon_link(40);
    const RawRecords r = run(link, 10'000'000, 21);
    ASSERT_EQ(r.pulses_per_intensity.size(), 1u);
    expect_matches_model(link, r);
}

TEST(photon_mode, intercept_resend_gives_a_quarter) {
    Link link = decoy_link(25);
    link.channel.misalignment = 0;
    link.detectors.dark_count_probability = 0;
    link.eve.kind = AttackKind::intercept_resend;
    const RawRecords r = run(link, 10'000'000, 31);
    std::uint64_t sifted = 0, errors = 0, known = 0;
    for (DetectionTag t : r.tags) {
        if (t.intensity() != 0 || t.alice_setting() != t.bob_setting()) continue;
        ++sifted;
        errors += t.alice_bit() != t.bob_bit();
        known += t.eve_knows();
    }
    expect_rate(errors, sifted, 0.25, "sifted QBER");
    // Eve chose Alice's basis on half of the pulses she attacked, and then Bob's bit is right.
    expect_rate(known, sifted, 0.5, "Eve's share");
    expect_matches_model(link, r);
}

TEST(photon_mode, photon_number_splitting_and_beam_splitting) {
    Link pns = decoy_link(50);
    pns.eve.kind = AttackKind::photon_number_splitting;
    const RawRecords r = run(pns, 20'000'000, 41);
    expect_matches_model(pns, r);
    // The signal's gain is that of the honest link.
    expect_rate(static_cast<std::uint64_t>(
                    std::count_if(r.tags.begin(), r.tags.end(), [](DetectionTag t) { return t.intensity() == 0; })),
                r.pulses_per_intensity[0], expected_statistics(decoy_link(50)).intensities[0].gain, "honest gain");

    Link bs = decoy_link(50);
    bs.eve.kind = AttackKind::beam_splitting;
    const RawRecords b = run(bs, 20'000'000, 42);
    expect_matches_model(bs, b);
    // Her share of a pulse is Poisson(mu (1 - eta_channel)), independent of Bob's part: she holds a
    // photon of a detected signal pulse with probability 1 - exp(-mu (1 - eta_channel)).
    const double eta_channel = std::pow(10.0, -(0.2 * 50 + 1) / 10);
    std::uint64_t signal = 0, known = 0;
    for (DetectionTag t : b.tags) {
        if (t.intensity() != 0) continue;
        ++signal;
        known += t.eve_knows();
    }
    expect_rate(known, signal, -std::expm1(-0.5 * (1 - eta_channel)), "Eve's share");
}

TEST(photon_mode, dead_time_and_afterpulses) {
    // metro at 0 km with its detectors' 10 ns dead time (10 gates at 1 GHz) and afterpulses 0.005,
    // then an exaggerated case (afterpulse 0.3, bright pulses) where every effect is large.
    Link metro = decoy_link(0);
    metro.detectors.dead_time_ns = 10;
    metro.detectors.afterpulse_probability = 0.005;
    Link harsh = decoy_link(0);
    harsh.source.intensities = {{"signal", 3, 0.6}, {"decoy", 0.5, 0.3}, {"vacuum", 0, 0.1}};
    harsh.detectors.efficiency = 0.5;
    harsh.detectors.dark_count_probability = 0.01;
    harsh.detectors.dead_time_ns = 3;
    harsh.detectors.afterpulse_probability = 0.3;
    int seed = 51;
    for (const Link& link : {metro, harsh}) {
        const RawRecords r = run(link, 10'000'000, seed++);
        expect_matches_model(link, r);
        // Dead pulses come in windows of d after each click (the last one possibly cut short):
        // exactly d per detection but the last.
        const std::uint64_t d = static_cast<std::uint64_t>(std::ceil(link.detectors.dead_time_ns - 1e-9));
        EXPECT_LE(r.dead_pulses, d * r.detections());
        EXPECT_GE(r.dead_pulses, d * (r.detections() - 1));
        // The windows are d pulses each, so the dead share's spread is d times that of the count of
        // windows: 4 d sqrt(detections) / pulses (Poisson, an upper bound for the renewal process).
        EXPECT_NEAR(static_cast<double>(r.dead_pulses) / static_cast<double>(r.pulses),
                    expected_statistics(link).dead_fraction,
                    SIGMAS * static_cast<double>(d) * std::sqrt(static_cast<double>(r.detections())) /
                        static_cast<double>(r.pulses));
        // No detection inside a dead window.
        for (std::size_t i = 1; i < r.pulse_index.size(); ++i) {
            ASSERT_GT(r.pulse_index[i] - r.pulse_index[i - 1], d);
        }
    }
}

TEST(photon_mode, entangled_bbm92) {
    const Link link = entangled_link(Protocol::bbm92, 0.1);
    const RawRecords r = run(link, 20'000'000, 61);
    EXPECT_GT(r.detections(), 10000u);
    expect_matches_model(link, r);
    // Dead time and afterpulses on both sides: the joint chain of detection_model.
    Link dead = entangled_link(Protocol::bbm92, 1.0);
    dead.channel.length_km = 4;
    dead.source.position_km = 2;
    dead.detectors.dark_count_probability = 0.01;
    dead.detectors.dead_time_ns = 4;
    dead.detectors.afterpulse_probability = 0.2;
    const RawRecords rd = run(dead, 5'000'000, 62);
    expect_matches_model(dead, rd);
    // Dead windows of 4 gates on either side: 4 sigma of their count, as above.
    EXPECT_NEAR(
        static_cast<double>(rd.dead_pulses) / static_cast<double>(rd.pulses), expected_statistics(dead).dead_fraction,
        SIGMAS * 4 * std::sqrt(static_cast<double>(rd.alice_clicks + rd.bob_clicks)) / static_cast<double>(rd.pulses));
}

TEST(photon_mode, entangled_passive_basis_choice) {
    // Four detectors a side: squashing across bases on both sides, dark counts enough to matter.
    Link link = entangled_link(Protocol::bbm92, 0.2);
    link.detectors.basis_choice = BasisChoice::passive;
    link.detectors.dark_count_probability = 1e-3;
    link.z_basis_probability = 0.6;
    expect_matches_model(link, run(link, 10'000'000, 63));
}

TEST(photon_mode, multi_pair_photons_bunch_in_mismatched_bases) {
    // lambda = 1 (two pairs a pulse on average, most coincidences multi-pair), Bob at the source and lossless,
    // Alice behind 3 dB, no dark counts or misalignment. Bob's photons are bosons: |n1, n2> in
    // Alice's frame meets his analyser turned by 45 degrees and sends all N photons to one detector
    // with probability 2 C(N, n1) / 2^N (|1 H, 1 V> never double-clicks), so the flagged coincidences
    // per pulse of mismatched settings are (detection_model.test.cc derives it)
    //   (lambda eta_A / (1 + lambda eta_A))^2 + G(q, 1) + G(1, q) - 2 G(q, q),
    //   G(x, y) = (1 - t^2)^2 (1 / ((1 - t^2 x)(1 - t^2 y)) - 2 / (1 - t^2 (x + y) / 2) + 1),
    // q = 1 - eta_A, t^2 = lambda / (1 + lambda): 0.2893, where independent photons would give 0.3382
    // (2 / ((1 - t^2 x / 2)(1 - t^2 y / 2)) for the middle term). Matched settings: Bob double-clicks
    // iff n1, n2 >= 1, t^4 - ((1 - t^2) t^2 q / (1 - t^2 q))^2.
    Link link = entangled_link(Protocol::bbm92, 2.0);
    link.channel.length_km = 15;
    link.source.position_km = 15;
    link.channel.extra_loss_db = 0;
    link.channel.misalignment = 0;
    link.detectors.efficiency = 1;
    link.detectors.dark_count_probability = 0;
    link.z_basis_probability = 0.5;
    const double lambda = 1, t2 = lambda / (1 + lambda), eta_a = std::pow(10.0, -0.3), q = 1 - eta_a;
    const auto g = [&](double x, double y, bool independent) {
        const double spread = independent ? 2 / ((1 - t2 * x / 2) * (1 - t2 * y / 2)) : 2 / (1 - t2 * (x + y) / 2);
        return (1 - t2) * (1 - t2) * (1 / ((1 - t2 * x) * (1 - t2 * y)) - spread + 1);
    };
    const auto mismatched = [&](bool independent) {
        return std::pow(lambda * eta_a / (1 + lambda * eta_a), 2) + g(q, 1, independent) + g(1, q, independent) -
               2 * g(q, q, independent);
    };
    const double matched = t2 * t2 - std::pow((1 - t2) * t2 * q / (1 - t2 * q), 2);
    const RawRecords r = run(link, 400'000, 64);
    std::uint64_t flagged[2] = {};
    for (DetectionTag t : r.tags) flagged[t.alice_setting() == t.bob_setting() ? 0 : 1] += t.double_click();
    // Each count is binomial over the pulses of its kind (1/2 of them, independently): over all
    // pulses it has rate p / 2, the form compared here.
    expect_rate(flagged[0], r.pulses, matched / 2, "matched double clicks");
    expect_rate(flagged[1], r.pulses, mismatched(false) / 2, "mismatched double clicks");
    const double n = static_cast<double>(r.pulses), p = mismatched(false) / 2;
    EXPECT_GT(mismatched(true) / 2 - static_cast<double>(flagged[1]) / n, 20 * std::sqrt(p * (1 - p) / n))
        << "independent photons would double-click more";
    expect_matches_model(link, r);
}

TEST(photon_mode, e91_chsh) {
    // No noise and a tiny mean pair number: S = 2 sqrt 2 within 4 sigma.
    Link clean = entangled_link(Protocol::e91, 0.002);
    clean.channel.misalignment = 0;
    clean.detectors.dark_count_probability = 0;
    clean.channel.length_km = 2;
    clean.source.position_km = 1;
    const RawRecords r = run(clean, 50'000'000, 71);
    const Chsh c = measure_chsh(r);
    EXPECT_GT(c.sigma, 0);
    EXPECT_NEAR(c.s, 2 * std::sqrt(2.0), SIGMAS * c.sigma) << "S " << c.s << " +- " << c.sigma;
    expect_matches_model(clean, r);
    // Misalignment e_d: S = 2 sqrt 2 (1 - 2 e_d) (multi-pairs and dark counts lower it a little
    // more; the exact value is expected_statistics').
    Link noisy = entangled_link(Protocol::e91, 0.02);
    noisy.channel.misalignment = 0.05;
    const RawRecords n = run(noisy, 50'000'000, 72);
    const Chsh cn = measure_chsh(n);
    EXPECT_NEAR(cn.s, expected_statistics(noisy).chsh, SIGMAS * cn.sigma);
    EXPECT_NEAR(cn.s, 2 * std::sqrt(2.0) * (1 - 2 * 0.05), SIGMAS * cn.sigma + 0.01);
    expect_matches_model(noisy, n);
}

TEST(photon_mode, same_seed_same_records) {
    Link link = decoy_link(10);
    link.detectors.dead_time_ns = 10;
    link.detectors.afterpulse_probability = 0.01;
    const RawRecords a = run(link, 2'000'000, 81), b = run(link, 2'000'000, 81), c = run(link, 2'000'000, 82);
    EXPECT_EQ(a.pulse_index, b.pulse_index);
    EXPECT_EQ(a.tags, b.tags);
    EXPECT_EQ(a.pulses_per_intensity, b.pulses_per_intensity);
    EXPECT_EQ(a.dead_pulses, b.dead_pulses);
    EXPECT_NE(a.pulse_index, c.pulse_index);
}

TEST(photon_mode, reports_progress) {
    const Link link = decoy_link(50);
    const std::uint64_t pulses = 100'000'000;
    std::vector<std::uint64_t> done;
    core::Rng rng(91);
    const RawRecords r = emulate_photons(link, pulses, rng, [&](std::uint64_t d, std::uint64_t total) {
        EXPECT_EQ(total, pulses);
        done.push_back(d);
    });
    expect_well_formed(r, pulses);
    ASSERT_FALSE(done.empty());
    EXPECT_EQ(done.back(), pulses);
    for (std::size_t i = 1; i < done.size(); ++i) EXPECT_LT(done[i - 1], done[i]);
    // About every 2^24 pulses: 100e6 / 2^24 = 5.96 -> 5 intermediate reports and the last.
    EXPECT_GE(done.size(), 5u);
    EXPECT_LE(done.size(), 7u);
}

TEST(photon_mode, emulate_checks_and_dispatches) {
    EXPECT_EQ(parse_fidelity("photon"), Fidelity::photon);
    EXPECT_EQ(parse_fidelity("qubit"), Fidelity::qubit);
    EXPECT_EQ(to_string(Fidelity::photon), "photon");
    EXPECT_EQ(to_string(Fidelity::qubit), "qubit");
    EXPECT_THROW(parse_fidelity("photons"), Error);
    const Link link = link_preset("metro-25km");
    core::Rng a(111), b(111);
    const RawRecords via_emulate = emulate(link, Fidelity::photon, 1'000'000, a);
    const RawRecords direct = emulate_photons(link, 1'000'000, b);
    EXPECT_EQ(via_emulate.tags, direct.tags);
    EXPECT_EQ(via_emulate.pulse_index, direct.pulse_index);
    Link bad = link;
    bad.channel.misalignment = 0.7;
    EXPECT_THROW(emulate(bad, Fidelity::photon, 10, a), ConfigError);
}

TEST(photon_mode, edge_cases) {
    core::Rng rng(101);
    const RawRecords none = emulate_photons(decoy_link(10), 0, rng);
    EXPECT_EQ(none.detections(), 0u);
    EXPECT_EQ(none.pulses_per_intensity, std::vector<std::uint64_t>(3, 0));
    // Nothing can click: a vacuum source without dark counts.
    Link dark = decoy_link(10);
    dark.protocol = Protocol::bb84;
    dark.source.intensities = {{"signal", 0, 1}};
    dark.detectors.dark_count_probability = 0;
    const RawRecords quiet = run(dark, 1'000'000'000'000, 102);
    EXPECT_EQ(quiet.detections(), 0u);
    // Every pulse clicks and the dead window cuts the run short.
    Link bright = decoy_link(0);
    bright.detectors.dark_count_probability = 1;
    bright.detectors.dead_time_ns = 5;
    const RawRecords all = run(bright, 1000, 103);
    EXPECT_EQ(all.detections(), 167u);  // pulses 0, 6, 12, ..., 996
    EXPECT_EQ(all.dead_pulses, 1000u - 167u);
    // A link that does not fit.
    Link wrong = decoy_link(10);
    wrong.protocol = Protocol::e91;
    EXPECT_THROW(emulate_photons(wrong, 10, rng), Error);
}

}  // namespace qkdlab::qkd
