// The exact expected statistics of a link (detection_model.h) and the per-pulse outcome model that
// the photon-mode emulator samples (pulse_outcomes.h).
//
// The model (common to the whole project, docs/link.md):
// - Prepare and measure: a pulse of intensity k (probability p_k) carries n ~ Poisson(mu_k) photons
//   (a single-photon source: n = 1), all polarised along Alice's state (setting a: 0 or 45 degrees,
//   plus 90 for bit 1). Each photon reaches Bob's analysers with eta = 10^(-loss/10) * efficiency;
//   at an analyser of angle b it goes to the bit-0 detector with cos^2(b - theta), and misalignment
//   then swaps the detector with probability e_d. Active basis choice: one analyser, chosen per
//   pulse (Z with probability p_z), two detectors; passive: a beam splitter sends each photon to
//   setting s with probability w_s, two detectors per setting.
// - Entangled source (two thermal modes of mean lambda = mean_pair_number / 2): in the frame of
//   Alice's analyser angle a, n1 pairs along a and n2 along a + 90 (exact for the two-mode squeezed
//   vacuum); Alice's photons reach her detectors with eta_A and no misalignment, Bob's with eta_B,
//   his analyser and misalignment as above. Bob's n1 + n2 photons are bosons in one spatial mode
//   (the Fock state |n1 along a, n2 along a + 90>), not independent photons: at an analyser other
//   than Alice's they interfere (|1 H, 1 V> at 45 degrees leaves both photons in the same port,
//   never a double click), and so do Alice's photons at a passive receiver's analysers. The closed
//   form below is exact for this: every photon, at either side, is measured by a one-photon POVM
//   (loss, beam splitter, analyser, misalignment flip), and the photons of the state are bosons.
// - Every detector clicks with its dark-count probability, independently. Squashing: both
//   detectors of the recorded setting clicked -> a uniformly random bit (double click); passive:
//   clicks in several settings -> one of them with probability proportional to w_s.
// - Eavesdroppers (common.md): intercept-resend of a fraction of the pulses, photon-number splitting
//   with blocking chosen so that the signal's gain at a live gate is unchanged, beam splitting.
//
// Click patterns in closed form. For every branch of the photon statistics below, the probability
// that no detector of a set R clicks is
//     f(R) = (1 - p_dark)^|R| * G(R),
// where G(R) is the probability that no photon lands in R: a photon lands in R with probability
// pi_R (the sum of its landing probabilities over R), so G = exp(-mu pi_R) for Poisson photons,
// (1 - pi_R)^m for m photons, and sum_m P(m) (1 - pi_R)^m for a photon-number distribution.
// Thermal pairs: the source state is the two-mode squeezed vacuum of each polarisation,
// (1 - t^2) sum_{n1, n2} t^(n1 + n2) |n1, n2>_A |n1, n2>_B in the (H, V) basis, t^2 = lambda / (1 + lambda)
// (real, so the same in the frame of any analyser angle: R (x) R |Phi+> = |Phi+>). A photon lands in
// R with the one-photon POVM element A (Alice's detectors of R, a real symmetric 2 x 2 matrix in
// (H, V): the sum over R of arrival * w_s * the detector's projector, see land_povm) or B (Bob's,
// with misalignment). "No photon of an n-photon symmetric state lands in R" is the operator
// (I - A)^(x)n restricted to the symmetric subspace, i.e. Gamma(I - A), the second quantisation of
// I - A (for Fock states of one frame with A diagonal: (1 - a_1)^n1 (1 - a_2)^n2). So
//     G(R) = (1 - t^2)^2 sum_{n, n'} t^(|n| + |n'|) Gamma(I - A)_{n n'} Gamma(I - B)_{n n'}
//          = (1 - t^2)^2 Tr Gamma(t^2 (I - A)(I - B)) = (1 - t^2)^2 / det(I - t^2 (I - A)(I - B)),
// using Gamma(X) Gamma(Y) = Gamma(XY), Gamma(X)^T = Gamma(X^T) and Tr Gamma(M) = 1 / det(I - M)
// (the sum over n of Tr Sym^n(M); here ||M|| <= t^2 < 1). Written so that tiny click probabilities
// keep their precision: G = 1 / (1 + Delta) with
//     Delta = lambda (tr A + tr B - tr AB) + lambda^2 (det A + det B - tr AB + (tr A - det A)(tr B - det B)).
// For A and B diagonal (everything measured in Alice's frame: the key settings of BBM92) this is
// prod_modes 1 / (1 + lambda u_mode), u = a + b - a b, the generating function of independent
// photons; the off-diagonal elements (a photon along a landing at an analyser at b with cos(b - a)
// sin(b - a) of interference with one along a + 90) are the bosonic part. Loss and a polarisation-
// independent beam splitter act on each photon on its own, which is why the POVM of one photon
// describes them (a lost photon lands nowhere) and why passive basis choice on either side is exact.
// The probability that exactly the set C clicks is then, by
// inclusion-exclusion over the clicked detectors (Q = all detectors outside C),
//     P(C) = sum_{T subset of C} (-1)^|T| f(Q + T) = sum_{T subset of C} (-1)^(|T|+1) h(Q + T),
// with h = 1 - f computed as -expm1(log f) so that tiny probabilities keep their precision.
// For the Ma-Fung-Lo source this gives exactly their Q_lambda (PRA 76, 012307 (2007)).

#include "qkdlab/qkd/detection_model.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "link/pulse_outcomes.h"
#include "qkdlab/core/error.h"
#include "qkdlab/qkd/raw_records.h"

namespace qkdlab::qkd {
namespace detail {
namespace {

constexpr double PI = 3.141592653589793238462643383279502884;
constexpr unsigned MAX_SIDE_DETECTORS = 6;  // passive E91: three analysers of two detectors
constexpr unsigned MAX_DETECTORS = 2 * MAX_SIDE_DETECTORS;
// The joint dead-time chain of an entangled link keeps 96 bytes per dead gate.
constexpr std::uint64_t MAX_JOINT_DEAD_GATES = std::uint64_t{1} << 20;
// The Poisson tail is summed until the rest of its probability is below this.
constexpr double SERIES_TOLERANCE = 1e-17;

// One receiver and its place in a joint click pattern (bit j: detector j clicked).
struct Side {
    unsigned offset = 0;     // the bit of its first detector
    unsigned detectors = 0;  // 0: no receiver (Alice in prepare and measure)
    bool passive = false;
    unsigned settings = 2;
    std::array<double, 3> weight{};     // the probability of each setting
    std::array<double, 3> angle_deg{};  // the analyser angle of each setting
    double log_silent_dark = 0;         // log(1 - p_dark) of one detector
    double afterpulse = 0;

    unsigned local_mask() const { return (1u << detectors) - 1u; }
    unsigned mask() const { return local_mask() << offset; }
    unsigned pattern(unsigned joint) const { return (joint >> offset) & local_mask(); }
    // Active basis choice: the setting is chosen per pulse (before the photons arrive).
    unsigned chosen_settings() const { return passive ? 1 : settings; }
};

using Landing = std::array<double, MAX_DETECTORS>;

// Adds to `v` where one photon of polarisation theta_deg lands, reaching the receiver's analysers
// with probability `arrival`: active receiver at `setting`, passive at every setting with w_s. An
// analyser of angle b passes it (bit 0) with cos^2(b - theta) = (1 + cos 2(b - theta)) / 2; then
// misalignment swaps the detector with probability e_d.
void land(const Side& side, unsigned setting, double theta_deg, double arrival, double misalignment, Landing& v) {
    const auto one = [&](unsigned s, double w, unsigned first) {
        double delta = side.angle_deg[s] - theta_deg;
        delta -= 180 * std::round(delta / 180);  // in [-90, 90]: exact 0 and 1/2 for the BB84 angles
        const double c = std::cos(2 * delta * PI / 180);
        const double pass = 0.5 * (1 + c), block = 0.5 * (1 - c);
        v[first] += arrival * w * (pass * (1 - misalignment) + block * misalignment);
        v[first + 1] += arrival * w * (block * (1 - misalignment) + pass * misalignment);
    };
    if (side.passive) {
        for (unsigned s = 0; s < side.settings; ++s) one(s, side.weight[s], side.offset + 2 * s);
    } else {
        one(setting, 1, side.offset);
    }
}

// A real symmetric 2 x 2 matrix in the basis (H, V) = (0, 90 degrees): the one-photon POVM element
// of a detector (or the sum of several), the probability that a photon of polarisation state psi
// lands there being <psi| E |psi>.
struct Povm {
    double xx = 0, yy = 0, xy = 0;
};

// cos 2 phi and sin 2 phi, exact at the multiples of 45 degrees (0, +-1), so that the BB84 angles
// give exact 0 and 1/2 below.
std::pair<double, double> double_angle(double phi_deg) {
    const double eighths = phi_deg / 45;
    if (eighths == std::round(eighths)) {
        constexpr double COS[4] = {1, 0, -1, 0}, SIN[4] = {0, 1, 0, -1};
        const auto i = static_cast<std::size_t>(((static_cast<long long>(eighths) % 4) + 4) % 4);
        return {COS[i], SIN[i]};
    }
    return {std::cos(2 * phi_deg * PI / 180), std::sin(2 * phi_deg * PI / 180)};
}

// Adds the POVM elements of the receiver's detectors for one photon reaching its analysers with
// probability `arrival` (active: the analyser of `setting`; passive: every setting s with w_s). The
// bit-0 detector of an analyser at angle phi is arrival w ((1 - e_d) P(phi) + e_d P(phi + 90)), with
// P(phi) = |phi><phi| = [[c^2, cs], [cs, s^2]] (c = cos phi, s = sin phi), the bit-1 detector the
// same with phi + 90: the photon passes with cos^2(phi - theta), then misalignment swaps the detector
// with probability e_d (for a photon of polarisation theta, <theta| E |theta> is exactly land() above).
void land_povm(const Side& side, unsigned setting, double arrival, double misalignment,
               std::array<Povm, MAX_DETECTORS>& e) {
    const auto one = [&](unsigned s, double w, unsigned first) {
        const auto [c2, s2] = double_angle(side.angle_deg[s]);
        const double pass_xx = 0.5 * (1 + c2), pass_yy = 0.5 * (1 - c2), cross = 0.5 * s2 * (1 - 2 * misalignment);
        const double xx = pass_xx * (1 - misalignment) + pass_yy * misalignment;
        const double yy = pass_yy * (1 - misalignment) + pass_xx * misalignment;
        const double scale = arrival * w;
        e[first] = {e[first].xx + scale * xx, e[first].yy + scale * yy, e[first].xy + scale * cross};
        e[first + 1] = {e[first + 1].xx + scale * yy, e[first + 1].yy + scale * xx, e[first + 1].xy - scale * cross};
    };
    if (side.passive) {
        for (unsigned s = 0; s < side.settings; ++s) one(s, side.weight[s], side.offset + 2 * s);
    } else {
        one(setting, 1, side.offset);
    }
}

enum class Photons { fixed, poisson, distribution, thermal_pairs };

// One branch of what reaches the receivers, with its probability.
struct Branch {
    double weight = 0;
    bool eve_knows = false;
    Photons kind = Photons::fixed;
    unsigned count = 0;                        // fixed: this many photons
    double mean = 0;                           // poisson: the mean number; thermal: lambda per mode
    const std::vector<double>* pmf = nullptr;  // distribution: P(m photons), m = 0, 1, ...
    Landing photon{};                          // fixed, poisson, distribution: where one photon lands
    std::array<Povm, MAX_DETECTORS> povm{};    // thermal: each detector's one-photon POVM element
};

// P(exactly the detectors of C click) for every joint pattern C (see the top of the file).
std::vector<double> click_patterns(const Branch& branch, const Side& alice, const Side& bob) {
    const unsigned n = alice.detectors + bob.detectors;
    const unsigned full = (1u << n) - 1u;
    std::vector<double> h(full + 1, 0.0);
    // Thermal pairs: s[0..2] Alice's POVM element of R (xx, yy, xy), s[3..5] Bob's.
    std::vector<std::array<double, 6>> sums(full + 1, std::array<double, 6>{});
    for (unsigned r = 1; r <= full; ++r) {
        const unsigned j = static_cast<unsigned>(std::countr_zero(r));
        std::array<double, 6> s = sums[r & (r - 1)];
        if (branch.kind == Photons::thermal_pairs) {
            const unsigned side = (alice.mask() >> j) & 1u ? 0 : 3;
            s[side] += branch.povm[j].xx;
            s[side + 1] += branch.povm[j].yy;
            s[side + 2] += branch.povm[j].xy;
        } else {
            s[0] += branch.photon[j];
        }
        sums[r] = s;
        // n * log(1 - p_dark), with 0 for no detector even when p_dark = 1 (0 * -inf is NaN).
        const auto silent_dark = [](unsigned n, double log_silent_dark) { return n ? n * log_silent_dark : 0.0; };
        double log_silent = silent_dark(std::popcount(r & alice.mask()), alice.log_silent_dark) +
                            silent_dark(std::popcount(r & bob.mask()), bob.log_silent_dark);
        const double pi = std::min(s[0], 1.0);
        const double log_miss = pi < 1 ? std::log1p(-pi) : -std::numeric_limits<double>::infinity();
        switch (branch.kind) {
            case Photons::fixed:
                if (branch.count > 0) log_silent += branch.count * log_miss;
                break;
            case Photons::poisson:
                log_silent -= branch.mean * s[0];
                break;
            case Photons::distribution: {
                double hit = 0;  // P(some photon lands in R), a sum of positive terms
                for (std::size_t m = 1; m < branch.pmf->size(); ++m) {
                    hit += (*branch.pmf)[m] * -std::expm1(static_cast<double>(m) * log_miss);
                }
                log_silent += std::log1p(-std::min(hit, 1.0));
                break;
            }
            case Photons::thermal_pairs: {
                // (1 - t^2)^2 / det(I - t^2 (I - A)(I - B)) = 1 / (1 + Delta) (top of the file).
                const double lambda = branch.mean;
                const double tr_a = s[0] + s[1], det_a = s[0] * s[1] - s[2] * s[2];
                const double tr_b = s[3] + s[4], det_b = s[3] * s[4] - s[5] * s[5];
                const double tr_ab = s[0] * s[3] + s[1] * s[4] + 2 * s[2] * s[5];
                const double delta = lambda * (tr_a + tr_b - tr_ab) +
                                     lambda * lambda * (det_a + det_b - tr_ab + (tr_a - det_a) * (tr_b - det_b));
                log_silent -= std::log1p(std::max(delta, 0.0));
                break;
            }
        }
        h[r] = -std::expm1(log_silent);
    }
    std::vector<double> p(full + 1, 0.0);
    p[0] = 1 - h[full];
    for (unsigned c = 1; c <= full; ++c) {
        const unsigned q = full & ~c;
        double sum = 0;
        for (unsigned t = c;; t = (t - 1) & c) {  // every subset of c, c itself first, the empty set last
            sum += (std::popcount(t) % 2 == 1 ? 1.0 : -1.0) * h[q | t];
            if (t == 0) break;
        }
        p[c] = std::max(sum, 0.0);
    }
    return p;
}

// What a receiver records from a nonzero click pattern of its own detectors.
struct Reading {
    unsigned setting = 0;
    unsigned bit = 0;
    bool double_click = false;
    double probability = 0;
};
struct Readings {
    std::array<Reading, 2 * 3> item{};
    unsigned size = 0;
    void add_pair(unsigned setting, unsigned pair, double probability) {
        if (pair == 3) {  // squashed: a uniformly random bit
            item[size++] = {setting, 0, true, probability / 2};
            item[size++] = {setting, 1, true, probability / 2};
        } else {
            item[size++] = {setting, pair == 2 ? 1u : 0u, false, probability};
        }
    }
};

Readings squash(const Side& side, unsigned pattern, unsigned chosen) {
    Readings readings;
    if (!side.passive) {
        readings.add_pair(chosen, pattern & 3u, 1);
        return readings;
    }
    unsigned clicked = 0;
    double weight = 0;
    for (unsigned s = 0; s < side.settings; ++s) {
        if ((pattern >> (2 * s)) & 3u) {
            ++clicked;
            weight += side.weight[s];
        }
    }
    for (unsigned s = 0; s < side.settings; ++s) {
        const unsigned pair = (pattern >> (2 * s)) & 3u;
        if (pair == 0) continue;
        const double share = clicked == 1 ? 1.0 : weight > 0 ? side.weight[s] / weight : 1.0 / clicked;
        readings.add_pair(s, pair, share);
    }
    return readings;
}

// The click patterns of a receiver at a gate of the given kind: dead -> nothing clicks; afterpulse
// gate -> with afterpulse_probability one more click on a uniformly random detector (of the set
// setting; passive: of all the receiver's detectors).
void apply_gate(const Side& side, Gate gate, std::vector<double>& p) {
    if (side.detectors == 0 || gate == Gate::live) return;
    std::vector<double> q(p.size(), 0.0);
    if (gate == Gate::dead) {
        for (unsigned c = 0; c < p.size(); ++c) q[c & ~side.mask()] += p[c];
    } else {
        if (side.afterpulse == 0) return;
        const double each = side.afterpulse / side.detectors;
        for (unsigned c = 0; c < p.size(); ++c) {
            if (p[c] == 0) continue;
            q[c] += (1 - side.afterpulse) * p[c];
            for (unsigned j = 0; j < side.detectors; ++j) q[c | (1u << (side.offset + j))] += each * p[c];
        }
    }
    p.swap(q);
}

// The pulses of one configuration (intensity, settings chosen before the pulse, Alice's bit, what
// Eve learns) and their joint click patterns, weighted by the configuration's probability.
struct Entry {
    unsigned intensity = 0;
    unsigned alice_setting = 0;  // prepare and measure: prepared; entangled: chosen (active)
    unsigned alice_bit = 0;      // prepare and measure only
    unsigned bob_setting = 0;    // active receiver only
    bool eve_knows = false;
    std::vector<double> pattern;
};

void add_entry(std::vector<Entry>& entries, Entry entry, const Branch& branch, double weight, const Side& alice,
               const Side& bob) {
    if (!(weight * branch.weight > 0)) return;
    entry.eve_knows = branch.eve_knows;
    entry.pattern = click_patterns(branch, alice, bob);
    for (double& x : entry.pattern) x *= weight * branch.weight;
    entries.push_back(std::move(entry));
}

Side make_side(const Link& link, bool alice, unsigned offset) {
    Side side;
    side.offset = offset;
    side.passive = link.detectors.basis_choice == BasisChoice::passive;
    if (link.protocol == Protocol::e91) {
        side.settings = 3;
        side.weight = {1.0 / 3, 1.0 / 3, 1.0 / 3};
        side.angle_deg = alice ? E91_ALICE_DEGREES : E91_BOB_DEGREES;
    } else {
        side.settings = 2;
        side.weight = {link.z_basis_probability, 1 - link.z_basis_probability, 0};
        side.angle_deg = {0, 45, 0};
    }
    side.detectors = side.passive ? 2 * side.settings : 2;
    side.log_silent_dark = std::log1p(-std::min(link.detectors.dark_count_probability, 1.0));
    side.afterpulse = link.detectors.afterpulse_probability;
    return side;
}

// P(m photons forwarded) for Eve's photon-number splitting of a multi-photon pulse: m = n - 1,
// conditional on n >= 2 with n ~ Poisson(mu); also returns P(n >= 2).
std::vector<double> poisson_less_one(double mu, double& multi_probability) {
    std::vector<double> pmf(1, 0.0);
    double term = std::exp(-mu) * mu;  // P(1)
    double sum = 0;
    for (unsigned n = 2; n < 100000; ++n) {
        term *= mu / n;
        pmf.push_back(term);
        sum += term;
        if (n > mu && term < SERIES_TOLERANCE * sum) break;
    }
    multi_probability = sum;
    if (sum > 0) {
        for (double& x : pmf) x /= sum;
    }
    return pmf;
}

struct PrepareMeasureSource {
    bool single_photon = false;
    double mu = 0;
};

// The branches of one prepare-and-measure configuration.
std::vector<Branch> prepare_measure_branches(const Link& link, const PrepareMeasureSource& source, const Side& bob,
                                             unsigned alice_setting, unsigned alice_bit, unsigned bob_setting,
                                             double eta_channel, double pns_single, double pns_multi,
                                             const std::vector<double>& multi_pmf, double multi_probability) {
    const double efficiency = link.detectors.efficiency;
    const double eta = eta_channel * efficiency;
    const double e_d = link.channel.misalignment;
    const double theta = bob.angle_deg[alice_setting] + 90.0 * alice_bit;
    const auto photons = [&](Photons kind, double weight, bool eve_knows, double arrival, double polarisation) {
        Branch b;
        b.kind = kind;
        b.weight = weight;
        b.eve_knows = eve_knows;
        b.count = kind == Photons::fixed ? 1 : 0;
        b.mean = source.mu;
        land(bob, bob_setting, polarisation, arrival, e_d, b.photon);
        return b;
    };
    const auto nothing = [&](double weight, bool eve_knows) {
        Branch b;
        b.kind = Photons::fixed;
        b.count = 0;
        b.weight = weight;
        b.eve_knows = eve_knows;
        return b;
    };
    const auto as_sent = [&](double weight, bool eve_knows) {
        return source.single_photon ? photons(Photons::fixed, weight, eve_knows, eta, theta)
                                    : photons(Photons::poisson, weight, eve_knows, eta, theta);
    };
    const double p0 = source.single_photon ? 0 : std::exp(-source.mu);
    const double p1 = source.single_photon ? 1 : source.mu * std::exp(-source.mu);
    std::vector<Branch> branches;
    switch (link.eve.kind) {
        case AttackKind::none:
            branches.push_back(as_sent(1, false));
            break;
        case AttackKind::intercept_resend: {
            const double f = link.eve.fraction;
            branches.push_back(as_sent(1 - f, false));
            branches.push_back(nothing(f * p0, false));
            const double attacked = f * (1 - p0);
            // Her basis (0 or 45 degrees, 1/2 each): Alice's -> her bit is Alice's and she knows it;
            // the other -> a uniformly random bit. She resends one photon through the whole channel.
            branches.push_back(photons(Photons::fixed, attacked / 2, true, eta, theta));
            const unsigned other = 1 - alice_setting;
            for (unsigned bit = 0; bit < 2; ++bit) {
                branches.push_back(
                    photons(Photons::fixed, attacked / 4, false, eta, bob.angle_deg[other] + 90.0 * bit));
            }
            break;
        }
        case AttackKind::photon_number_splitting:
            branches.push_back(nothing(p0, false));
            branches.push_back(nothing(p1 * pns_single, false));
            branches.push_back(photons(Photons::fixed, p1 * (1 - pns_single), false, efficiency, theta));
            if (multi_probability > 0) {
                // She keeps one photon of every multi-photon pulse (she knows the bit once the basis
                // is announced), blocked or not, and forwards n - 1 over a lossless line.
                branches.push_back(nothing(multi_probability * pns_multi, true));
                Branch forwarded =
                    photons(Photons::distribution, multi_probability * (1 - pns_multi), true, efficiency, theta);
                forwarded.pmf = &multi_pmf;
                branches.push_back(forwarded);
            }
            break;
        case AttackKind::beam_splitting:
            if (source.single_photon) {
                branches.push_back(photons(Photons::fixed, eta_channel, false, efficiency, theta));
                branches.push_back(nothing(1 - eta_channel, true));
            } else {
                // Poisson splitting: Eve's share, Poisson(mu (1 - eta_channel)), is independent of
                // Bob's, Poisson(mu eta_channel).
                const double eve_none = std::exp(-source.mu * (1 - eta_channel));
                branches.push_back(as_sent(eve_none, false));
                branches.push_back(as_sent(-std::expm1(-source.mu * (1 - eta_channel)), true));
            }
            break;
    }
    return branches;
}

}  // namespace

std::uint64_t dead_gates(const Detectors& detectors, double clock_hz) {
    const double gates = std::ceil(detectors.dead_time_ns * clock_hz / 1e9 - 1e-9);
    return gates > 0 ? static_cast<std::uint64_t>(gates) : 0;
}

PulseModel pulse_model(const Link& link) {
    const bool entangled = link.source.kind == SourceKind::entangled_pairs;
    const bool entangled_protocol = link.protocol == Protocol::bbm92 || link.protocol == Protocol::e91;
    if (entangled != entangled_protocol) {
        throw Error("protocol " + to_string(link.protocol) + " does not fit a " + to_string(link.source.kind) +
                    " source");
    }
    if (entangled && link.eve.kind != AttackKind::none) {
        throw Error("an eavesdropper is modelled on prepare-and-measure links only");
    }
    if (link.source.kind == SourceKind::weak_coherent &&
        (link.source.intensities.empty() || link.source.intensities.size() > MAX_INTENSITIES)) {
        throw Error("a weak-coherent source needs 1 to " + std::to_string(MAX_INTENSITIES) + " intensities");
    }

    PulseModel model;
    model.entangled = entangled;
    model.protocol = link.protocol;
    model.dead_gates = dead_gates(link.detectors, link.clock_hz);
    model.afterpulses = link.detectors.afterpulse_probability > 0;

    const Side alice = entangled ? make_side(link, true, 0) : Side{};
    const Side bob = make_side(link, false, alice.detectors);
    const ArmLoss loss = arm_loss(link);
    std::vector<Entry> entries;

    if (!entangled) {
        std::vector<PrepareMeasureSource> sources;
        if (link.source.kind == SourceKind::single_photon) {
            sources.push_back({true, 1});
            model.intensity_probability = {1};
        } else {
            for (const Intensity& intensity : link.source.intensities) {
                sources.push_back({false, intensity.mean_photon_number});
                model.intensity_probability.push_back(intensity.probability);
            }
        }
        const double eta_channel = std::pow(10.0, -loss.bob_db / 10);
        std::vector<std::vector<double>> multi_pmf(sources.size());
        std::vector<double> multi_probability(sources.size(), 0.0);
        for (std::size_t k = 0; k < sources.size(); ++k) {
            if (!sources[k].single_photon) multi_pmf[k] = poisson_less_one(sources[k].mu, multi_probability[k]);
        }
        // Every configuration of intensity k: its probability without p_k and its branches.
        const auto for_each_config = [&](std::size_t k, double pns_single, double pns_multi, const Link& with_eve,
                                         auto&& visit) {
            for (unsigned a = 0; a < 2; ++a) {
                for (unsigned x = 0; x < 2; ++x) {
                    for (unsigned b = 0; b < bob.chosen_settings(); ++b) {
                        const double weight = bob.weight[a] * 0.5 * (bob.passive ? 1.0 : bob.weight[b]);
                        visit(a, x, b, weight,
                              prepare_measure_branches(with_eve, sources[k], bob, a, x, b, eta_channel, pns_single,
                                                       pns_multi, multi_pmf[k], multi_probability[k]));
                    }
                }
            }
        };
        if (link.eve.kind == AttackKind::photon_number_splitting) {
            // Eve's blocking keeps the signal's click probability at a live gate as without her. It is
            // linear in each blocking probability, so three evaluations give it exactly.
            const auto signal_click = [&](const Link& with_eve, double single, double multi) {
                double click = 0;
                for_each_config(0, single, multi, with_eve,
                                [&](unsigned, unsigned, unsigned, double weight, const std::vector<Branch>& branches) {
                                    for (const Branch& branch : branches) {
                                        click += weight * branch.weight * (1 - click_patterns(branch, alice, bob)[0]);
                                    }
                                });
                return click;
            };
            Link without = link;
            without.eve.kind = AttackKind::none;
            const double target = signal_click(without, 0, 0);
            const double open = signal_click(link, 0, 0);
            const double singles_blocked = signal_click(link, 1, 0);
            const double all_blocked = signal_click(link, 1, 1);
            if (open > target) {
                if (singles_blocked <= target) {
                    model.pns_single_block = std::clamp((open - target) / (open - singles_blocked), 0.0, 1.0);
                } else {
                    model.pns_single_block = 1;
                    model.pns_multi_block =
                        singles_blocked > all_blocked
                            ? std::clamp((singles_blocked - target) / (singles_blocked - all_blocked), 0.0, 1.0)
                            : 1.0;
                }
            }
        }
        for (std::size_t k = 0; k < sources.size(); ++k) {
            const double pk = model.intensity_probability[k];
            for_each_config(
                k, model.pns_single_block, model.pns_multi_block, link,
                [&](unsigned a, unsigned x, unsigned b, double weight, const std::vector<Branch>& branches) {
                    for (const Branch& branch : branches) {
                        Entry entry;
                        entry.intensity = static_cast<unsigned>(k);
                        entry.alice_setting = a;
                        entry.alice_bit = x;
                        entry.bob_setting = b;
                        add_entry(entries, std::move(entry), branch, pk * weight, alice, bob);
                    }
                });
        }
    } else {
        model.intensity_probability = {1};
        const double lambda = link.source.mean_pair_number / 2;
        const double eta_alice = std::pow(10.0, -loss.alice_db / 10) * link.detectors.efficiency;
        const double eta_bob = std::pow(10.0, -loss.bob_db / 10) * link.detectors.efficiency;
        for (unsigned a = 0; a < alice.chosen_settings(); ++a) {
            for (unsigned b = 0; b < bob.chosen_settings(); ++b) {
                Branch branch;
                branch.kind = Photons::thermal_pairs;
                branch.weight = 1;
                branch.mean = lambda;
                land_povm(alice, a, eta_alice, 0, branch.povm);  // misalignment acts on Bob's photons only
                land_povm(bob, b, eta_bob, link.channel.misalignment, branch.povm);
                Entry entry;
                entry.alice_setting = a;
                entry.bob_setting = b;
                add_entry(entries, std::move(entry), branch,
                          (alice.passive ? 1.0 : alice.weight[a]) * (bob.passive ? 1.0 : bob.weight[b]), alice, bob);
            }
        }
    }

    const Gate gates[] = {Gate::live, Gate::afterpulse, Gate::dead};
    for (Gate alice_gate : gates) {
        if (!entangled && alice_gate != Gate::live) continue;
        for (Gate bob_gate : gates) {
            std::vector<double>& out = model.outcome[regime_index(alice_gate, bob_gate)];
            out.assign(OUTCOME_CODES, 0.0);
            for (const Entry& entry : entries) {
                std::vector<double> p = entry.pattern;
                apply_gate(alice, alice_gate, p);
                apply_gate(bob, bob_gate, p);
                for (unsigned c = 0; c < p.size(); ++c) {
                    if (p[c] == 0) continue;
                    const unsigned cb = bob.pattern(c);
                    if (!entangled) {
                        if (cb == 0) {
                            out[NO_EVENT + entry.intensity] += p[c];
                            continue;
                        }
                        const Readings r = squash(bob, cb, entry.bob_setting);
                        for (unsigned i = 0; i < r.size; ++i) {
                            const Reading& x = r.item[i];
                            out[DetectionTag(entry.intensity, entry.alice_setting, x.setting, entry.alice_bit != 0,
                                             x.bit != 0, x.double_click, entry.eve_knows)
                                    .bits()] += p[c] * x.probability;
                        }
                        continue;
                    }
                    const unsigned ca = alice.pattern(c);
                    if (ca == 0) {
                        out[cb == 0 ? NO_EVENT : BOB_ONLY] += p[c];
                        continue;
                    }
                    if (cb == 0) {
                        out[ALICE_ONLY] += p[c];
                        continue;
                    }
                    const Readings ra = squash(alice, ca, entry.alice_setting);
                    const Readings rb = squash(bob, cb, entry.bob_setting);
                    for (unsigned i = 0; i < ra.size; ++i) {
                        for (unsigned j = 0; j < rb.size; ++j) {
                            const Reading& x = ra.item[i];
                            const Reading& y = rb.item[j];
                            out[DetectionTag(0, x.setting, y.setting, x.bit != 0, y.bit != 0,
                                             x.double_click || y.double_click, false)
                                    .bits()] += p[c] * x.probability * y.probability;
                        }
                    }
                }
            }
        }
    }
    return model;
}

namespace {

double event_probability(const std::vector<double>& outcome, std::size_t code_begin, std::size_t code_end) {
    double sum = 0;
    for (std::size_t c = code_begin; c < code_end; ++c) sum += outcome[c];
    return sum;
}
double tags(const std::vector<double>& outcome) { return event_probability(outcome, 0, TAG_CODES); }

// Solves the consistent linear system rows x = rhs (rows >= columns, full column rank) by Gaussian
// elimination with partial pivoting over all rows.
std::vector<double> solve_small(std::vector<std::vector<double>> a, std::vector<double> rhs) {
    const std::size_t rows = a.size(), cols = a[0].size();
    for (std::size_t col = 0; col < cols; ++col) {
        std::size_t pivot = col;
        for (std::size_t r = col + 1; r < rows; ++r) {
            if (std::abs(a[r][col]) > std::abs(a[pivot][col])) pivot = r;
        }
        std::swap(a[col], a[pivot]);
        std::swap(rhs[col], rhs[pivot]);
        for (std::size_t r = 0; r < rows; ++r) {
            if (r == col || a[col][col] == 0) continue;
            const double factor = a[r][col] / a[col][col];
            if (factor == 0) continue;
            for (std::size_t k = col; k < cols; ++k) a[r][k] -= factor * a[col][k];
            rhs[r] -= factor * rhs[col];
        }
    }
    std::vector<double> x(cols, 0.0);
    for (std::size_t col = 0; col < cols; ++col) x[col] = a[col][col] != 0 ? rhs[col] / a[col][col] : 0;
    return x;
}

// Prepare and measure: one receiver, a renewal process. A click starts a cycle: d dead gates, then
// (with afterpulses) the afterpulse gate, which clicks with p_P = 1 - (1 - p_ap)(1 - p) and then
// starts the next cycle at once; otherwise live gates follow, each clicking with p (the click
// probability of a live gate, all intensities together), until one clicks: a geometric number of
// mean 1/p, that click included. So a cycle lasts on average
//     L = d + 1 + (1 - p_P) / p   (afterpulses),   L = d + 1/p   (without: the gate after the dead
// window is an ordinary live gate), and by the renewal-reward theorem the stationary shares of the
// gates are dead d / L, afterpulse 1 / L, live the rest. The pulses' intensities are independent of
// the receiver's state (which depends only on earlier pulses), so the detections per pulse of
// intensity k are share_live P_live(click, k) / p_k + share_afterpulse P_afterpulse(click, k) / p_k.
GateOccupancy prepare_measure_occupancy(const PulseModel& model) {
    GateOccupancy occupancy;
    const std::size_t live = regime_index(Gate::live, Gate::live);
    const std::size_t afterpulse = regime_index(Gate::live, Gate::afterpulse);
    const std::size_t dead = regime_index(Gate::live, Gate::dead);
    const double p = tags(model.outcome[live]);
    const double d = static_cast<double>(model.dead_gates);
    if (!(p > 0)) {
        occupancy.share[live] = 1;
        return occupancy;
    }
    double live_gates = 1 / p, afterpulse_gates = 0;
    if (model.afterpulses) {
        afterpulse_gates = 1;
        live_gates = (1 - tags(model.outcome[afterpulse])) / p;
    }
    const double cycle = d + afterpulse_gates + live_gates;
    occupancy.share[live] = live_gates / cycle;
    occupancy.share[afterpulse] = afterpulse_gates / cycle;
    occupancy.share[dead] = d / cycle;
    occupancy.dead = occupancy.share[dead];
    return occupancy;
}

// Entangled source: two receivers whose clicks are correlated (coincidences), so their states form a
// joint Markov chain on (Alice's state, Bob's state), each one of L (live), P (afterpulse gate) or
// D_r (dead, r gates of the window left, this one included; D_1 is followed by X, the exit state: P
// with afterpulses, else L). A receiver's clicks depend only on its own state (a dead receiver
// blanks only itself), with, per regime, the probabilities a (Alice alone clicks), b (Bob alone) and
// c (both) read off the outcome tables.
//
// Write alpha_L, alpha_P for Alice's click probability when she is live or at her afterpulse gate
// and Bob is dead, beta_L, beta_P likewise for Bob, and
//   U_L(r) = pi(L, D_r), U_P(r) = pi(P, D_r),  V_L(r) = pi(D_r, L), V_P(r) = pi(D_r, P)   (r = 1..d),
// plus the four states with both receivers active (LL, LP, PL, PP). States with both receivers dead
// only count down, so they are relays: if Bob clicks while Alice is at D_s, both are dead until
// Alice's window ends s - 1 gates later and the chain continues at (X, D_{d-s+1}). The stationary
// balance equations (with [X = L] written x_L and [X = P] x_P) are then, for r = 1..d,
//   U_L(r) = (1 - alpha_L) U_L(r+1) + (1 - alpha_P) U_P(r+1) + [r = d] in_U
//            + x_L (beta_L V_L(d-r+1) + beta_P V_P(d-r+1)),
//   U_P(r) = x_P (beta_L V_L(d-r+1) + beta_P V_P(d-r+1)),
// with in_U = sum_rho pi(rho) b_rho over the four active states (Bob alone clicked), and the mirror
// image for V with in_V = sum_rho pi(rho) a_rho. Grouping U(r) with V(d-r+1) makes these equations
// block tridiagonal in r (blocks of 4), solved in O(d) for in_U = 1, in_V = 0 and the reverse; the
// four active states then follow from
//   pi(LL) = sum_rho pi(rho) n_rho + x_L (exit_U + exit_V + both),
//   pi(LP) = x_P exit_U, pi(PL) = x_P exit_V, pi(PP) = x_P both,
// exit_U = (1 - alpha_L) U_L(1) + (1 - alpha_P) U_P(1) (Bob's window ends without Alice clicking),
// exit_V likewise and both = sum_rho pi(rho) c_rho (after a coincidence both are dead d gates), with
// the normalisation that all gates, relays included (a relay entered from U(s) or V(s) lasts s - 1
// gates, one after a coincidence d), add up to 1. With d = 0 only the four active states remain.
GateOccupancy entangled_occupancy(const PulseModel& model) {
    using Vec4 = std::array<double, 4>;
    using Mat4 = std::array<Vec4, 4>;
    const Gate active[4] = {Gate::live, Gate::live, Gate::afterpulse, Gate::afterpulse};
    const Gate active_bob[4] = {Gate::live, Gate::afterpulse, Gate::live, Gate::afterpulse};
    const bool x_p = model.afterpulses;
    Vec4 a{}, b{}, c{}, n{};
    for (int i = 0; i < 4; ++i) {
        const std::vector<double>& o = model.outcome[regime_index(active[i], active_bob[i])];
        a[i] = o[ALICE_ONLY];
        b[i] = o[BOB_ONLY];
        c[i] = tags(o);
        n[i] = o[NO_EVENT];
    }
    const double alpha_l = model.outcome[regime_index(Gate::live, Gate::dead)][ALICE_ONLY];
    const double alpha_p = model.outcome[regime_index(Gate::afterpulse, Gate::dead)][ALICE_ONLY];
    const double beta_l = model.outcome[regime_index(Gate::dead, Gate::live)][BOB_ONLY];
    const double beta_p = model.outcome[regime_index(Gate::dead, Gate::afterpulse)][BOB_ONLY];
    const std::uint64_t d = model.dead_gates;
    if (d > MAX_JOINT_DEAD_GATES) {
        throw Error("the dead time of an entangled link spans " + std::to_string(d) +
                    " gates; its exact dead-time statistics are computed up to " +
                    std::to_string(MAX_JOINT_DEAD_GATES));
    }

    // The balance of the four active states (index 2 * [Alice at P] + [Bob at P]) as a linear system
    // in pi over them: rows 0..3 are (T - I) pi = 0, row 4 the normalisation.
    std::vector<std::vector<double>> system(5, std::vector<double>(4, 0.0));
    const int both_exit = x_p ? 3 : 0;   // (X, X)
    const int alice_exit = x_p ? 2 : 0;  // (X, L)
    const int bob_exit = x_p ? 1 : 0;    // (L, X)
    GateOccupancy occupancy;
    if (d == 0) {
        for (int rho = 0; rho < 4; ++rho) {
            system[0][rho] += n[rho];
            system[alice_exit][rho] += a[rho];
            system[bob_exit][rho] += b[rho];
            system[both_exit][rho] += c[rho];
        }
        for (int s = 0; s < 4; ++s) system[s][s] -= 1;
        system[4] = {1, 1, 1, 1};
        const std::vector<double> pi = solve_small(system, {0, 0, 0, 0, 1});
        for (int i = 0; i < 4; ++i) occupancy.share[regime_index(active[i], active_bob[i])] = std::max(pi[i], 0.0);
        return occupancy;
    }

    // Block r (1..d) holds y = (U_L(r), U_P(r), V_L(d-r+1), V_P(d-r+1)). Equations:
    //   Dg y_r + Up y_{r+1} + Lo y_{r-1} = rhs_r, Up: row 0 <- -(1 - alpha) on U(r+1);
    //   Lo: row 2 <- -(1 - beta) on V(d-r+2), which sits in block r-1.
    const double xl = x_p ? 0.0 : 1.0, xp = x_p ? 1.0 : 0.0;
    Mat4 dg{};
    dg[0] = {1, 0, -xl * beta_l, -xl * beta_p};
    dg[1] = {0, 1, -xp * beta_l, -xp * beta_p};
    dg[2] = {-xl * alpha_l, -xl * alpha_p, 1, 0};
    dg[3] = {-xp * alpha_l, -xp * alpha_p, 0, 1};
    const double up0 = -(1 - alpha_l), up1 = -(1 - alpha_p);  // Up[0][0], Up[0][1]
    const double lo2 = -(1 - beta_l), lo3 = -(1 - beta_p);    // Lo[2][2], Lo[2][3]

    const auto invert = [](Mat4 m) {
        Mat4 inv{};
        for (int i = 0; i < 4; ++i) inv[i][i] = 1;
        for (int col = 0; col < 4; ++col) {
            int pivot = col;
            for (int r = col + 1; r < 4; ++r) {
                if (std::abs(m[r][col]) > std::abs(m[pivot][col])) pivot = r;
            }
            std::swap(m[col], m[pivot]);
            std::swap(inv[col], inv[pivot]);
            const double scale = 1 / m[col][col];
            for (int k = 0; k < 4; ++k) {
                m[col][k] *= scale;
                inv[col][k] *= scale;
            }
            for (int r = 0; r < 4; ++r) {
                if (r == col) continue;
                const double factor = m[r][col];
                if (factor == 0) continue;
                for (int k = 0; k < 4; ++k) {
                    m[r][k] -= factor * m[col][k];
                    inv[r][k] -= factor * inv[col][k];
                }
            }
        }
        return inv;
    };

    // Forward sweep (block Thomas). C_r = M_r^-1 Up has only two nonzero columns, both multiples of
    // M_r^-1's column 0: C_r = m_r (x) (up0, up1, 0, 0). Two right-hand sides: in_U = 1 (block d,
    // row 0) and in_V = 1 (block 1, row 2).
    const std::size_t blocks = static_cast<std::size_t>(d);
    std::vector<Vec4> m_col(blocks + 1);
    std::vector<std::array<Vec4, 2>> g(blocks + 1);
    for (std::size_t r = 1; r <= blocks; ++r) {
        Mat4 m = dg;
        std::array<Vec4, 2> rhs{};
        if (r == blocks) rhs[0][0] = 1;
        if (r == 1) rhs[1][2] = 1;
        if (r > 1) {
            const double kappa = lo2 * m_col[r - 1][2] + lo3 * m_col[r - 1][3];
            m[2][0] -= kappa * up0;
            m[2][1] -= kappa * up1;
            for (int k = 0; k < 2; ++k) rhs[k][2] -= lo2 * g[r - 1][k][2] + lo3 * g[r - 1][k][3];
        }
        const Mat4 inv = invert(m);
        for (int i = 0; i < 4; ++i) m_col[r][i] = inv[i][0];
        for (int k = 0; k < 2; ++k) {
            for (int i = 0; i < 4; ++i) {
                g[r][k][i] =
                    inv[i][0] * rhs[k][0] + inv[i][1] * rhs[k][1] + inv[i][2] * rhs[k][2] + inv[i][3] * rhs[k][3];
            }
        }
    }
    // Back substitution, accumulating the functionals needed, per right-hand side k.
    std::array<Vec4, 2> sums{};     // sum over r of U_L, U_P, V_L, V_P
    std::array<double, 2> relay{};  // gates in relays entered from the one-sided states
    std::array<double, 2> exit_u{}, exit_v{};
    std::array<Vec4, 2> next{};
    for (std::size_t r = blocks; r >= 1; --r) {
        std::array<Vec4, 2> y = g[r];
        if (r < blocks) {
            for (int k = 0; k < 2; ++k) {
                const double dot = up0 * next[k][0] + up1 * next[k][1];
                for (int i = 0; i < 4; ++i) y[k][i] -= m_col[r][i] * dot;
            }
        }
        const double s_u = static_cast<double>(r) - 1;       // U(r): a relay of r - 1 gates
        const double s_v = static_cast<double>(blocks - r);  // V(d - r + 1): d - r gates
        for (int k = 0; k < 2; ++k) {
            for (int i = 0; i < 4; ++i) sums[k][i] += y[k][i];
            relay[k] += s_u * (alpha_l * y[k][0] + alpha_p * y[k][1]) + s_v * (beta_l * y[k][2] + beta_p * y[k][3]);
            if (r == 1) exit_u[k] = (1 - alpha_l) * y[k][0] + (1 - alpha_p) * y[k][1];
            if (r == blocks) exit_v[k] = (1 - beta_l) * y[k][2] + (1 - beta_p) * y[k][3];
        }
        next = y;
    }
    // in_U = b . pi, in_V = a . pi: every family quantity is q[0] (b . pi) + q[1] (a . pi).
    const auto linear = [&](const std::array<double, 2>& q) {
        std::vector<double> row(4);
        for (int rho = 0; rho < 4; ++rho) row[rho] = q[0] * b[rho] + q[1] * a[rho];
        return row;
    };
    const std::vector<double> eu = linear(exit_u), ev = linear(exit_v);
    for (int rho = 0; rho < 4; ++rho) {
        system[0][rho] += n[rho];
        system[bob_exit][rho] += eu[rho];    // (L, X)
        system[alice_exit][rho] += ev[rho];  // (X, L)
        system[both_exit][rho] += c[rho];
    }
    for (int s = 0; s < 4; ++s) system[s][s] -= 1;
    std::vector<double> mass(4, 1.0);
    {
        const std::vector<double> family = linear(
            {sums[0][0] + sums[0][1] + sums[0][2] + sums[0][3], sums[1][0] + sums[1][1] + sums[1][2] + sums[1][3]});
        const std::vector<double> relays = linear(relay);
        for (int rho = 0; rho < 4; ++rho) mass[rho] += family[rho] + relays[rho] + static_cast<double>(d) * c[rho];
    }
    system[4] = mass;
    std::vector<double> pi = solve_small(system, {0, 0, 0, 0, 1});
    for (double& x : pi) x = std::max(x, 0.0);
    for (int i = 0; i < 4; ++i) occupancy.share[regime_index(active[i], active_bob[i])] = pi[i];
    const auto apply = [&](const std::array<double, 2>& q) {
        const std::vector<double> row = linear(q);
        double sum = 0;
        for (int rho = 0; rho < 4; ++rho) sum += row[rho] * pi[rho];
        return sum;
    };
    occupancy.share[regime_index(Gate::live, Gate::dead)] = apply({sums[0][0], sums[1][0]});
    occupancy.share[regime_index(Gate::afterpulse, Gate::dead)] = apply({sums[0][1], sums[1][1]});
    occupancy.share[regime_index(Gate::dead, Gate::live)] = apply({sums[0][2], sums[1][2]});
    occupancy.share[regime_index(Gate::dead, Gate::afterpulse)] = apply({sums[0][3], sums[1][3]});
    double both_dead = apply(relay);
    for (int rho = 0; rho < 4; ++rho) both_dead += static_cast<double>(d) * c[rho] * pi[rho];
    occupancy.share[regime_index(Gate::dead, Gate::dead)] = both_dead;
    occupancy.dead = 0;
    for (Gate alice_gate : {Gate::live, Gate::afterpulse, Gate::dead}) {
        for (Gate bob_gate : {Gate::live, Gate::afterpulse, Gate::dead}) {
            if (alice_gate == Gate::dead || bob_gate == Gate::dead) {
                occupancy.dead += occupancy.share[regime_index(alice_gate, bob_gate)];
            }
        }
    }
    return occupancy;
}

}  // namespace

GateOccupancy gate_occupancy(const PulseModel& model) {
    return model.entangled ? entangled_occupancy(model) : prepare_measure_occupancy(model);
}

}  // namespace detail

ExpectedStatistics expected_statistics(const Link& link) {
    using namespace detail;
    const PulseModel model = pulse_model(link);
    const GateOccupancy occupancy = gate_occupancy(model);
    const std::size_t intensities = model.entangled ? 1 : model.intensity_probability.size();
    std::vector<double> detections(intensities, 0.0), sifted(intensities, 0.0), errors(intensities, 0.0),
        double_clicks(intensities, 0.0);
    double same[3][3] = {}, different[3][3] = {};
    ExpectedStatistics stats;
    for (std::size_t r = 0; r < REGIMES; ++r) {
        const double share = occupancy.share[r];
        if (!(share > 0) || model.outcome[r].empty()) continue;
        const std::vector<double>& outcome = model.outcome[r];
        for (std::size_t code = 0; code < TAG_CODES; ++code) {
            const double p = share * outcome[code];
            if (p == 0) continue;
            DetectionTag tag;
            tag = DetectionTag(code & 3u, (code >> 2) & 3u, (code >> 4) & 3u, (code >> 6) & 1u, (code >> 7) & 1u,
                               (code >> 8) & 1u, (code >> 9) & 1u);
            const unsigned k = tag.intensity();
            detections[k] += p;
            if (tag.double_click()) double_clicks[k] += p;
            const unsigned a = tag.alice_setting(), b = tag.bob_setting();
            const bool key = model.protocol == Protocol::e91 ? (a == 1 && b == 0) || (a == 2 && b == 1) : a == b;
            if (key) {
                sifted[k] += p;
                if (tag.alice_bit() != tag.bob_bit()) errors[k] += p;
            }
            if (model.entangled) (tag.alice_bit() == tag.bob_bit() ? same : different)[a][b] += p;
        }
        if (model.entangled) {
            stats.alice_click_probability += share * (tags(outcome) + outcome[ALICE_ONLY]);
            stats.bob_click_probability += share * (tags(outcome) + outcome[BOB_ONLY]);
        } else {
            stats.bob_click_probability += share * tags(outcome);
        }
    }
    for (std::size_t k = 0; k < intensities; ++k) {
        ExpectedIntensity e;
        const double pk = model.intensity_probability[k];
        if (pk > 0) {
            e.gain = detections[k] / pk;
            e.double_click = double_clicks[k] / pk;
        }
        e.qber = sifted[k] > 0 ? errors[k] / sifted[k] : 0;
        stats.intensities.push_back(e);
    }
    stats.dead_fraction = occupancy.dead;
    if (model.entangled) {
        for (int a = 0; a < 3; ++a) {
            for (int b = 0; b < 3; ++b) {
                const double total = same[a][b] + different[a][b];
                stats.correlation[a][b] = total > 0 ? (same[a][b] - different[a][b]) / total : 0;
            }
        }
        if (model.protocol == Protocol::e91) {
            // S = E(0, 22.5) - E(0, 67.5) + E(45, 22.5) + E(45, 67.5): Alice's settings 0 and 2, Bob's 0 and 2.
            stats.chsh =
                stats.correlation[0][0] - stats.correlation[0][2] + stats.correlation[2][0] + stats.correlation[2][2];
        }
    }
    return stats;
}

}  // namespace qkdlab::qkd
