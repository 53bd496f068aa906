#include "qkdlab/qkd/link_estimate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
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
    EXPECT_GT(e.key_rate_per_pulse, 0);
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
    EXPECT_DOUBLE_EQ(e.key_rate_per_pulse, basis_independent_key_rate(200.0 / 100000, 2.0 / 97, 1.16, 0.5));
}

// Counts at the expectation raise no alarm; 5 sigma more signal detections or errors do, and so does
// a decoy gain that leaves no single-photon yield.
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
    EXPECT_TRUE(has_alarm(starved, "no key")) << alarms_of(starved);
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

}  // namespace qkdlab::qkd
