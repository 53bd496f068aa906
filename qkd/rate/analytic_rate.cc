#include "qkdlab/qkd/analytic_rate.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "qkdlab/core/error.h"
#include "qkdlab/qkd/detection_model.h"
#include "qkdlab/qkd/key_rate.h"
#include "qkdlab/qkd/optimal_intensity.h"

namespace qkdlab::qkd {
namespace {

constexpr double MIN_INTENSITY = 1e-3;    // the optimiser's lower end for a signal mean photon number
constexpr double MAX_INTENSITY = 1.0;     // and its upper end (the optimal signal stays near 0.5)
constexpr double MIN_PAIR_NUMBER = 1e-4;  // the mean pair number's range
constexpr double MAX_PAIR_NUMBER = 2.0;
// E91: two of the nine setting pairs make key, (22.5, 22.5) and (45, 45) (raw_records.h).
constexpr double E91_KEY_SHARE = 2.0 / 9.0;

void check_protocol_fits(const Link& link, Protocol protocol) {
    const SourceKind kind = link.source.kind;
    const bool fits = [&] {
        switch (protocol) {
            case Protocol::bb84:
                return kind == SourceKind::weak_coherent || kind == SourceKind::single_photon;
            case Protocol::decoy_bb84:
                return kind == SourceKind::weak_coherent;
            case Protocol::bbm92:
            case Protocol::e91:
                return kind == SourceKind::entangled_pairs;
        }
        return false;
    }();
    if (!fits) {
        throw ConfigError("/protocol", to_string(protocol) + " does not fit a " + to_string(kind) + " source");
    }
}

// The entangled-pair link in MFL's model: each arm's loss (link.h: arm_loss); both sides use the
// link's detectors.
PairLinkParameters pair_link_parameters(const Link& link) {
    const ArmLoss loss = arm_loss(link);
    PairLinkParameters parameters;
    parameters.alice_transmittance = std::pow(10.0, -loss.alice_db / 10) * link.detectors.efficiency;
    parameters.bob_transmittance = std::pow(10.0, -loss.bob_db / 10) * link.detectors.efficiency;
    parameters.alice_dark_count_probability = receiver_dark_count_probability(link.detectors);
    parameters.bob_dark_count_probability = parameters.alice_dark_count_probability;
    parameters.misalignment = link.channel.misalignment;
    parameters.error_correction_efficiency = link.error_correction_efficiency;
    parameters.sifting_factor = sifting_factor(link);
    return parameters;
}

RatePoint finish(RatePoint point, double clock_hz) {
    point.key_rate_per_pulse = std::max(0.0, point.key_rate_per_pulse);
    point.key_rate_bps = point.key_rate_per_pulse * clock_hz;
    return point;
}

// The finite decoys of a weak-coherent link: the weakest non-zero decoy with a vacuum, or the two weak
// decoys (nu1 > nu2) without one (the decoy sets check(link) accepts).
struct FiniteDecoys {
    bool vacuum = false;
    std::vector<double> weak;  // descending
};
FiniteDecoys finite_decoys(const Link& link) {
    FiniteDecoys decoys;
    const std::vector<Intensity>& intensities = link.source.intensities;
    for (std::size_t k = 1; k < intensities.size(); ++k) {
        if (intensities[k].mean_photon_number == 0) {
            decoys.vacuum = true;
        } else {
            decoys.weak.push_back(intensities[k].mean_photon_number);
        }
    }
    std::sort(decoys.weak.rbegin(), decoys.weak.rend());
    if (decoys.weak.empty() || (!decoys.vacuum && decoys.weak.size() < 2)) {
        throw ConfigError("/source/intensities",
                          "finite decoys need a vacuum and a weak decoy, or two weak decoys, after the signal");
    }
    return decoys;
}

RatePoint decoy_bb84(const Link& link, DecoyAnalysis analysis, bool optimise) {
    const LinkParameters parameters = analytic_parameters(link);
    const double p_signal = link.source.intensities[0].probability;
    double mu = link.source.intensities[0].mean_photon_number;
    RatePoint point;
    if (analysis == DecoyAnalysis::infinite) {
        if (optimise) mu = optimal_intensity(decoy_infinite_key_rate, parameters, MIN_INTENSITY, MAX_INTENSITY).mu;
        point.key_rate_per_pulse = p_signal * decoy_infinite_key_rate(parameters, mu);
        point.intensities = {mu};
    } else {
        const FiniteDecoys decoys = finite_decoys(link);
        // Vacuum + weak (MQZL eqs. 34, 37) with the weakest decoy, the tightest of the bounds; else the
        // general two-decoy bounds, which need mu > nu1 + nu2.
        const double nu = decoys.weak.back();
        const auto rate = [&](const LinkParameters& p, double m) {
            const auto observe = [&](double x) {
                const PulseStatistics s = coherent_pulse(p, x);
                return ObservedIntensity{x, s.gain, s.qber};
            };
            const ObservedIntensity signal = observe(m);
            if (decoys.vacuum) {
                if (!(m > nu)) return 0.0;
                return decoy_key_rate(signal, vacuum_weak_bounds({signal, observe(nu), p.dark_count_probability}),
                                      p.error_correction_efficiency, p.sifting_factor);
            }
            const double nu1 = decoys.weak[0], nu2 = decoys.weak[1];
            if (!(m > nu1 + nu2)) return 0.0;
            return decoy_key_rate(signal, two_decoy_bounds({signal, observe(nu1), observe(nu2)}),
                                  p.error_correction_efficiency, p.sifting_factor);
        };
        const double floor = decoys.vacuum ? nu : decoys.weak[0] + decoys.weak[1];
        if (optimise) {
            const double low = std::max(MIN_INTENSITY, floor * (1 + 1e-9));
            mu = optimal_intensity(rate, parameters, low, std::max(MAX_INTENSITY, 4 * floor)).mu;
        }
        point.key_rate_per_pulse = p_signal * rate(parameters, mu);
        point.intensities = {mu};
        if (decoys.vacuum) {
            point.intensities.push_back(nu);
        } else {
            point.intensities.insert(point.intensities.end(), decoys.weak.begin(), decoys.weak.begin() + 2);
        }
    }
    const PulseStatistics signal = coherent_pulse(parameters, mu);
    point.gain = signal.gain;
    point.qber = signal.qber;
    return point;
}

// Every pulse at the first intensity: bb84 sends no decoys.
RatePoint bb84(const Link& link, bool optimise) {
    const LinkParameters parameters = analytic_parameters(link);
    RatePoint point;
    if (link.source.kind == SourceKind::single_photon) {
        const SinglePhoton one = single_photon(parameters);
        point.key_rate_per_pulse = single_photon_key_rate(parameters);
        point.gain = one.yield;
        point.qber = one.error;
        point.intensities = {1};
        return point;
    }
    double mu = link.source.intensities[0].mean_photon_number;
    if (optimise) mu = optimal_intensity(bb84_no_decoy_key_rate, parameters, MIN_INTENSITY, MAX_INTENSITY).mu;
    point.key_rate_per_pulse = bb84_no_decoy_key_rate(parameters, mu);
    const PulseStatistics signal = coherent_pulse(parameters, mu);
    point.gain = signal.gain;
    point.qber = signal.qber;
    point.intensities = {mu};
    return point;
}

RatePoint bbm92(const Link& link, bool optimise) {
    const PairLinkParameters parameters = pair_link_parameters(link);
    double pairs = link.source.mean_pair_number;
    if (optimise) {
        const auto rate = [&](const LinkParameters&, double mean_pair_number) {
            return bbm92_key_rate(parameters, mean_pair_number / 2);
        };
        pairs = optimal_intensity(rate, LinkParameters{}, MIN_PAIR_NUMBER, MAX_PAIR_NUMBER).mu;
    }
    RatePoint point;
    const PulseStatistics s = entangled_pairs(parameters, pairs / 2);  // lambda = half the mean pair number
    point.key_rate_per_pulse = bbm92_key_rate(parameters, pairs / 2);
    point.gain = s.gain;
    point.qber = s.qber;
    point.intensities = {pairs};
    return point;
}

struct E91Point {
    double rate = 0, gain = 0, qber = 0;
};
E91Point e91_at(Link link, double mean_pair_number) {
    link.protocol = Protocol::e91;
    link.source.mean_pair_number = mean_pair_number;
    const ExpectedStatistics expected = expected_statistics(link);
    E91Point point;
    point.gain = expected.intensities.at(0).gain;
    point.qber = expected.intensities.at(0).qber;
    const double chsh = std::clamp(expected.chsh, 0.0, 2 * std::sqrt(2.0));
    point.rate = point.gain * E91_KEY_SHARE *
                 e91_secret_fraction(chsh, std::clamp(point.qber, 0.0, 1.0), link.error_correction_efficiency);
    return point;
}

RatePoint e91(const Link& link, bool optimise) {
    double pairs = link.source.mean_pair_number;
    if (optimise) {
        const auto rate = [&](const LinkParameters&, double mean_pair_number) {
            return e91_at(link, mean_pair_number).rate;
        };
        pairs = optimal_intensity(rate, LinkParameters{}, MIN_PAIR_NUMBER, MAX_PAIR_NUMBER).mu;
    }
    const E91Point at = e91_at(link, pairs);
    RatePoint point;
    point.key_rate_per_pulse = at.rate;
    point.gain = at.gain;
    point.qber = at.qber;
    point.intensities = {pairs};
    return point;
}

}  // namespace

RatePoint analytic_rate(const Link& link, Protocol protocol, DecoyAnalysis decoys, bool optimise_intensity) {
    check(link);
    check_protocol_fits(link, protocol);
    switch (protocol) {
        case Protocol::decoy_bb84:
            return finish(decoy_bb84(link, decoys, optimise_intensity), link.clock_hz);
        case Protocol::bb84:
            return finish(bb84(link, optimise_intensity), link.clock_hz);
        case Protocol::bbm92:
            return finish(bbm92(link, optimise_intensity), link.clock_hz);
        case Protocol::e91:
            return finish(e91(link, optimise_intensity), link.clock_hz);
    }
    throw Error("unknown protocol");
}

}  // namespace qkdlab::qkd
