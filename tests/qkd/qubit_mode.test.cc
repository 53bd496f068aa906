#include "qkdlab/qkd/qubit_mode.h"

#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numbers>
#include <vector>

#include "qkdlab/core/error.h"
#include "qkdlab/qkd/detection_model.h"
#include "qkdlab/qkd/photon_mode.h"
#include "qkdlab/qkd/raw_records.h"

// The qubit-mode emulator against an independent closed-form oracle written here: every detector
// of a receiver stays silent with a probability given by the photon-number generating function
// G(x) = E[(1 - x)^n] of what reaches it (Poisson: exp(-mu x); one photon: 1 - x; a thermal mode of
// mean lambda: 1 / (1 + lambda x)), and the exact probability of each set of clicking detectors
// follows by inclusion-exclusion. Eavesdroppers are mixtures of such sources. Statistical bounds:
// 4 binomial sigmas of the sample (sqrt(p (1 - p) / n) for a rate p over n trials).

namespace qkdlab::qkd {
namespace {

constexpr double SIGMAS = 4;
constexpr double DEGREE = std::numbers::pi / 180;

Link prepare_measure_link() {
    Link link;
    link.protocol = Protocol::decoy_bb84;
    link.source.kind = SourceKind::weak_coherent;
    link.source.intensities = {{"signal", 0.5, 0.6}, {"decoy", 0.1, 0.25}, {"vacuum", 0, 0.15}};
    link.channel.length_km = 5;
    link.channel.loss_db_per_km = 0.2;
    link.channel.extra_loss_db = 0;
    link.channel.misalignment = 0.03;
    link.detectors.efficiency = 0.6;
    link.detectors.dark_count_probability = 2e-3;
    link.detectors.afterpulse_probability = 0;
    link.detectors.dead_time_ns = 0;
    link.z_basis_probability = 0.5;
    return link;
}

Link entangled_link(Protocol protocol, double mean_pair_number) {
    Link link;
    link.protocol = protocol;
    link.source.kind = SourceKind::entangled_pairs;
    link.source.intensities.clear();
    link.source.mean_pair_number = mean_pair_number;
    link.source.position_km = 4;
    link.channel.length_km = 10;
    link.channel.loss_db_per_km = 0.2;
    link.channel.extra_loss_db = 0.5;
    link.channel.misalignment = 0.02;
    link.detectors.efficiency = 0.6;
    link.detectors.dark_count_probability = 1e-3;
    link.detectors.afterpulse_probability = 0;
    link.detectors.dead_time_ns = 0;
    return link;
}

double transmittance(double loss_db) { return std::pow(10.0, -loss_db / 10); }

// ---------------------------------------------------------------------------------------------------
// The oracle.

// Probability of each set of clicking detectors (bit k: detector k) when detector k stays silent
// with its dark count and `silent(U)` is the chance that no photon reaches any detector of U:
// P(exactly C) = sum_{T subset of C} (-1)^|T| P(all of (not C) u T silent).
std::vector<double> click_patterns(unsigned detectors, double dark, const std::function<double(unsigned)>& no_photon) {
    const unsigned all = (1u << detectors) - 1;
    std::vector<double> patterns(all + 1, 0.0);
    for (unsigned c = 0; c <= all; ++c) {
        double p = 0;
        for (unsigned t = c;; t = (t - 1) & c) {  // every subset t of c
            const unsigned silent = (all & ~c) | t;
            const double term = std::pow(1 - dark, std::popcount(silent)) * no_photon(silent);
            p += std::popcount(t) % 2 == 0 ? term : -term;
            if (t == 0) break;
        }
        patterns[c] = p;
    }
    return patterns;
}

// An afterpulse on top: with probability p one of `detectors` (chosen uniformly) clicks as well.
std::vector<double> with_afterpulse(const std::vector<double>& patterns, unsigned detectors, double p) {
    std::vector<double> out(patterns.size(), 0.0);
    for (unsigned c = 0; c < patterns.size(); ++c) {
        out[c] += (1 - p) * patterns[c];
        for (unsigned k = 0; k < detectors; ++k) out[c | 1u << k] += p * patterns[c] / detectors;
    }
    return out;
}

// P(outcome 0 | polarisation theta, analyser b) with misalignment e_d (common.md).
double pass(double theta, double b, double e_d) {
    const double c = std::cos(theta - b);
    return c * c * (1 - 2 * e_d) + e_d;
}

struct Expected {
    double detections = 0;  // per pulse
    double matched = 0;     // detections with matching settings, per pulse
    double errors = 0;      // errors among those, per pulse
    double double_clicks = 0;
    double eve_knows = 0;  // detections for which Eve knows Alice's bit, per pulse
    double bob_z = 0;      // detections with Bob's setting Z, per pulse
    double gain() const { return detections; }
    double qber() const { return errors / matched; }
};

// One way a pulse can reach Bob's detectors: a weight, the generating function of the photons that
// reach the receiver and the polarisation they carry (radians), and whether Eve learns the bit.
struct Component {
    double weight = 1;
    std::function<double(double)> generating;  // E[(1 - x)^n]
    double eta = 1;                            // transmittance of each photon into the receiver
    double angle_rad = 0;
    bool eve_knows = false;
};

std::function<double(double)> poisson_gf(double mu) {
    return [mu](double x) { return std::exp(-mu * x); };
}
std::function<double(double)> photons_gf(unsigned n) {
    return [n](double x) { return std::pow(1 - x, n); };
}

// Bob's receiver for a pulse made of `components`, Alice's setting and bit given: adds the exact
// probabilities, weighted by `weight`, to `out` (at an afterpulse gate too, if `afterpulse` > 0).
void add_receiver(const Link& link, const std::vector<Component>& components, unsigned alice_setting, bool alice_bit,
                  double weight, double afterpulse, Expected& out) {
    const double pz = link.z_basis_probability;
    const double setting_p[2] = {pz, 1 - pz};
    const double setting_angle[2] = {0, 45 * DEGREE};
    const double e_d = link.channel.misalignment;
    const double dark = link.detectors.dark_count_probability;
    const auto accumulate = [&](unsigned bob_setting_if_active, double w, bool passive) {
        const unsigned detectors = passive ? 4 : 2;
        for (const Component& component : components) {
            // the chance that a photon of this component reaches detector k
            std::array<double, 4> r{};
            for (unsigned k = 0; k < detectors; ++k) {
                const unsigned s = passive ? k / 2 : bob_setting_if_active;
                const double route = passive ? setting_p[s] : 1;
                const double p0 = pass(component.angle_rad, setting_angle[s], e_d);
                r[k] = route * (k % 2 == 0 ? p0 : 1 - p0);
            }
            const auto no_photon = [&](unsigned silent) {
                double x = 0;
                for (unsigned k = 0; k < detectors; ++k) {
                    if (silent >> k & 1) x += r[k];
                }
                return component.generating(component.eta * x);
            };
            std::vector<double> patterns = click_patterns(detectors, dark, no_photon);
            if (afterpulse > 0) patterns = with_afterpulse(patterns, detectors, afterpulse);
            for (unsigned c = 1; c < patterns.size(); ++c) {
                const double p = w * component.weight * patterns[c];
                // Bob's setting: passive, among the clicked settings in proportion to their chances
                std::array<double, 2> setting_weight{};
                if (passive) {
                    const bool z = (c & 3) != 0, x = (c & 12) != 0;
                    setting_weight = {z ? (x ? pz : 1) : 0, x ? (z ? 1 - pz : 1) : 0};
                } else {
                    setting_weight[bob_setting_if_active] = 1;
                }
                for (unsigned s = 0; s < 2; ++s) {
                    if (setting_weight[s] == 0) continue;
                    const unsigned pair = passive ? (c >> (2 * s)) & 3 : c;
                    const double ps = p * setting_weight[s];
                    out.detections += ps;
                    if (s == 0) out.bob_z += ps;
                    if (component.eve_knows) out.eve_knows += ps;
                    const double wrong = pair == 3 ? 0.5 : ((pair == 2) != alice_bit ? 1 : 0);
                    if (pair == 3) out.double_clicks += ps;
                    if (s == alice_setting) {
                        out.matched += ps;
                        out.errors += ps * wrong;
                    }
                }
            }
        }
    };
    if (link.detectors.basis_choice == BasisChoice::passive) {
        accumulate(0, weight, true);
    } else {
        for (unsigned s = 0; s < 2; ++s) accumulate(s, weight * setting_p[s], false);
    }
}

// Eve's PNS blocking probabilities, found here by bisection on the oracle's own signal gain.
std::pair<double, double> pns_blocking_by_bisection(const Link& link);

// The expected statistics of intensity `k` (no dead time) with Eve as configured.
Expected prepare_measure_oracle(const Link& link, unsigned k, double afterpulse = 0) {
    const double pz = link.z_basis_probability;
    const double eta_channel = transmittance(channel_loss_db(link.channel));
    const double eta_d = link.detectors.efficiency;
    const bool single = link.source.kind == SourceKind::single_photon;
    const double mu = single ? 0 : link.source.intensities[k].mean_photon_number;
    const auto source_gf = single ? photons_gf(1) : poisson_gf(mu);
    const double p0 = single ? 0 : std::exp(-mu);  // P(no photon)
    Expected out;
    for (unsigned a = 0; a < 2; ++a) {
        for (int bit = 0; bit < 2; ++bit) {
            const double alice_angle = (a == 0 ? 0 : 45 * DEGREE) + bit * 90 * DEGREE;
            const double w = (a == 0 ? pz : 1 - pz) / 2;
            std::vector<Component> components;
            switch (link.eve.kind) {
                case AttackKind::none:
                    components.push_back({1, source_gf, eta_channel * eta_d, alice_angle, false});
                    break;
                case AttackKind::intercept_resend: {
                    const double f = link.eve.fraction;
                    components.push_back({1 - f, source_gf, eta_channel * eta_d, alice_angle, false});
                    components.push_back({f * p0, photons_gf(0), 1, 0, false});
                    for (unsigned eve_basis = 0; eve_basis < 2; ++eve_basis) {
                        for (int eve_bit = 0; eve_bit < 2; ++eve_bit) {
                            const double p_bit = eve_basis == a ? (eve_bit == bit ? 1 : 0) : 0.5;
                            const double eve_angle = (eve_basis == 0 ? 0 : 45 * DEGREE) + eve_bit * 90 * DEGREE;
                            components.push_back({f * (1 - p0) * 0.5 * p_bit, photons_gf(1), eta_channel * eta_d,
                                                  eve_angle, eve_basis == a});
                        }
                    }
                    break;
                }
                case AttackKind::photon_number_splitting: {
                    const auto [b1, b2] = pns_blocking_by_bisection(link);
                    components.push_back({p0, photons_gf(0), 1, 0, false});
                    const double p1 = single ? 1 : mu * std::exp(-mu);
                    components.push_back({p1 * (1 - b1), photons_gf(1), eta_d, alice_angle, false});
                    components.push_back({p1 * b1, photons_gf(0), 1, 0, false});
                    double pn = p1;
                    for (unsigned n = 2; !single && n < 60; ++n) {
                        pn *= mu / n;
                        // she keeps one photon whether she forwards the rest or blocks them
                        components.push_back({pn * (1 - b2), photons_gf(n - 1), eta_d, alice_angle, true});
                        components.push_back({pn * b2, photons_gf(0), 1, 0, true});
                    }
                    break;
                }
                case AttackKind::beam_splitting:
                    // Eve's photons and Bob's are independent Poisson numbers (thinning).
                    if (single) {
                        components.push_back({eta_channel, photons_gf(1), eta_d, alice_angle, false});
                        components.push_back({1 - eta_channel, photons_gf(0), 1, 0, true});
                    } else {
                        const double eve_none = std::exp(-mu * (1 - eta_channel));
                        components.push_back({eve_none, poisson_gf(mu * eta_channel), eta_d, alice_angle, false});
                        components.push_back({1 - eve_none, poisson_gf(mu * eta_channel), eta_d, alice_angle, true});
                    }
                    break;
            }
            add_receiver(link, components, a, bit == 1, w, afterpulse, out);
        }
    }
    return out;
}

std::pair<double, double> pns_blocking_by_bisection(const Link& link) {
    Link without = link;
    without.eve.kind = AttackKind::none;
    const double target = prepare_measure_oracle(without, 0).gain();
    const auto gain = [&](double b1, double b2) {
        // the PNS components with these blocking probabilities, by the same oracle
        const bool single = link.source.kind == SourceKind::single_photon;
        const double mu = single ? 0 : link.source.intensities[0].mean_photon_number;
        const double eta_d = link.detectors.efficiency;
        const double p1 = single ? 1 : mu * std::exp(-mu);
        std::vector<Component> components = {{single ? 0 : std::exp(-mu), photons_gf(0), 1, 0, false},
                                             {p1 * (1 - b1), photons_gf(1), eta_d, 0, false},
                                             {p1 * b1, photons_gf(0), 1, 0, false}};
        double pn = p1;
        for (unsigned n = 2; !single && n < 60; ++n) {
            pn *= mu / n;
            components.push_back({pn * (1 - b2), photons_gf(n - 1), eta_d, 0, true});
            components.push_back({pn * b2, photons_gf(0), 1, 0, false});
        }
        Expected e;
        add_receiver(without, components, 0, false, 1, 0, e);
        return e.gain();
    };
    const auto bisect = [&](const std::function<double(double)>& f) {  // f decreasing, root in [0, 1]
        double low = 0, high = 1;
        for (int i = 0; i < 80; ++i) {
            const double mid = (low + high) / 2;
            (f(mid) > target ? low : high) = mid;
        }
        return (low + high) / 2;
    };
    if (gain(1, 0) <= target) return {bisect([&](double b) { return gain(b, 0); }), 0.0};
    return {1.0, bisect([&](double b) { return gain(1, b); })};
}

// The measured statistics of intensity k.
struct Measured {
    std::uint64_t pulses = 0;
    std::uint64_t detections = 0;
    std::uint64_t matched = 0;
    std::uint64_t errors = 0;
    std::uint64_t double_clicks = 0;
    std::uint64_t eve_knows = 0;
    std::uint64_t eve_knows_matched = 0;
    std::uint64_t bob_z = 0;
    std::uint64_t double_click_ones = 0;  // double clicks squashed to bit 1
};

// Settings match: BB84/BBM92 equal settings; E91 the key pairs (1, 0) and (2, 1).
bool key_settings(Protocol protocol, unsigned a, unsigned b) {
    return protocol == Protocol::e91 ? (a == 1 && b == 0) || (a == 2 && b == 1) : a == b;
}

Measured measure(const RawRecords& records, unsigned k) {
    Measured m;
    m.pulses = records.pulses_per_intensity.at(k);
    for (const DetectionTag tag : records.tags) {
        if (tag.intensity() != k) continue;
        ++m.detections;
        m.double_clicks += tag.double_click();
        m.double_click_ones += tag.double_click() && tag.bob_bit();
        m.eve_knows += tag.eve_knows();
        m.bob_z += tag.bob_setting() == 0;
        if (key_settings(records.protocol, tag.alice_setting(), tag.bob_setting())) {
            ++m.matched;
            m.errors += tag.alice_bit() != tag.bob_bit();
            m.eve_knows_matched += tag.eve_knows();
        }
    }
    return m;
}

// `count` successes of `trials` against the probability p, within 4 binomial sigmas plus 4 counts:
// the normal approximation understates the upper tail when only a few events are expected (at 3
// expected the slack keeps a false alarm below 1e-5), and 4 counts are nothing next to 4 sigma
// when many are.
void expect_rate(const char* what, std::uint64_t count, std::uint64_t trials, double p) {
    ASSERT_GT(trials, 0u) << what;
    const double n = static_cast<double>(trials);
    const double tolerance = SIGMAS * std::sqrt(n * p * (1 - p)) + 4;
    EXPECT_NEAR(static_cast<double>(count), n * p, tolerance)
        << what << ": " << count << " of " << trials << ", rate " << static_cast<double>(count) / n << " against " << p;
}

void expect_matches_oracle(const Link& link, const RawRecords& records) {
    for (unsigned k = 0; k < records.pulses_per_intensity.size(); ++k) {
        SCOPED_TRACE("intensity " + std::to_string(k));
        const Expected e = prepare_measure_oracle(link, k);
        const Measured m = measure(records, k);
        expect_rate("gain", m.detections, m.pulses, e.gain());
        expect_rate("double clicks", m.double_clicks, m.pulses, e.double_clicks);
        if (m.matched > 100) expect_rate("qber", m.errors, m.matched, e.qber());
        expect_rate("eve knows", m.eve_knows, m.pulses, e.eve_knows);
        expect_rate("bob's setting z", m.bob_z, m.pulses, e.bob_z);
        // a double click is squashed to a uniformly random bit
        if (m.double_clicks > 100) expect_rate("squashed ones", m.double_click_ones, m.double_clicks, 0.5);
    }
}

void expect_well_formed(const RawRecords& records, std::uint64_t pulses) {
    EXPECT_EQ(records.pulses, pulses);
    std::uint64_t sum = 0;
    for (const std::uint64_t n : records.pulses_per_intensity) sum += n;
    EXPECT_EQ(sum, pulses);
    ASSERT_EQ(records.pulse_index.size(), records.tags.size());
    for (std::size_t i = 0; i < records.pulse_index.size(); ++i) {
        ASSERT_LT(records.pulse_index[i], pulses);
        if (i > 0) {
            ASSERT_GT(records.pulse_index[i], records.pulse_index[i - 1]);
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Entangled oracles (active basis choice). Detectors 0, 1 are Alice's and 2, 3 Bob's.

struct ExpectedPairs {
    double alice_clicks = 0;  // per pulse
    double bob_clicks = 0;
    double coincidences = 0;
    double matched = 0;  // coincidences at the key settings
    double errors = 0;
    double matched_double_clicks = 0;  // double clicks (either side) at the key settings, per pulse
    // per setting pair, among its coincidences: the share of double clicks and E(a, b)
    double double_share[3][3] = {};
    double correlation[3][3] = {};
};

struct PairGeometry {
    bool e91 = false;
    unsigned settings = 2;
    double lambda = 0;
    double eta_a = 0;
    double eta_b = 0;
    double angle(bool alice, unsigned s) const {
        if (e91) return (alice ? E91_ALICE_DEGREES[s] : E91_BOB_DEGREES[s]) * DEGREE;
        return s == 0 ? 0 : 45 * DEGREE;
    }
};

PairGeometry pair_geometry(const Link& link) {
    PairGeometry g;
    g.e91 = link.protocol == Protocol::e91;
    g.settings = g.e91 ? 3 : 2;
    g.lambda = link.source.mean_pair_number / 2;
    const double position = link.source.position_km;
    g.eta_a = transmittance(link.channel.loss_db_per_km * position) * link.detectors.efficiency;
    g.eta_b =
        transmittance(link.channel.loss_db_per_km * (link.channel.length_km - position) + link.channel.extra_loss_db) *
        link.detectors.efficiency;
    return g;
}

// Sums the joint click patterns of one setting pair (weight w) into `out`.
void add_pair_patterns(const Link& link, unsigned a, unsigned b, double w, const std::vector<double>& patterns,
                       ExpectedPairs& out) {
    double same = 0, total = 0, doubles = 0;
    for (unsigned c = 1; c < 16; ++c) {
        const double p = w * patterns[c];
        const unsigned alice = c & 3, bob = c >> 2;
        if (alice != 0) out.alice_clicks += p;
        if (bob != 0) out.bob_clicks += p;
        if (alice == 0 || bob == 0) continue;
        out.coincidences += p;
        // P(equal bits): a double click is a random bit
        const double alice1 = alice == 3 ? 0.5 : alice == 2, bob1 = bob == 3 ? 0.5 : bob == 2;
        const double equal = alice1 * bob1 + (1 - alice1) * (1 - bob1);
        same += patterns[c] * equal;
        total += patterns[c];
        if (alice == 3 || bob == 3) doubles += patterns[c];
        if (key_settings(link.protocol, a, b)) {
            out.matched += p;
            out.errors += p * (1 - equal);
            if (alice == 3 || bob == 3) out.matched_double_clicks += p;
        }
    }
    out.correlation[a][b] = (2 * same - total) / total;
    out.double_share[a][b] = doubles / total;
}

double setting_pair_weight(const Link& link, const PairGeometry& g, unsigned a, unsigned b) {
    const double pz = link.z_basis_probability;
    return g.e91 ? 1.0 / 9 : (a == 0 ? pz : 1 - pz) * (b == 0 ? pz : 1 - pz);
}

// common.md's photon picture: in the frame of Alice's analyser a, two thermal modes (mean lambda),
// mode 1 along a and mode 2 along a + 90, every photon routed independently. Exact for everything
// measured in Alice's frame (any clicks, coincidences, key-setting QBER and double clicks). Several
// photons at Bob in another basis it treats as distinguishable, which they are not (they are one
// Fock state and interfere, see multi_pair_photons_bunch_in_a_rotated_basis): those quantities are
// compared with detection_model.h (exact for bosons) and with the photon mode instead.
ExpectedPairs entangled_oracle(const Link& link) {
    const PairGeometry g = pair_geometry(link);
    const double e_d = link.channel.misalignment;
    ExpectedPairs out;
    for (unsigned a = 0; a < g.settings; ++a) {
        for (unsigned b = 0; b < g.settings; ++b) {
            const double alice_angle = g.angle(true, a), bob_angle = g.angle(false, b);
            // per mode j: chance that its Alice photon goes to detector 0/1 and its Bob photon to 2/3
            const double c1 = pass(alice_angle, bob_angle, e_d);
            const double c2 = pass(alice_angle + 90 * DEGREE, bob_angle, e_d);
            const std::array<std::array<double, 4>, 2> r = {{{1, 0, c1, 1 - c1}, {0, 1, c2, 1 - c2}}};
            const auto no_photon = [&](unsigned silent) {
                double gf = 1;
                for (const auto& rj : r) {
                    const double xa = (silent & 1 ? rj[0] : 0) + (silent & 2 ? rj[1] : 0);
                    const double xb = (silent & 4 ? rj[2] : 0) + (silent & 8 ? rj[3] : 0);
                    const double u = (1 - g.eta_a * xa) * (1 - g.eta_b * xb);
                    gf *= 1 / (1 + g.lambda * (1 - u));
                }
                return gf;
            };
            add_pair_patterns(link, a, b, setting_pair_weight(link, g, a, b),
                              click_patterns(4, link.detectors.dark_count_probability, no_photon), out);
        }
    }
    return out;
}

struct MeasuredPairs {
    std::uint64_t same[3][3] = {};
    std::uint64_t total[3][3] = {};
    std::uint64_t doubles[3][3] = {};
    double correlation(unsigned a, unsigned b) const {
        return (2.0 * static_cast<double>(same[a][b]) - static_cast<double>(total[a][b])) /
               static_cast<double>(total[a][b]);
    }
};

MeasuredPairs measure_pairs(const RawRecords& records) {
    MeasuredPairs m;
    for (const DetectionTag tag : records.tags) {
        ++m.total[tag.alice_setting()][tag.bob_setting()];
        m.same[tag.alice_setting()][tag.bob_setting()] += tag.alice_bit() == tag.bob_bit();
        m.doubles[tag.alice_setting()][tag.bob_setting()] += tag.double_click();
    }
    return m;
}

void expect_matches_entangled_oracle(const Link& link, const RawRecords& records) {
    const ExpectedPairs e = entangled_oracle(link);
    const Measured m = measure(records, 0);
    std::uint64_t matched_doubles = 0;
    for (const DetectionTag tag : records.tags) {
        matched_doubles += tag.double_click() && key_settings(link.protocol, tag.alice_setting(), tag.bob_setting());
    }
    expect_rate("alice clicks", records.alice_clicks, records.pulses, e.alice_clicks);
    expect_rate("bob clicks", records.bob_clicks, records.pulses, e.bob_clicks);
    expect_rate("coincidences", m.detections, m.pulses, e.coincidences);
    expect_rate("key-setting coincidences", m.matched, m.pulses, e.matched);
    expect_rate("key-setting double clicks", matched_doubles, m.pulses, e.matched_double_clicks);
    expect_rate("qber", m.errors, m.matched, e.errors / e.matched);
}

// The CHSH value S = E(0, 22.5) - E(0, 67.5) + E(45, 22.5) + E(45, 67.5) and its standard error.
std::pair<double, double> chsh(const MeasuredPairs& m) {
    double s = 0, variance = 0;
    const unsigned pairs[4][2] = {{0, 0}, {0, 2}, {2, 0}, {2, 2}};
    const double signs[4] = {1, -1, 1, 1};
    for (unsigned i = 0; i < 4; ++i) {
        const double e = m.correlation(pairs[i][0], pairs[i][1]);
        s += signs[i] * e;
        variance += (1 - e * e) / static_cast<double>(m.total[pairs[i][0]][pairs[i][1]]);
    }
    return {s, std::sqrt(variance)};
}

// The dead pulses come d at a time, one window per click: their count is d times the number of
// windows, whose standard deviation is at most sqrt(expected windows) (a renewal process is more
// regular than a Poisson one), so sigma <= d sqrt(N c) for c windows per pulse.
void expect_dead_pulses(const RawRecords& records, double d, double windows_per_pulse, double expected_fraction) {
    const double n = static_cast<double>(records.pulses);
    const double sigma = d * std::sqrt(std::max(windows_per_pulse, 1 / n) * n) / n;
    EXPECT_NEAR(static_cast<double>(records.dead_pulses) / n, expected_fraction, SIGMAS * sigma)
        << "dead pulses: " << records.dead_pulses << " of " << records.pulses;
}

// The records against the exact expectation of detection_model.h (the photon-mode helper's closed
// forms, dead time and afterpulses included, several photons at a receiver as bosons), within 4
// sigma: gain, double clicks, QBER, clicks, dead pulses and, for E91, the correlation of every
// setting pair.
void expect_matches_expected_statistics(const Link& link, const RawRecords& records) {
    const ExpectedStatistics e = expected_statistics(link);
    const bool entangled = link.source.kind == SourceKind::entangled_pairs;
    ASSERT_EQ(e.intensities.size(), records.pulses_per_intensity.size());
    for (unsigned k = 0; k < e.intensities.size(); ++k) {
        SCOPED_TRACE("intensity " + std::to_string(k));
        const Measured m = measure(records, k);
        expect_rate("gain", m.detections, m.pulses, e.intensities[k].gain);
        expect_rate("double clicks", m.double_clicks, m.pulses, e.intensities[k].double_click);
        if (m.matched > 100) expect_rate("qber", m.errors, m.matched, e.intensities[k].qber);
    }
    const double d = std::ceil(link.detectors.dead_time_ns * link.clock_hz / 1e9 - 1e-9);
    expect_dead_pulses(records, d, e.alice_click_probability + e.bob_click_probability, e.dead_fraction);
    expect_rate("bob clicks", records.bob_clicks, records.pulses, e.bob_click_probability);
    if (entangled) expect_rate("alice clicks", records.alice_clicks, records.pulses, e.alice_click_probability);
    if (link.protocol == Protocol::e91) {
        const MeasuredPairs m = measure_pairs(records);
        for (unsigned a = 0; a < 3; ++a) {
            for (unsigned b = 0; b < 3; ++b) {
                const double n = static_cast<double>(m.total[a][b]), c = e.correlation[a][b];
                EXPECT_NEAR(m.correlation(a, b), c, SIGMAS * std::sqrt(std::max(1 - c * c, 1 / n) / n))
                    << a << ", " << b;
            }
        }
    }
}
// Links that exercise every part of the model, for the comparisons with detection_model.h and
// with the photon mode.
struct Case {
    const char* name;
    Link link;
    std::uint64_t pulses;  // qubit-mode pulses
};

std::vector<Case> validation_cases() {
    std::vector<Case> cases;
    Link dead = prepare_measure_link();  // decoy, biased basis, dead time and afterpulses
    dead.z_basis_probability = 0.7;
    dead.detectors.dead_time_ns = 12;
    dead.detectors.afterpulse_probability = 0.05;
    cases.push_back({"decoy with dead time", dead, 150000});
    Link passive = prepare_measure_link();
    passive.detectors.basis_choice = BasisChoice::passive;
    passive.detectors.dark_count_probability = 0.01;
    passive.detectors.dead_time_ns = 3;
    passive.detectors.afterpulse_probability = 0.1;
    cases.push_back({"passive", passive, 100000});
    Link single = prepare_measure_link();
    single.protocol = Protocol::bb84;
    single.source.kind = SourceKind::single_photon;
    single.source.intensities.clear();
    cases.push_back({"single photon", single, 60000});
    for (const AttackKind attack :
         {AttackKind::intercept_resend, AttackKind::photon_number_splitting, AttackKind::beam_splitting}) {
        Link eve = prepare_measure_link();
        eve.channel.length_km = 20;
        eve.eve.kind = attack;
        eve.eve.fraction = 0.5;
        cases.push_back({"eve", eve, 100000});
    }
    Link far_pns = prepare_measure_link();  // Eve blocks multi-photon pulses too
    far_pns.channel.length_km = 100;
    far_pns.eve.kind = AttackKind::photon_number_splitting;
    cases.push_back({"eve at 100 km", far_pns, 100000});
    Link pairs = entangled_link(Protocol::bbm92, 0.4);
    pairs.detectors.dead_time_ns = 5;
    pairs.detectors.afterpulse_probability = 0.05;
    cases.push_back({"bbm92 with dead time", pairs, 40000});
    Link e91 = entangled_link(Protocol::e91, 0.2);
    cases.push_back({"e91", e91, 60000});
    // Passive basis choice with pairs, bright enough that several photons often meet a receiver's
    // beam splitter and analysers on either side (each photon routed on its own, the photons of a
    // side one bosonic state).
    Link passive_pairs = entangled_link(Protocol::bbm92, 1.0);
    passive_pairs.detectors.basis_choice = BasisChoice::passive;
    passive_pairs.detectors.dark_count_probability = 0.01;
    passive_pairs.z_basis_probability = 0.6;
    cases.push_back({"passive bbm92", passive_pairs, 60000});
    Link passive_e91 = entangled_link(Protocol::e91, 1.0);
    passive_e91.detectors.basis_choice = BasisChoice::passive;
    passive_e91.channel.length_km = 4;
    passive_e91.source.position_km = 2;
    cases.push_back({"passive e91", passive_e91, 60000});
    return cases;
}

// Two samples of the same rate: |r1 - r2| within 4 sigma of the pooled binomial rate (plus 4 counts
// of the smaller sample, as in expect_rate).
void expect_same_rate(const char* what, std::uint64_t c1, std::uint64_t n1, std::uint64_t c2, std::uint64_t n2) {
    ASSERT_GT(n1, 0u) << what;
    ASSERT_GT(n2, 0u) << what;
    const double a = static_cast<double>(n1), b = static_cast<double>(n2);
    const double p = static_cast<double>(c1 + c2) / (a + b);
    const double tolerance = SIGMAS * std::sqrt(p * (1 - p) * (1 / a + 1 / b)) + 4 / std::min(a, b);
    EXPECT_NEAR(static_cast<double>(c1) / a, static_cast<double>(c2) / b, tolerance)
        << what << ": " << c1 << " of " << n1 << " against " << c2 << " of " << n2;
}

// Per setting pair (a, b): coincidences per pulse, and among them equal bits and double clicks,
// two-sample.
void expect_same_pairs(const RawRecords& qubits, const RawRecords& photons) {
    const MeasuredPairs q = measure_pairs(qubits), p = measure_pairs(photons);
    for (unsigned a = 0; a < 3; ++a) {
        for (unsigned b = 0; b < 3; ++b) {
            if (q.total[a][b] + p.total[a][b] == 0) continue;
            SCOPED_TRACE("settings " + std::to_string(a) + ", " + std::to_string(b));
            expect_same_rate("coincidences", q.total[a][b], qubits.pulses, p.total[a][b], photons.pulses);
            expect_same_rate("equal bits", q.same[a][b], q.total[a][b], p.same[a][b], p.total[a][b]);
            expect_same_rate("double clicks", q.doubles[a][b], q.total[a][b], p.doubles[a][b], p.total[a][b]);
        }
    }
}

// The qubit mode's records against the photon mode's (emulate_photons), two-sample. With an
// entangled source also the coincidences, equal bits and double clicks of every setting pair.
void expect_same_statistics(const Link& link, const RawRecords& qubits, const RawRecords& photons) {
    const bool entangled = link.source.kind == SourceKind::entangled_pairs;
    ASSERT_EQ(qubits.pulses_per_intensity.size(), photons.pulses_per_intensity.size());
    for (unsigned k = 0; k < qubits.pulses_per_intensity.size(); ++k) {
        SCOPED_TRACE("intensity " + std::to_string(k));
        const Measured q = measure(qubits, k), p = measure(photons, k);
        expect_same_rate("intensity share", q.pulses, qubits.pulses, p.pulses, photons.pulses);
        expect_same_rate("gain", q.detections, q.pulses, p.detections, p.pulses);
        expect_same_rate("qber", q.errors, q.matched, p.errors, p.matched);
        expect_same_rate("eve knows", q.eve_knows, q.pulses, p.eve_knows, p.pulses);
        expect_same_rate("double clicks", q.double_clicks, q.pulses, p.double_clicks, p.pulses);
        if (!entangled) expect_same_rate("bob's setting z", q.bob_z, q.pulses, p.bob_z, p.pulses);
    }
    expect_same_rate("bob clicks", qubits.bob_clicks, qubits.pulses, photons.bob_clicks, photons.pulses);
    expect_same_rate("alice clicks", qubits.alice_clicks, qubits.pulses, photons.alice_clicks, photons.pulses);
    if (entangled) expect_same_pairs(qubits, photons);
    // dead pulses: d per window (expect_dead_pulses), sigma^2 = d^2 c (1/N1 + 1/N2)
    const double d = std::ceil(link.detectors.dead_time_ns * link.clock_hz / 1e9 - 1e-9);
    const double n1 = static_cast<double>(qubits.pulses), n2 = static_cast<double>(photons.pulses);
    const double windows = static_cast<double>(photons.alice_clicks + photons.bob_clicks) / n2;
    EXPECT_NEAR(static_cast<double>(qubits.dead_pulses) / n1, static_cast<double>(photons.dead_pulses) / n2,
                SIGMAS * d * std::sqrt(std::max(windows, 1 / n1) * (1 / n1 + 1 / n2)))
        << "dead pulses";
}

}  // namespace

// ---------------------------------------------------------------------------------------------------

TEST(qubit_mode, misalignment_flips_the_outcome_with_e_d_in_either_basis) {
    // One photon per pulse, no loss, no dark counts: every pulse is detected, and the depolarising
    // channel of strength 2 e_d flips the result with probability e_d in Z and in X alike.
    Link link = prepare_measure_link();
    link.protocol = Protocol::bb84;
    link.source.kind = SourceKind::single_photon;
    link.source.intensities.clear();
    link.channel.length_km = 0;
    link.channel.misalignment = 0.1;
    link.detectors.efficiency = 1;
    link.detectors.dark_count_probability = 0;
    core::Rng rng(11);
    const std::uint64_t pulses = 40000;
    const RawRecords records = emulate_qubits(link, pulses, rng);
    expect_well_formed(records, pulses);
    EXPECT_EQ(records.detections(), pulses);
    std::uint64_t matched[2] = {}, errors[2] = {};
    for (const DetectionTag tag : records.tags) {
        EXPECT_FALSE(tag.double_click());
        if (tag.alice_setting() != tag.bob_setting()) continue;
        ++matched[tag.alice_setting()];
        errors[tag.alice_setting()] += tag.alice_bit() != tag.bob_bit();
    }
    expect_rate("Z errors", errors[0], matched[0], 0.1);
    expect_rate("X errors", errors[1], matched[1], 0.1);
}

TEST(qubit_mode, decoy_weak_coherent_pulses_match_the_closed_form) {
    Link link = prepare_measure_link();
    link.z_basis_probability = 0.7;  // biased basis choice
    core::Rng rng(1);
    const std::uint64_t pulses = 200000;
    const RawRecords records = emulate_qubits(link, pulses, rng);
    expect_well_formed(records, pulses);
    EXPECT_EQ(records.bob_clicks, records.detections());
    EXPECT_EQ(records.alice_clicks, 0u);
    EXPECT_EQ(records.dead_pulses, 0u);
    for (unsigned k = 0; k < 3; ++k) {
        expect_rate("intensity share", records.pulses_per_intensity[k], pulses, link.source.intensities[k].probability);
    }
    expect_matches_oracle(link, records);
    // and the oracle itself: Q = 1 - (1 - Y0) exp(-eta mu) with Y0 = 1 - (1 - p_dark)^2 exactly, and
    // MQZL (Ma, Qi, Zhao, Lo 2005, eq. 7: Q = Y0 + 1 - exp(-eta mu)) to first order, within Y0 eta mu
    const double eta = transmittance(1) * 0.6;
    const double y0 = 1 - std::pow(1 - 2e-3, 2);
    const double gain = prepare_measure_oracle(link, 0).gain();
    EXPECT_NEAR(gain, 1 - (1 - y0) * std::exp(-eta * 0.5), 1e-12);
    EXPECT_NEAR(gain, y0 + 1 - std::exp(-eta * 0.5), y0 * eta * 0.5);
}

TEST(qubit_mode, single_photon_source_matches_the_closed_form) {
    Link link = prepare_measure_link();
    link.protocol = Protocol::bb84;
    link.source.kind = SourceKind::single_photon;
    link.source.intensities.clear();
    core::Rng rng(2);
    const RawRecords records = emulate_qubits(link, 100000, rng);
    expect_well_formed(records, 100000);
    ASSERT_EQ(records.pulses_per_intensity.size(), 1u);
    expect_matches_oracle(link, records);
}

TEST(qubit_mode, passive_basis_choice_matches_the_closed_form) {
    Link link = prepare_measure_link();
    link.detectors.basis_choice = BasisChoice::passive;
    link.detectors.dark_count_probability = 0.02;  // many clicks in both bases
    link.source.intensities[0].mean_photon_number = 0.9;
    link.z_basis_probability = 0.7;
    core::Rng rng(3);
    const RawRecords records = emulate_qubits(link, 200000, rng);
    expect_well_formed(records, 200000);
    expect_matches_oracle(link, records);
}

TEST(qubit_mode, intercept_resend_on_every_pulse_gives_a_quarter_of_errors) {
    Link link = prepare_measure_link();
    link.protocol = Protocol::bb84;
    link.source.intensities = {{"signal", 0.5, 1}};
    link.channel.misalignment = 0;
    link.detectors.dark_count_probability = 0;
    link.eve.kind = AttackKind::intercept_resend;
    link.eve.fraction = 1;
    core::Rng rng(4);
    const RawRecords records = emulate_qubits(link, 150000, rng);
    const Measured m = measure(records, 0);
    expect_rate("sifted qber", m.errors, m.matched, 0.25);
    expect_rate("eve knows among sifted", m.eve_knows_matched, m.matched, 0.5);
    // Bob sees one photon from every non-empty pulse: Q = (1 - exp(-mu)) eta
    expect_rate("gain", m.detections, m.pulses, -std::expm1(-0.5) * transmittance(1) * 0.6);
    expect_matches_oracle(link, records);
}

TEST(qubit_mode, intercept_resend_on_a_fraction_matches_the_closed_form) {
    Link link = prepare_measure_link();
    link.eve.kind = AttackKind::intercept_resend;
    link.eve.fraction = 0.4;
    core::Rng rng(5);
    const RawRecords records = emulate_qubits(link, 200000, rng);
    expect_matches_oracle(link, records);
}

TEST(qubit_mode, photon_number_splitting_keeps_the_signal_gain) {
    Link link = prepare_measure_link();
    link.channel.length_km = 25;  // enough loss that Eve must block single photons
    link.eve.kind = AttackKind::photon_number_splitting;
    core::Rng rng(6);
    const std::uint64_t pulses = 300000;
    const RawRecords records = emulate_qubits(link, pulses, rng);
    expect_well_formed(records, pulses);
    Link without = link;
    without.eve.kind = AttackKind::none;
    const Measured signal = measure(records, 0);
    expect_rate("signal gain as without Eve", signal.detections, signal.pulses,
                prepare_measure_oracle(without, 0).gain());
    expect_matches_oracle(link, records);
    const auto [b1, b2] = pns_blocking_by_bisection(link);
    EXPECT_GT(b1, 0.5);
    EXPECT_EQ(b2, 0);
}

TEST(qubit_mode, photon_number_splitting_blocks_multi_photon_pulses_when_it_must) {
    // High loss: the multi-photon pulses alone, forwarded losslessly, would raise the signal's gain
    // above its value without Eve, so b = 1 and b2 > 0.
    Link link = prepare_measure_link();
    link.channel.length_km = 100;
    link.eve.kind = AttackKind::photon_number_splitting;
    const auto [b1, b2] = pns_blocking_by_bisection(link);
    ASSERT_EQ(b1, 1);
    ASSERT_GT(b2, 0);
    core::Rng rng(7);
    const RawRecords records = emulate_qubits(link, 150000, rng);
    Link without = link;
    without.eve.kind = AttackKind::none;
    const Measured signal = measure(records, 0);
    expect_rate("signal gain as without Eve", signal.detections, signal.pulses,
                prepare_measure_oracle(without, 0).gain());
    expect_matches_oracle(link, records);
}

TEST(qubit_mode, beam_splitting_leaves_bob_unchanged) {
    Link link = prepare_measure_link();
    link.channel.length_km = 15;
    link.eve.kind = AttackKind::beam_splitting;
    core::Rng rng(8);
    const RawRecords records = emulate_qubits(link, 200000, rng);
    Link without = link;
    without.eve.kind = AttackKind::none;
    for (unsigned k = 0; k < 3; ++k) {
        const Expected e = prepare_measure_oracle(without, k);
        const Measured m = measure(records, k);
        expect_rate("gain as without Eve", m.detections, m.pulses, e.gain());
        expect_rate("qber as without Eve", m.errors, m.matched, e.qber());
        // Eve's share of a Poisson pulse is independent of Bob's: P(she has >= 1 photon) =
        // 1 - exp(-mu (1 - eta_channel)) among Bob's detections
        const double mu = link.source.intensities[k].mean_photon_number;
        expect_rate("eve knows among detections", m.eve_knows, m.detections, -std::expm1(-mu * (1 - transmittance(3))));
    }
    expect_matches_oracle(link, records);
}

TEST(qubit_mode, dead_time_and_afterpulses_follow_the_renewal_process) {
    // After each click d gates are dead, then one gate where an afterpulse clicks with probability
    // p_ap. Stationary shares: clicks per gate c = g / (1 + g (1 + d) - g_A) with g the click
    // probability of a normal gate and g_A = 1 - (1 - g)(1 - p_ap) of an afterpulse gate; afterpulse
    // gates c, dead gates d c, normal gates 1 - (1 + d) c.
    Link link = prepare_measure_link();
    link.detectors.dead_time_ns = 20;  // 20 gates at 1 GHz
    link.detectors.afterpulse_probability = 0.08;
    link.clock_hz = 1e9;
    core::Rng rng(9);
    const std::uint64_t pulses = 200000;
    const RawRecords records = emulate_qubits(link, pulses, rng);
    expect_well_formed(records, pulses);
    const double d = 20, p_ap = 0.08;
    double g = 0, g_a = 0;
    std::vector<Expected> normal, after;
    for (unsigned k = 0; k < 3; ++k) {
        normal.push_back(prepare_measure_oracle(link, k));
        after.push_back(prepare_measure_oracle(link, k, p_ap));
        g += link.source.intensities[k].probability * normal[k].gain();
        g_a += link.source.intensities[k].probability * after[k].gain();
    }
    EXPECT_NEAR(g_a, 1 - (1 - g) * (1 - p_ap), 1e-12);
    const double c = g / (1 + g * (1 + d) - g_a);
    const double share_after = c, share_normal = 1 - (1 + d) * c;
    expect_dead_pulses(records, d, c, d * c);
    for (unsigned k = 0; k < 3; ++k) {
        SCOPED_TRACE("intensity " + std::to_string(k));
        const Measured m = measure(records, k);
        expect_rate("gain", m.detections, m.pulses, share_normal * normal[k].gain() + share_after * after[k].gain());
        const double matched = share_normal * normal[k].matched + share_after * after[k].matched;
        const double errors = share_normal * normal[k].errors + share_after * after[k].errors;
        expect_rate("qber", m.errors, m.matched, errors / matched);
    }
}

TEST(qubit_mode, entangled_bbm92_matches_two_thermal_modes) {
    // A large mean pair number so that multi-pair emissions (the Dicke states of 2n qubits) matter.
    Link link = entangled_link(Protocol::bbm92, 0.6);
    link.z_basis_probability = 0.6;
    core::Rng rng(10);
    const std::uint64_t pulses = 60000;
    const RawRecords records = emulate_qubits(link, pulses, rng);
    expect_well_formed(records, pulses);
    ASSERT_EQ(records.pulses_per_intensity.size(), 1u);
    expect_matches_entangled_oracle(link, records);
}

TEST(qubit_mode, entangled_multi_pair_emissions_beyond_the_state_vector_cap) {
    // mean_pair_number 10 (lambda = 5, the largest check() allows): most emissions exceed the
    // 7 pairs simulated as a state vector and go through the Fock-basis sampler.
    Link link = entangled_link(Protocol::bbm92, 10);
    link.detectors.efficiency = 0.1;
    core::Rng rng(12);
    const std::uint64_t pulses = 20000;
    const RawRecords records = emulate_qubits(link, pulses, rng);
    expect_well_formed(records, pulses);
    expect_matches_entangled_oracle(link, records);
}

TEST(qubit_mode, multi_pair_photons_bunch_in_a_rotated_basis) {
    // Alice far from the source (10 dB), Bob beside it (no loss), efficiency 1, lambda = 0.5: most
    // coincidences with two pairs have one photon at Alice and both at Bob. Given m = 1 of them V
    // in Alice's frame, Bob holds the Fock state |1 H, 1 V>; at 45 degrees both photons leave by
    // the same port (polarisation Hong-Ou-Mandel bunching), never a double click, where
    // distinguishable photons would double-click half the time. detection_model.h and the photon
    // mode treat Bob's photons as bosons too: all three must agree, and the picture of independent
    // photons (entangled_oracle) must be ruled out in mismatched bases.
    Link link = entangled_link(Protocol::bbm92, 1.0);
    link.channel.length_km = 50;
    link.source.position_km = 50;
    link.channel.extra_loss_db = 0;
    link.channel.misalignment = 0;
    link.detectors.efficiency = 1;
    link.detectors.dark_count_probability = 1e-4;
    core::Rng rng(18);
    const RawRecords records = emulate_qubits(link, 30000, rng);
    const RawRecords photon_mode = emulate_photons(link, 600000, rng);
    const MeasuredPairs m = measure_pairs(records);
    const ExpectedStatistics e = expected_statistics(link);
    const ExpectedPairs independent = entangled_oracle(link);
    for (unsigned a = 0; a < 2; ++a) {
        for (unsigned b = 0; b < 2; ++b) {
            SCOPED_TRACE(std::to_string(a) + ", " + std::to_string(b));
            const double n = static_cast<double>(m.total[a][b]);
            const double share = static_cast<double>(m.doubles[a][b]) / n;
            const double p = independent.double_share[a][b], sigma = std::sqrt(p * (1 - p) / n);
            if (a == b) {  // in Alice's frame independent photons are exact
                expect_rate("double clicks among coincidences", m.doubles[a][b], m.total[a][b], p);
            } else {  // and otherwise they double-click far more than the bosons do
                EXPECT_GT(p - share, 6 * sigma);
            }
            const double c = e.correlation[a][b];
            EXPECT_NEAR(m.correlation(a, b), c, SIGMAS * std::sqrt((1 - c * c) / n));
        }
    }
    expect_matches_expected_statistics(link, records);  // double clicks of all settings included
    expect_same_pairs(records, photon_mode);            // per setting pair
    expect_matches_entangled_oracle(link, records);
}

TEST(qubit_mode, e91_multi_pair_correlations_match_the_bosonic_state) {
    Link link = entangled_link(Protocol::e91, 1.0);
    link.channel.misalignment = 0;
    link.detectors.dark_count_probability = 1e-3;
    core::Rng rng(19);
    const RawRecords records = emulate_qubits(link, 30000, rng);
    const RawRecords photon_mode = emulate_photons(link, 600000, rng);
    const MeasuredPairs m = measure_pairs(records);
    const ExpectedStatistics e = expected_statistics(link);
    // E(a, b) of every setting pair and the double clicks against detection_model.h, per setting
    // pair against the photon mode
    expect_matches_expected_statistics(link, records);
    expect_same_pairs(records, photon_mode);
    const auto [s, sigma] = chsh(m);
    EXPECT_NEAR(s, e.chsh, SIGMAS * sigma);
    // independent photons agree where they must: coincidences and the key settings
    const ExpectedPairs independent = entangled_oracle(link);
    EXPECT_NEAR(e.intensities[0].gain, independent.coincidences, 1e-12);
    EXPECT_NEAR(e.intensities[0].qber, independent.errors / independent.matched, 1e-12);
    expect_matches_entangled_oracle(link, records);
}

TEST(qubit_mode, e91_violates_chsh_maximally_without_noise) {
    Link link = entangled_link(Protocol::e91, 0.02);
    link.channel.misalignment = 0;
    link.detectors.dark_count_probability = 0;
    link.detectors.efficiency = 1;
    link.channel.length_km = 0;
    link.source.position_km = 0;
    link.channel.extra_loss_db = 0;
    core::Rng rng(13);
    const RawRecords records = emulate_qubits(link, 300000, rng);
    expect_matches_entangled_oracle(link, records);
    const auto [s, sigma] = chsh(measure_pairs(records));
    // multi-pair emissions (about lambda of the coincidences) pull S down slightly: compare with
    // the oracle's S as well as with Tsirelson's bound
    const ExpectedPairs e = entangled_oracle(link);
    const double s_expected = e.correlation[0][0] - e.correlation[0][2] + e.correlation[2][0] + e.correlation[2][2];
    EXPECT_NEAR(s_expected, 2 * std::numbers::sqrt2, 0.05);
    EXPECT_NEAR(s, s_expected, SIGMAS * sigma);
    EXPECT_NEAR(s, 2 * std::numbers::sqrt2, SIGMAS * sigma + (2 * std::numbers::sqrt2 - s_expected));
}

TEST(qubit_mode, e91_chsh_falls_with_misalignment) {
    Link link = entangled_link(Protocol::e91, 0.002);
    link.channel.misalignment = 0.05;
    link.detectors.dark_count_probability = 0;
    link.detectors.efficiency = 1;
    link.channel.length_km = 0;
    link.source.position_km = 0;
    link.channel.extra_loss_db = 0;
    core::Rng rng(14);
    const RawRecords records = emulate_qubits(link, 1000000, rng);
    const MeasuredPairs m = measure_pairs(records);
    const auto [s, sigma] = chsh(m);
    // S = 2 sqrt 2 (1 - 2 e_d) (up to the 0.1% of multi-pair coincidences)
    EXPECT_NEAR(s, 2 * std::numbers::sqrt2 * (1 - 2 * 0.05), SIGMAS * sigma + 0.01);
    // E(a, b) = cos 2(a - b) (1 - 2 e_d) for every setting pair
    for (unsigned a = 0; a < 3; ++a) {
        for (unsigned b = 0; b < 3; ++b) {
            const double expected = std::cos(2 * (E91_ALICE_DEGREES[a] - E91_BOB_DEGREES[b]) * DEGREE) * (1 - 2 * 0.05);
            const double n = static_cast<double>(m.total[a][b]);
            EXPECT_NEAR(m.correlation(a, b), expected, SIGMAS * std::sqrt((1 - expected * expected) / n) + 0.005)
                << a << ", " << b;
        }
    }
}

TEST(qubit_mode, e91_with_dark_counts_matches_two_thermal_modes) {
    Link link = entangled_link(Protocol::e91, 0.3);
    link.detectors.dark_count_probability = 3e-3;
    core::Rng rng(15);
    const RawRecords records = emulate_qubits(link, 100000, rng);
    expect_matches_entangled_oracle(link, records);
}

TEST(qubit_mode, agrees_with_the_exact_expectation) {
    std::uint64_t seed = 100;
    for (const Case& c : validation_cases()) {
        SCOPED_TRACE(std::string(c.name) + " " + to_string(c.link.eve.kind));
        core::Rng rng(seed++);
        const RawRecords records = emulate_qubits(c.link, c.pulses, rng);
        expect_well_formed(records, c.pulses);
        expect_matches_expected_statistics(c.link, records);
    }
}

TEST(qubit_mode, agrees_with_the_photon_mode) {
    std::uint64_t seed = 200;
    for (const Case& c : validation_cases()) {
        SCOPED_TRACE(std::string(c.name) + " " + to_string(c.link.eve.kind));
        core::Rng rng(seed++);
        const RawRecords qubits = emulate_qubits(c.link, c.pulses, rng);
        const RawRecords photons = emulate_photons(c.link, 20 * c.pulses, rng);
        expect_same_statistics(c.link, qubits, photons);
    }
}

TEST(qubit_mode, same_seed_same_records) {
    Link link = prepare_measure_link();
    link.eve.kind = AttackKind::intercept_resend;
    link.eve.fraction = 0.3;
    link.detectors.dead_time_ns = 3;
    link.detectors.afterpulse_probability = 0.1;
    core::Rng a(42), b(42);
    const RawRecords ra = emulate_qubits(link, 20000, a);
    const RawRecords rb = emulate_qubits(link, 20000, b);
    EXPECT_EQ(ra.pulse_index, rb.pulse_index);
    EXPECT_EQ(ra.tags, rb.tags);
    EXPECT_EQ(ra.dead_pulses, rb.dead_pulses);
    EXPECT_GT(ra.detections(), 100u);
}

TEST(qubit_mode, reports_progress_and_handles_zero_pulses) {
    const Link link = prepare_measure_link();
    core::Rng rng(16);
    std::uint64_t last_done = 0, calls = 0;
    const RawRecords records = emulate_qubits(link, 70000, rng, [&](std::uint64_t done, std::uint64_t total) {
        EXPECT_EQ(total, 70000u);
        EXPECT_GT(done, last_done);
        last_done = done;
        ++calls;
    });
    EXPECT_EQ(last_done, 70000u);
    EXPECT_GE(calls, 2u);
    const RawRecords none = emulate_qubits(link, 0, rng);
    EXPECT_EQ(none.detections(), 0u);
    EXPECT_EQ(none.pulses_per_intensity, std::vector<std::uint64_t>(3, 0));
}

TEST(qubit_mode, rejects_an_invalid_link) {
    Link link = entangled_link(Protocol::bbm92, 0.1);
    link.eve.kind = AttackKind::intercept_resend;
    core::Rng rng(17);
    EXPECT_THROW(emulate_qubits(link, 10, rng), ConfigError);
}

}  // namespace qkdlab::qkd
