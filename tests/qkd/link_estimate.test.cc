#include "qkdlab/qkd/link_estimate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "qkdlab/core/error.h"
#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/detection_model.h"
#include "qkdlab/qkd/photon_mode.h"

namespace qkdlab::qkd {
namespace {

// Adds `count` detections with the given tag fields.
void add(RawRecords& records, std::uint64_t count, unsigned intensity, unsigned alice, unsigned bob, bool alice_bit,
         bool bob_bit, bool eve_knows = false) {
    for (std::uint64_t k = 0; k < count; ++k) {
        const std::uint64_t pulse = records.pulse_index.empty() ? 0 : records.pulse_index.back() + 1;
        records.add(pulse, DetectionTag(intensity, alice, bob, alice_bit, bob_bit, false, eve_knows));
        ++records.bob_clicks;
    }
}

RawRecords empty_records(const Link& link, std::vector<std::uint64_t> pulses) {
    RawRecords records;
    records.protocol = link.protocol;
    records.pulses_per_intensity = std::move(pulses);
    for (std::uint64_t n : records.pulses_per_intensity) records.pulses += n;
    return records;
}

bool has_alarm(const LinkEstimate& e, const std::string& start) {
    for (const std::string& alarm : e.alarms) {
        if (alarm.rfind(start, 0) == 0) return true;
    }
    return false;
}

std::string alarms_of(const LinkEstimate& e) {
    std::string all;
    for (const std::string& alarm : e.alarms) all += alarm + "\n";
    return all;
}

}  // namespace

// Gains, QBERs and their binomial sigmas, sifting, Eve's share and the vacuum + weak bounds from counts.
TEST(link_estimate, arithmetic_of_a_decoy_run) {
    const Link link = link_preset("gys-2004");  // signal 0.48 (p 0.8), decoy 0.05, vacuum
    RawRecords records = empty_records(link, {10000, 5000, 5000});
    add(records, 196, 0, 0, 0, false, false);
    add(records, 4, 0, 1, 1, true, false);
    add(records, 30, 0, 1, 1, true, true, true);  // Eve knows 30 of the signal's 230 sifted bits
    add(records, 70, 0, 0, 1, false, true);       // mismatched settings: not sifted
    add(records, 10, 1, 1, 1, false, false);
    add(records, 5, 1, 1, 0, false, false);
    add(records, 1, 2, 0, 0, true, false);
    const LinkEstimate e = estimate_link(link, records);
    ASSERT_EQ(e.intensities.size(), 3u);
    const IntensityEstimate& signal = e.intensities[0];
    EXPECT_EQ(signal.name, "signal");
    EXPECT_EQ(signal.pulses, 10000u);
    EXPECT_EQ(signal.detections, 300u);
    EXPECT_EQ(signal.sifted, 230u);
    EXPECT_EQ(signal.errors, 4u);
    EXPECT_DOUBLE_EQ(signal.gain, 0.03);
    EXPECT_DOUBLE_EQ(signal.gain_sigma, std::sqrt(0.03 * 0.97 / 10000));
    EXPECT_DOUBLE_EQ(signal.qber, 4.0 / 230);
    EXPECT_DOUBLE_EQ(signal.qber_sigma, std::sqrt(4.0 / 230 * 226.0 / 230 / 230));
    EXPECT_DOUBLE_EQ(e.gain, 0.03);
    EXPECT_DOUBLE_EQ(e.qber, 4.0 / 230);
    EXPECT_EQ(e.sifted_bits, 230u);
    EXPECT_DOUBLE_EQ(e.eve_known_fraction, 30.0 / 230);
    EXPECT_DOUBLE_EQ(e.intensities[1].gain, 15.0 / 5000);
    EXPECT_EQ(e.intensities[1].sifted, 10u);
    EXPECT_DOUBLE_EQ(e.intensities[2].gain, 1.0 / 5000);
    EXPECT_DOUBLE_EQ(e.intensities[2].qber, 1.0);
    const ExpectedStatistics expected = expected_statistics(link);
    for (std::size_t k = 0; k < 3; ++k) {
        EXPECT_DOUBLE_EQ(e.intensities[k].expected_gain, expected.intensities[k].gain);
        EXPECT_DOUBLE_EQ(e.intensities[k].expected_qber, expected.intensities[k].qber);
    }
    // The bounds and the rate use the measured values: the vacuum's gain is Y0.
    ASSERT_TRUE(e.has_decoy_bounds);
    const ObservedIntensity mu{0.48, 0.03, 4.0 / 230}, nu{0.05, 15.0 / 5000, 0};
    const DecoyBounds b = vacuum_weak_bounds({mu, nu, 1.0 / 5000});
    EXPECT_DOUBLE_EQ(e.decoy.yield_lower, b.yield_lower);
    EXPECT_DOUBLE_EQ(e.decoy.error_upper, b.error_upper);
    EXPECT_GT(b.yield_lower, 0);
    EXPECT_DOUBLE_EQ(e.key_rate_per_pulse, 0.8 * decoy_key_rate(mu, b, 1.22, 0.5));
    // No error at the weak decoy but a vacuum yield of 2e-4: the e1 bound's numerator
    // E_nu Q_nu e^nu - Y0 / 2 is negative, which certifies nothing, so e1^U is the trivial 1/2.
    EXPECT_DOUBLE_EQ(b.error_upper, 0.5);
    EXPECT_DOUBLE_EQ(e.key_rate_bps, e.key_rate_per_pulse * 2e6);
    // Counts that far from a 122 km link raise the alarm.
    EXPECT_TRUE(e.attack_detected);
    EXPECT_TRUE(has_alarm(e, "gain of 'signal'")) << alarms_of(e);
}

// Two weak decoys and no vacuum: the general bounds, with Y0 bounded from the decoys.
TEST(link_estimate, two_weak_decoys) {
    Link link = link_preset("gys-2004");
    link.source.intensities = {{"signal", 0.6, 0.8}, {"strong", 0.2, 0.1}, {"weak", 0.05, 0.1}};
    RawRecords records = empty_records(link, {10000, 5000, 5000});
    add(records, 400, 0, 0, 0, true, true);
    add(records, 8, 0, 0, 0, true, false);
    add(records, 30, 1, 1, 1, true, true);
    add(records, 1, 1, 1, 1, true, false);
    add(records, 8, 2, 0, 0, true, true);
    const LinkEstimate e = estimate_link(link, records);
    ASSERT_TRUE(e.has_decoy_bounds);
    const ObservedIntensity mu{0.6, 408.0 / 10000, 8.0 / 408}, nu1{0.2, 31.0 / 5000, 1.0 / 31},
        nu2{0.05, 8.0 / 5000, 0};
    const DecoyBounds b = two_decoy_bounds({mu, nu1, nu2});
    EXPECT_DOUBLE_EQ(e.decoy.yield_lower, b.yield_lower);
    EXPECT_DOUBLE_EQ(e.decoy.error_upper, b.error_upper);
    EXPECT_DOUBLE_EQ(e.key_rate_per_pulse, 0.8 * decoy_key_rate(mu, b, 1.22, 0.5));
    // Decoys that do not satisfy nu1 + nu2 < mu give no bounds: GLLP without decoys.
    link.source.intensities = {{"signal", 0.3, 0.8}, {"strong", 0.2, 0.1}, {"weak", 0.15, 0.1}};
    const LinkEstimate none = estimate_link(link, records);
    EXPECT_FALSE(none.has_decoy_bounds);
    EXPECT_DOUBLE_EQ(none.key_rate_per_pulse, 0.8 * no_decoy_key_rate({0.3, 408.0 / 10000, 8.0 / 408}, 1.22, 0.5));
}

// E91: S from the CHSH settings, the QBER and the rate from the key settings.
TEST(link_estimate, arithmetic_of_an_e91_run) {
    Link link = link_preset("entangled-50km");
    link.protocol = Protocol::e91;
    RawRecords records = empty_records(link, {1000});
    // CHSH pairs, 10 coincidences each: E(0, 22.5) = 0.8, E(0, 67.5) = -0.8, E(45, 22.5) = 0.4, E(45, 67.5) = 0.8.
    add(records, 9, 0, 0, 0, false, false);
    add(records, 1, 0, 0, 0, false, true);
    add(records, 1, 0, 0, 2, true, true);
    add(records, 9, 0, 0, 2, true, false);
    add(records, 7, 0, 2, 0, false, false);
    add(records, 3, 0, 2, 0, true, false);
    add(records, 9, 0, 2, 2, true, true);
    add(records, 1, 0, 2, 2, true, false);
    // Key pairs: (22.5, 22.5) and (45, 45), 1 error in 40.
    add(records, 19, 0, 1, 0, true, true);
    add(records, 1, 0, 1, 0, true, false);
    add(records, 20, 0, 2, 1, false, false);
    // Neither: (0, 45).
    add(records, 5, 0, 0, 1, false, true);
    const LinkEstimate e = estimate_link(link, records);
    ASSERT_EQ(e.intensities.size(), 1u);
    EXPECT_EQ(e.intensities[0].detections, 85u);
    EXPECT_EQ(e.intensities[0].sifted, 40u);
    EXPECT_DOUBLE_EQ(e.qber, 1.0 / 40);
    EXPECT_DOUBLE_EQ(e.gain, 85.0 / 1000);
    EXPECT_NEAR(e.chsh, 2.8, 1e-12);
    EXPECT_NEAR(e.chsh_sigma, std::sqrt((0.36 + 0.36 + 0.84 + 0.36) / 10), 1e-12);
    EXPECT_NEAR(e.key_rate_per_pulse, 40.0 / 1000 * e91_secret_fraction(2.8, 1.0 / 40, 1.16), 1e-15);
    EXPECT_GT(e.key_rate_per_pulse, 0);
    EXPECT_FALSE(e.has_decoy_bounds);
}

// BBM92: q Q [1 - f h(E) - h(E)] with the measured coincidence gain and QBER.
TEST(link_estimate, arithmetic_of_a_bbm92_run) {
    const Link link = link_preset("entangled-50km");
    RawRecords records = empty_records(link, {100000});
    add(records, 95, 0, 0, 0, true, true);
    add(records, 2, 0, 1, 1, true, false);
    add(records, 103, 0, 0, 1, true, false);
    const LinkEstimate e = estimate_link(link, records);
    EXPECT_EQ(e.sifted_bits, 97u);
    const double gain = 200.0 / 100000, qber = 2.0 / 97;
    EXPECT_DOUBLE_EQ(e.key_rate_per_pulse, basis_independent_key_rate(gain, qber, 1.16, 0.5));
    // Its standard error, from R = q Q [1 - (1 + f) h(E)]: dR/dQ = q [1 - (1 + f) h(E)] and
    // dR/dE = -q Q (1 + f) log2((1 - E) / E), with the binomial errors of Q and E.
    const double dq = 0.5 * (1 - 2.16 * binary_entropy(qber));
    const double de = -0.5 * gain * 2.16 * std::log2((1 - qber) / qber);
    const double sigma_q = std::sqrt(gain * (1 - gain) / 100000), sigma_e = std::sqrt(qber * (1 - qber) / 97);
    EXPECT_NEAR(e.key_rate_sigma, std::hypot(dq * sigma_q, de * sigma_e), 1e-4 * e.key_rate_sigma);
}

// Counts at the expectation raise no alarm; 5 sigma more signal detections or errors do, and so does
// a decoy gain that leaves no single-photon yield (and no key).
TEST(link_estimate, alarms_at_four_sigma) {
    const Link link = link_preset("gys-2004");
    const ExpectedStatistics x = expected_statistics(link);
    const std::vector<std::uint64_t> pulses = {400000000, 50000000, 50000000};
    const auto records_with = [&](double signal_gain_shift_sigma, double signal_qber_shift_sigma,
                                  double decoy_gain_factor) {
        RawRecords records = empty_records(link, pulses);
        for (unsigned k = 0; k < 3; ++k) {
            const double n = static_cast<double>(pulses[k]);
            double gain = x.intensities[k].gain * (k == 1 ? decoy_gain_factor : 1);
            if (k == 0) gain += signal_gain_shift_sigma * std::sqrt(gain * (1 - gain) / n);
            const auto detections = static_cast<std::uint64_t>(std::llround(gain * n));
            const std::uint64_t sifted = detections / 2;
            double qber = x.intensities[k].qber;
            if (k == 0) qber += signal_qber_shift_sigma * std::sqrt(qber * (1 - qber) / static_cast<double>(sifted));
            const auto errors = static_cast<std::uint64_t>(std::llround(qber * static_cast<double>(sifted)));
            add(records, sifted - errors, k, 0, 0, false, false);
            add(records, errors, k, 1, 1, false, true);
            add(records, detections - sifted, k, 0, 1, false, false);
        }
        return records;
    };
    const LinkEstimate calm = estimate_link(link, records_with(0, 0, 1));
    EXPECT_FALSE(calm.attack_detected) << alarms_of(calm);
    EXPECT_GT(calm.key_rate_per_pulse, 0);
    const LinkEstimate bright = estimate_link(link, records_with(5, 0, 1));
    EXPECT_TRUE(has_alarm(bright, "gain of 'signal'")) << alarms_of(bright);
    const LinkEstimate noisy = estimate_link(link, records_with(0, 5, 1));
    EXPECT_TRUE(has_alarm(noisy, "QBER of 'signal'")) << alarms_of(noisy);
    EXPECT_FALSE(has_alarm(noisy, "gain of")) << alarms_of(noisy);
    const LinkEstimate starved = estimate_link(link, records_with(0, 0, 0.3));
    EXPECT_TRUE(has_alarm(starved, "gain of 'decoy'")) << alarms_of(starved);
    EXPECT_EQ(starved.key_rate_per_pulse, 0);
}

TEST(link_estimate, records_must_match_the_link) {
    const Link link = link_preset("gys-2004");
    EXPECT_THROW((void)estimate_link(link, empty_records(link, {10, 10})), Error);
    RawRecords other = empty_records(link, {10, 10, 10});
    other.protocol = Protocol::bbm92;
    EXPECT_THROW((void)estimate_link(link, other), ConfigError);
    RawRecords bad = empty_records(link, {10, 10, 10});
    add(bad, 1, 3, 0, 0, false, false);
    EXPECT_THROW((void)estimate_link(link, bad), Error);
}

// ---- Runs of the photon-mode emulator (photon_mode.h), fixed seeds, 4 sigma of each sample ----------

// Without Eve no statistic of the presets leaves its 4 sigma, and the links make key.
TEST(link_estimate, no_eve_raises_no_alarm_on_the_presets) {
    struct Case {
        const char* preset;
        std::uint64_t pulses;
    };
    // About 1e5 to 1e6 detections each.
    for (const Case& c : {Case{"metro-25km", 10'000'000}, Case{"long-haul-100km", 50'000'000},
                          Case{"gys-2004", 10'000'000'000}, Case{"entangled-50km", 1'000'000'000}}) {
        const Link link = link_preset(c.preset);
        core::Rng rng(2718);
        const LinkEstimate e = estimate_link(link, emulate_photons(link, c.pulses, rng));
        EXPECT_FALSE(e.attack_detected) << c.preset << "\n" << alarms_of(e);
        EXPECT_GT(e.key_rate_per_pulse, 0) << c.preset;
        EXPECT_EQ(e.eve_known_fraction, 0) << c.preset;
        EXPECT_EQ(e.has_decoy_bounds, link.protocol == Protocol::decoy_bb84) << c.preset;
        std::printf("%-16s gain %.4g QBER %.4g Y1^L %.4g e1^U %.4g rate %.4g per pulse\n", c.preset, e.gain, e.qber,
                    e.decoy.yield_lower, e.decoy.error_upper, e.key_rate_per_pulse);
    }
}

// Intercept-resend on every pulse, with no misalignment and no dark counts: the QBER is 1/4 (Eve's
// wrong basis half the time, then Bob's bit at random), she knows half the sifted bits, and the alarm
// rings.
TEST(link_estimate, intercept_resend_is_caught) {
    Link link = link_preset("metro-25km");
    link.channel.misalignment = 0;
    link.detectors.dark_count_probability = 0;
    link.detectors.afterpulse_probability = 0;
    link.eve.kind = AttackKind::intercept_resend;
    link.eve.fraction = 1;
    core::Rng rng(1984);
    const LinkEstimate e = estimate_link(link, emulate_photons(link, 2'000'000, rng));
    const double n = static_cast<double>(e.sifted_bits);
    ASSERT_GT(n, 10000);
    EXPECT_NEAR(e.qber, 0.25, 4 * std::sqrt(0.25 * 0.75 / n));
    EXPECT_NEAR(e.eve_known_fraction, 0.5, 4 * std::sqrt(0.25 / n));
    EXPECT_TRUE(e.attack_detected);
    EXPECT_TRUE(has_alarm(e, "QBER of 'signal'")) << alarms_of(e);
    EXPECT_EQ(e.key_rate_per_pulse, 0);
}

// Photon-number splitting on the GYS link: Eve keeps the signal's gain (and so its QBER) at their
// values without her, but she cannot do it for the decoy too: its gain alarms and the single-photon
// yield it certifies collapses, so the key rate goes to 0. Far away (122 km) she blocks every single
// photon; nearer (25 km) only a share of them.
TEST(link_estimate, photon_number_splitting_shows_in_the_decoys) {
    for (double length_km : {122.0, 25.0}) {
        Link link = link_preset("gys-2004");
        link.channel.length_km = length_km;
        core::Rng calibration_rng(7);
        const LinkEstimate honest = estimate_link(link, emulate_photons(link, 200'000'000, calibration_rng));
        link.eve.kind = AttackKind::photon_number_splitting;
        core::Rng rng(1995);
        const LinkEstimate e = estimate_link(link, emulate_photons(link, 200'000'000, rng));
        const IntensityEstimate& signal = e.intensities[0];
        const double sigma_gain = std::sqrt(signal.expected_gain / static_cast<double>(signal.pulses));
        const double sigma_qber =
            std::sqrt(signal.expected_qber * (1 - signal.expected_qber) / static_cast<double>(signal.sifted));
        EXPECT_NEAR(signal.gain, signal.expected_gain, 4 * sigma_gain) << length_km;
        EXPECT_NEAR(signal.qber, signal.expected_qber, 4 * sigma_qber) << length_km;
        EXPECT_FALSE(has_alarm(e, "gain of 'signal'")) << length_km << "\n" << alarms_of(e);
        EXPECT_TRUE(has_alarm(e, "gain of 'decoy'")) << length_km << "\n" << alarms_of(e);
        EXPECT_TRUE(e.attack_detected);
        ASSERT_TRUE(e.has_decoy_bounds);
        EXPECT_LT(e.decoy.yield_lower, 0.6 * honest.decoy.yield_lower) << length_km;
        EXPECT_GT(honest.key_rate_per_pulse, 0) << length_km;
        EXPECT_EQ(e.key_rate_per_pulse, 0) << length_km;
        EXPECT_GT(e.eve_known_fraction, 0.5) << length_km;  // she holds a copy of every multi-photon bit
        std::printf("PNS at %5.1f km: Y1^L %.4g (without Eve %.4g), Eve knows %.3f\n", length_km, e.decoy.yield_lower,
                    honest.decoy.yield_lower, e.eve_known_fraction);
    }
}

// Beam splitting changes nothing Bob sees; Eve holds a photon of a pulse with probability
// 1 - exp(-mu (1 - eta_channel)), independently of what Bob detects.
TEST(link_estimate, beam_splitting_is_invisible) {
    Link link = link_preset("metro-25km");
    link.eve.kind = AttackKind::beam_splitting;
    core::Rng rng(1);
    const LinkEstimate e = estimate_link(link, emulate_photons(link, 10'000'000, rng));
    EXPECT_FALSE(e.attack_detected) << alarms_of(e);
    const double eta_channel = std::pow(10.0, -channel_loss_db(link.channel) / 10);
    const double share = 1 - std::exp(-0.5 * (1 - eta_channel));
    const double n = static_cast<double>(e.sifted_bits);
    EXPECT_NEAR(e.eve_known_fraction, share, 4 * std::sqrt(share * (1 - share) / n));
    EXPECT_GT(e.key_rate_per_pulse, 0);  // the decoy bounds price her copies in
}

// E91 at no noise (no misalignment or dark counts, few pairs): S within 4 sigma of 2 sqrt 2.
TEST(link_estimate, e91_reaches_tsirelson_at_no_noise) {
    Link link = link_preset("entangled-50km");
    link.protocol = Protocol::e91;
    link.channel.length_km = 10;
    link.source.position_km = 5;
    link.source.mean_pair_number = 1e-3;
    link.channel.misalignment = 0;
    link.detectors.efficiency = 0.5;
    link.detectors.dark_count_probability = 0;
    core::Rng rng(1991);
    const LinkEstimate e = estimate_link(link, emulate_photons(link, 2'000'000'000, rng));
    ASSERT_GT(e.chsh_sigma, 0);
    EXPECT_LT(e.chsh_sigma, 0.03);
    EXPECT_NEAR(e.chsh, 2 * std::sqrt(2.0), 4 * e.chsh_sigma);
    EXPECT_FALSE(e.attack_detected) << alarms_of(e);
    EXPECT_GT(e.key_rate_per_pulse, 0);
    std::printf("E91: S = %.4f +- %.4f, QBER %.4g, %llu key bits\n", e.chsh, e.chsh_sigma, e.qber,
                static_cast<unsigned long long>(e.sifted_bits));
}

// The propagated standard error of the key rate is the spread of the rate over independent runs:
// 30 seeds each, whose sample standard deviation is within 4 of its own standard errors (13%) of the
// mean propagated sigma.
TEST(link_estimate, key_rate_sigma_is_the_spread_over_runs) {
    const Link decoy = link_preset("metro-25km");
    Link e91 = link_preset("entangled-50km");
    e91.protocol = Protocol::e91;
    struct Case {
        Link link;
        std::uint64_t pulses;
    };
    for (const Case& c : {Case{decoy, 10'000'000}, Case{e91, 100'000'000}}) {
        constexpr int RUNS = 30;
        double sum = 0, sum_squares = 0, sigma = 0;
        for (int run = 0; run < RUNS; ++run) {
            core::Rng rng(1000 + run);
            const LinkEstimate e = estimate_link(c.link, emulate_photons(c.link, c.pulses, rng));
            ASSERT_GT(e.key_rate_per_pulse, 0);
            sum += e.key_rate_per_pulse;
            sum_squares += e.key_rate_per_pulse * e.key_rate_per_pulse;
            sigma += e.key_rate_sigma / RUNS;
        }
        const double mean = sum / RUNS;
        const double spread = std::sqrt((sum_squares - RUNS * mean * mean) / (RUNS - 1));
        std::printf("%-15s rate %.4g, spread over %d runs %.4g, propagated sigma %.4g\n", c.link.name.c_str(), mean,
                    RUNS, spread, sigma);
        EXPECT_GT(spread / sigma, 0.5) << c.link.name;
        EXPECT_LT(spread / sigma, 1.5) << c.link.name;
    }
}

}  // namespace qkdlab::qkd

namespace qkdlab::qkd {

// A run converges to expected_rate: the same formulas on the exact expectation, dead time and
// afterpulses included (metro-25km has both). Within 4 of the run's propagated sigmas.
TEST(link_estimate, a_run_converges_to_the_expected_rate) {
    const Link link = link_preset("metro-25km");
    core::Rng rng(77);
    const LinkEstimate e = estimate_link(link, emulate_photons(link, 200'000'000, rng));
    const ExpectedRate expected = expected_rate(link);
    ASSERT_GT(e.key_rate_sigma, 0);
    EXPECT_NEAR(e.key_rate_per_pulse, expected.key_rate_per_pulse, 4 * e.key_rate_sigma);
    EXPECT_NEAR(e.gain, expected.gain, 4 * e.intensities[0].gain_sigma);
    EXPECT_NEAR(e.qber, expected.qber, 4 * e.intensities[0].qber_sigma);
    EXPECT_TRUE(expected.has_decoy_bounds);
}

}  // namespace qkdlab::qkd
