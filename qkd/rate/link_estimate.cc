#include "qkdlab/qkd/link_estimate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "qkdlab/core/error.h"
#include "qkdlab/qkd/detection_model.h"

namespace qkdlab::qkd {
namespace {

constexpr double ALARM_SIGMAS = 4;
// E91: the setting pairs of raw_records.h. Key: Alice 22.5 (index 1) with Bob 22.5 (index 0), Alice 45
// (index 2) with Bob 45 (index 1). CHSH: S = E(0, 22.5) - E(0, 67.5) + E(45, 22.5) + E(45, 67.5).
struct ChshTerm {
    unsigned alice, bob;
    double sign;
};
constexpr ChshTerm CHSH_TERMS[] = {{0, 0, +1}, {0, 2, -1}, {2, 0, +1}, {2, 2, +1}};

bool is_key_setting(Protocol protocol, DetectionTag tag) {
    if (protocol == Protocol::e91) {
        return (tag.alice_setting() == 1 && tag.bob_setting() == 0) ||
               (tag.alice_setting() == 2 && tag.bob_setting() == 1);
    }
    return tag.alice_setting() == tag.bob_setting();
}

double binomial_sigma(double p, double n) { return n > 0 ? std::sqrt(std::max(0.0, p * (1 - p)) / n) : 0; }

std::string format(const char* pattern, double a, double b, double c) {
    char text[256];
    std::snprintf(text, sizeof text, pattern, a, b, c);
    return text;
}

// An alarm if `measured` lies more than 4 sigma from `expected`, sigma = sqrt(p (1 - p) / n) from the
// expected probability (half a count of slack for the discreteness of a count).
void compare(std::vector<std::string>& alarms, const std::string& what, double measured, double expected, double n) {
    if (!(n > 0)) return;
    const double sigma = binomial_sigma(expected, n);
    if (std::abs(measured - expected) > ALARM_SIGMAS * sigma + 0.5 / n) {
        alarms.push_back(what + format(": %.6g measured, %.6g expected without Eve (%+.1f sigma)", measured, expected,
                                       sigma > 0 ? (measured - expected) / sigma : (measured > expected ? 1e9 : -1e9)));
    }
}

// What the key-rate formulas read: the measured statistics (or, for the error propagation, their
// standard errors, or the statistics moved by a fraction of them).
struct Statistics {
    std::vector<ObservedIntensity> intensities;  // prepare and measure: per intensity; entangled: one
    double chsh = 0;                             // E91
    double key_share = 0;                        // E91: key-setting coincidences per pulse
};

struct Rate {
    bool has_decoy_bounds = false;
    DecoyBounds decoy;
    double per_pulse = 0;
};

// The rates of analytic_rate.h on the given statistics: per pulse sent, never negative.
Rate key_rate(const Link& link, const Statistics& s) {
    const double q = sifting_factor(link);
    const double f = link.error_correction_efficiency;
    Rate rate;
    const ObservedIntensity& first = s.intensities.at(0);
    switch (link.protocol) {
        case Protocol::bb84:
            if (link.source.kind == SourceKind::single_photon) {
                rate.per_pulse = basis_independent_key_rate(first.gain, first.qber, f, q);
            } else {
                rate.per_pulse = link.source.intensities[0].probability * no_decoy_key_rate(first, f, q);
            }
            break;
        case Protocol::decoy_bb84: {
            const double p_signal = link.source.intensities[0].probability;
            const ObservedIntensity* vacuum = nullptr;
            std::vector<const ObservedIntensity*> weak;  // descending
            for (std::size_t k = 1; k < s.intensities.size(); ++k) {
                if (s.intensities[k].mean_photon_number == 0) {
                    vacuum = &s.intensities[k];
                } else {
                    weak.push_back(&s.intensities[k]);
                }
            }
            std::sort(weak.begin(), weak.end(),
                      [](auto* a, auto* b) { return a->mean_photon_number > b->mean_photon_number; });
            const double mu = first.mean_photon_number;
            if (vacuum != nullptr && !weak.empty()) {
                // Vacuum + weak with the weakest decoy (MQZL eqs. 34, 37); the vacuum's gain is Y0.
                rate.decoy = vacuum_weak_bounds({first, *weak.back(), vacuum->gain});
                rate.has_decoy_bounds = true;
            } else if (weak.size() >= 2 && weak[0]->mean_photon_number + weak[1]->mean_photon_number < mu) {
                rate.decoy = two_decoy_bounds({first, *weak[0], *weak[1]});
                rate.has_decoy_bounds = true;
            }
            rate.per_pulse = p_signal * (rate.has_decoy_bounds ? decoy_key_rate(first, rate.decoy, f, q)
                                                               : no_decoy_key_rate(first, f, q));
            break;
        }
        case Protocol::bbm92:
            rate.per_pulse = basis_independent_key_rate(first.gain, first.qber, f, q);
            break;
        case Protocol::e91:
            rate.per_pulse = s.key_share * e91_secret_fraction(std::clamp(s.chsh, 0.0, 2 * std::sqrt(2.0)),
                                                               std::clamp(first.qber, 0.0, 1.0), f);
            break;
    }
    rate.per_pulse = std::max(0.0, rate.per_pulse);
    return rate;
}

// The standard error of the key rate, propagated linearly from independent errors of the measured
// statistics: sigma_R^2 = sum_i (dR/dx_i)^2 sigma_i^2, the derivatives by central differences of a
// hundredth of each sigma (kept inside [0, 1] for probabilities).
double key_rate_sigma(const Link& link, const Statistics& s, const Statistics& sigma) {
    double variance = 0;
    const auto add = [&](double value, double error, const auto& with) {
        if (!(error > 0)) return;
        const double step = 0.01 * error;
        const double up = std::min(value + step, 1.0), down = std::max(value - step, 0.0);
        if (!(up > down)) return;
        const double derivative =
            (key_rate(link, with(up)).per_pulse - key_rate(link, with(down)).per_pulse) / (up - down);
        variance += derivative * derivative * error * error;
    };
    for (std::size_t k = 0; k < s.intensities.size(); ++k) {
        add(s.intensities[k].gain, sigma.intensities[k].gain, [&](double x) {
            Statistics t = s;
            t.intensities[k].gain = x;
            return t;
        });
        add(s.intensities[k].qber, sigma.intensities[k].qber, [&](double x) {
            Statistics t = s;
            t.intensities[k].qber = x;
            return t;
        });
    }
    if (link.protocol == Protocol::e91) {
        add(s.key_share, sigma.key_share, [&](double x) {
            Statistics t = s;
            t.key_share = x;
            return t;
        });
        // S is not a probability: its range is [0, 2 sqrt 2], where the rate clamps it anyway.
        if (sigma.chsh > 0) {
            const double step = 0.01 * sigma.chsh;
            Statistics up = s, down = s;
            up.chsh += step;
            down.chsh -= step;
            const double derivative = (key_rate(link, up).per_pulse - key_rate(link, down).per_pulse) / (2 * step);
            variance += derivative * derivative * sigma.chsh * sigma.chsh;
        }
    }
    return std::sqrt(variance);
}

}  // namespace

LinkEstimate estimate_link(const Link& link, const RawRecords& records) {
    check(link);
    if (records.protocol != link.protocol) {
        throw ConfigError("/protocol", "the records are of " + to_string(records.protocol) + ", the link runs " +
                                           to_string(link.protocol));
    }
    const bool entangled = link.source.kind == SourceKind::entangled_pairs;
    const std::size_t count = link.source.kind == SourceKind::weak_coherent ? link.source.intensities.size() : 1;
    if (records.pulses_per_intensity.size() != count) {
        throw Error("the records count pulses for " + std::to_string(records.pulses_per_intensity.size()) +
                    " intensities, the link has " + std::to_string(count));
    }
    if (records.pulse_index.size() != records.tags.size()) {
        throw Error("the records hold " + std::to_string(records.pulse_index.size()) + " pulse indices for " +
                    std::to_string(records.tags.size()) + " detections");
    }

    Link honest = link;
    honest.eve = Eavesdropper{};
    const ExpectedStatistics expected = expected_statistics(honest);

    LinkEstimate estimate;
    estimate.intensities.resize(count);
    std::vector<std::uint64_t> eve_knows(count, 0);
    std::uint64_t coincidences[3][3] = {}, equal[3][3] = {};
    for (const DetectionTag tag : records.tags) {
        const unsigned k = tag.intensity();
        if (k >= count)
            throw Error("a detection names intensity " + std::to_string(k) + " of " + std::to_string(count));
        IntensityEstimate& e = estimate.intensities[k];
        ++e.detections;
        if (link.protocol == Protocol::e91 && tag.alice_setting() < 3 && tag.bob_setting() < 3) {
            ++coincidences[tag.alice_setting()][tag.bob_setting()];
            equal[tag.alice_setting()][tag.bob_setting()] += tag.alice_bit() == tag.bob_bit();
        }
        if (is_key_setting(link.protocol, tag)) {
            ++e.sifted;
            e.errors += tag.alice_bit() != tag.bob_bit();
            eve_knows[k] += tag.eve_knows();
        }
    }

    Statistics measured, errors;  // the measured statistics and their standard errors
    for (std::size_t k = 0; k < count; ++k) {
        IntensityEstimate& e = estimate.intensities[k];
        if (link.source.kind == SourceKind::weak_coherent) {
            e.name = link.source.intensities[k].name;
            e.mean_photon_number = link.source.intensities[k].mean_photon_number;
        } else if (entangled) {
            e.name = "coincidences";
            e.mean_photon_number = link.source.mean_pair_number;
        } else {
            e.name = "single-photon";
            e.mean_photon_number = 1;
        }
        e.pulses = records.pulses_per_intensity[k];
        const double pulses = static_cast<double>(e.pulses), sifted = static_cast<double>(e.sifted);
        e.gain = pulses > 0 ? static_cast<double>(e.detections) / pulses : 0;
        e.gain_sigma = binomial_sigma(e.gain, pulses);
        e.qber = sifted > 0 ? static_cast<double>(e.errors) / sifted : 0;
        e.qber_sigma = binomial_sigma(e.qber, sifted);
        const ExpectedIntensity& x = expected.intensities.at(k);
        e.expected_gain = x.gain;
        e.expected_qber = x.qber;
        compare(estimate.alarms, "gain of '" + e.name + "'", e.gain, x.gain, pulses);
        compare(estimate.alarms, "QBER of '" + e.name + "'", e.qber, x.qber, sifted);
        measured.intensities.push_back({e.mean_photon_number, e.gain, e.qber});
        errors.intensities.push_back({e.mean_photon_number, e.gain_sigma, e.qber_sigma});
    }
    const IntensityEstimate& signal = estimate.intensities[0];
    estimate.gain = signal.gain;
    estimate.qber = signal.qber;
    estimate.sifted_bits = signal.sifted;
    estimate.eve_known_fraction =
        signal.sifted > 0 ? static_cast<double>(eve_knows[0]) / static_cast<double>(signal.sifted) : 0;

    if (link.protocol == Protocol::e91) {
        // E(a, b) = (N_equal - N_differ) / N per setting pair, with variance (1 - E^2) / N.
        bool complete = true;
        double chsh = 0, variance = 0, expected_variance = 0;
        for (const ChshTerm& t : CHSH_TERMS) {
            const double n = static_cast<double>(coincidences[t.alice][t.bob]);
            if (!(n > 0)) {
                complete = false;
                continue;
            }
            const double correlation = (2 * static_cast<double>(equal[t.alice][t.bob]) - n) / n;
            chsh += t.sign * correlation;
            variance += (1 - correlation * correlation) / n;
            const double e = expected.correlation[t.alice][t.bob];
            expected_variance += (1 - e * e) / n;
        }
        if (complete) {
            estimate.chsh = chsh;
            estimate.chsh_sigma = std::sqrt(variance);
            if (chsh < expected.chsh - ALARM_SIGMAS * std::sqrt(expected_variance)) {
                estimate.alarms.push_back(format("CHSH value: %.6g measured, %.6g expected without Eve (%+.1f sigma)",
                                                 chsh, expected.chsh,
                                                 (chsh - expected.chsh) / std::sqrt(expected_variance)));
            }
        }
        measured.chsh = estimate.chsh;
        measured.key_share =
            records.pulses > 0 ? static_cast<double>(signal.sifted) / static_cast<double>(records.pulses) : 0;
        errors.chsh = estimate.chsh_sigma;
        errors.key_share = binomial_sigma(measured.key_share, static_cast<double>(records.pulses));
    }

    const Rate rate = key_rate(link, measured);
    estimate.has_decoy_bounds = rate.has_decoy_bounds;
    estimate.decoy = rate.decoy;
    estimate.key_rate_per_pulse = rate.per_pulse;
    estimate.key_rate_sigma = key_rate_sigma(link, measured, errors);
    estimate.key_rate_bps = rate.per_pulse * link.clock_hz;
    estimate.attack_detected = !estimate.alarms.empty();
    return estimate;
}

ExpectedRate expected_rate(const Link& link) {
    check(link);
    const ExpectedStatistics expected = expected_statistics(link);
    Statistics s;
    for (std::size_t k = 0; k < expected.intensities.size(); ++k) {
        const double mu = link.source.kind == SourceKind::weak_coherent ? link.source.intensities[k].mean_photon_number
                          : link.source.kind == SourceKind::entangled_pairs ? link.source.mean_pair_number
                                                                            : 1.0;
        s.intensities.push_back({mu, expected.intensities[k].gain, expected.intensities[k].qber});
    }
    s.chsh = expected.chsh;
    // E91: the settings are uniform, so 2 of the 9 setting pairs are key pairs (raw_records.h).
    s.key_share = expected.intensities.at(0).gain * 2.0 / 9.0;
    const Rate rate = key_rate(link, s);
    return {rate.per_pulse, s.intensities[0].gain, s.intensities[0].qber, rate.has_decoy_bounds, rate.decoy};
}

}  // namespace qkdlab::qkd
