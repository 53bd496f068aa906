#include "qkdlab/qkd/detection_model.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

#include "qkdlab/core/error.h"
#include "qkdlab/qkd/key_rate.h"
#include "test_links.h"

namespace qkdlab::qkd {
namespace {

constexpr double PI = 3.141592653589793238462643383279502884;

using testing::decoy_link;

Link entangled_link(Protocol protocol, double mean_pair_number, double length_km, double position_km) {
    Link link;
    link.protocol = protocol;
    link.source.kind = SourceKind::entangled_pairs;
    link.source.intensities.clear();
    link.source.mean_pair_number = mean_pair_number;
    link.source.position_km = position_km;
    link.channel.length_km = length_km;
    link.channel.loss_db_per_km = 0.2;
    link.channel.extra_loss_db = 2;
    link.channel.misalignment = 0.015;
    link.detectors.efficiency = 0.3;
    link.detectors.dark_count_probability = 1e-5;
    return link;
}

double eta_bob(const Link& link) {
    return std::pow(10.0, -(link.channel.loss_db_per_km * link.channel.length_km + link.channel.extra_loss_db) / 10) *
           link.detectors.efficiency;
}

// 1 - (1 - p)^k: a receiver's dark-count probability (Y0 of MQZL and of Ma, Fung and Lo).
double receiver_dark(double p, int detectors) { return 1 - std::pow(1 - p, detectors); }

// The per-detector product form of a Poisson pulse: detectors click independently, detector j with
// 1 - (1 - p_dark) exp(-mu v_j), v_j the probability that one photon lands on it.
double poisson_click(double p_dark, double mu, double v) { return -std::expm1(std::log1p(-p_dark) - mu * v); }

struct Prediction {
    double gain = 0, qber = 0, double_click = 0;
};

// Active basis choice, weak coherent pulse, no Eve: the product form over the two detectors of the
// chosen analyser, averaged over matching (pz^2 + (1-pz)^2) and crossed settings.
Prediction active_poisson(const Link& link, double mu) {
    const double eta = eta_bob(link), pd = link.detectors.dark_count_probability, ed = link.channel.misalignment;
    const double pz = link.z_basis_probability, match = pz * pz + (1 - pz) * (1 - pz);
    const double right = poisson_click(pd, mu * eta, 1 - ed), wrong = poisson_click(pd, mu * eta, ed);
    const double half = poisson_click(pd, mu * eta, 0.5);
    Prediction p;
    p.gain = -std::expm1(2 * std::log1p(-pd) - mu * eta);
    p.qber = (wrong * (1 - right) + 0.5 * right * wrong) / p.gain;
    p.double_click = match * right * wrong + (1 - match) * half * half;
    return p;
}

// Passive basis choice: four detectors clicking independently (product form), squashed by
// enumeration of the 16 patterns: several settings clicked -> Z with probability pz.
Prediction passive_poisson(const Link& link, double mu) {
    const double eta = eta_bob(link), pd = link.detectors.dark_count_probability, ed = link.channel.misalignment;
    const double pz = link.z_basis_probability;
    Prediction p;
    double sifted = 0, errors = 0;
    for (int a = 0; a < 2; ++a) {
        const double pa = a == 0 ? pz : 1 - pz;
        for (int x = 0; x < 2; ++x) {
            // Per detector (Z bit 0, Z bit 1, X bit 0, X bit 1): the probability that a photon lands there.
            std::array<double, 4> v{};
            for (int s = 0; s < 2; ++s) {
                const double w = s == 0 ? pz : 1 - pz;
                const double pass = s == a ? 1.0 - x : 0.5;  // cos^2 of 0, 90 or 45 degrees
                v[2 * s] = w * (pass * (1 - ed) + (1 - pass) * ed);
                v[2 * s + 1] = w * ((1 - pass) * (1 - ed) + pass * ed);
            }
            for (int pattern = 1; pattern < 16; ++pattern) {
                double prob = pa * 0.5;
                for (int j = 0; j < 4; ++j) {
                    const double c = poisson_click(pd, mu * eta, v[j]);
                    prob *= (pattern >> j & 1) ? c : 1 - c;
                }
                p.gain += prob;
                const int pairs[2] = {pattern & 3, pattern >> 2 & 3};
                for (int s = 0; s < 2; ++s) {
                    if (pairs[s] == 0) continue;
                    const double choose = pairs[1 - s] == 0 ? 1.0 : (s == 0 ? pz : 1 - pz);
                    if (pairs[s] == 3) p.double_click += prob * choose;
                    if (s != a) continue;
                    sifted += prob * choose;
                    const double error = pairs[s] == 3 ? 0.5 : (pairs[s] == 2) == (x == 0) ? 1.0 : 0.0;
                    errors += prob * choose * error;
                }
            }
        }
    }
    p.qber = errors / sifted;
    return p;
}

// Ma, Fung and Lo, PRA 76, 012307 (2007), eqs. for the PDC source's gain and QBER:
// Q = 1 - (1-Y0A)/(1+eta_A l)^2 - (1-Y0B)/(1+eta_B l)^2 + (1-Y0A)(1-Y0B)/(1+eta_A l+eta_B l-eta_A eta_B l)^2,
// E Q = e0 Q - 2 (e0 - e_d) eta_A eta_B l (1 + l) / ((1+eta_A l)(1+eta_B l)(1+eta_A l+eta_B l-eta_A eta_B l)).
struct MaFungLo {
    double gain = 0, qber = 0;
};
MaFungLo ma_fung_lo(double eta_a, double eta_b, double lambda, double y0a, double y0b, double ed) {
    const double a = 1 + eta_a * lambda, b = 1 + eta_b * lambda,
                 ab = 1 + eta_a * lambda + eta_b * lambda - eta_a * eta_b * lambda;
    MaFungLo m;
    m.gain = 1 - (1 - y0a) / (a * a) - (1 - y0b) / (b * b) + (1 - y0a) * (1 - y0b) / (ab * ab);
    const double e0 = 0.5;
    m.qber = (e0 * m.gain - 2 * (e0 - ed) * eta_a * eta_b * lambda * (1 + lambda) / (a * b * ab)) / m.gain;
    return m;
}

// The stationary distribution of a finite Markov chain with transition matrix t[from][to], by
// power iteration (the chains below are aperiodic: the live state can stay).
std::vector<double> stationary(const std::vector<std::vector<double>>& t) {
    const std::size_t n = t.size();
    std::vector<double> pi(n, 1.0 / static_cast<double>(n)), next(n);
    for (int iteration = 0; iteration < 200000; ++iteration) {
        std::fill(next.begin(), next.end(), 0.0);
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t j = 0; j < n; ++j) next[j] += pi[i] * t[i][j];
        }
        double change = 0;
        for (std::size_t i = 0; i < n; ++i) change += std::abs(next[i] - pi[i]);
        pi.swap(next);
        if (change < 1e-16) break;
    }
    return pi;
}

}  // namespace

TEST(detection_model, weak_coherent_matches_the_product_form_exactly) {
    for (double length : {0.0, 50.0, 150.0}) {
        for (double pz : {0.5, 0.9}) {
            Link link = decoy_link(length);
            link.z_basis_probability = pz;
            const ExpectedStatistics s = expected_statistics(link);
            ASSERT_EQ(s.intensities.size(), 3u);
            for (std::size_t k = 0; k < 3; ++k) {
                const Prediction p = active_poisson(link, link.source.intensities[k].mean_photon_number);
                EXPECT_NEAR(s.intensities[k].gain, p.gain, 1e-12 * p.gain) << length << " km, k " << k;
                EXPECT_NEAR(s.intensities[k].qber, p.qber, 1e-10 * p.qber) << length << " km, k " << k;
                EXPECT_NEAR(s.intensities[k].double_click, p.double_click, 1e-9 * p.double_click);
            }
            EXPECT_EQ(s.dead_fraction, 0);
            double bob = 0;
            for (std::size_t k = 0; k < 3; ++k) bob += link.source.intensities[k].probability * s.intensities[k].gain;
            EXPECT_NEAR(s.bob_click_probability, bob, 1e-12 * bob);
        }
    }
}

TEST(detection_model, passive_basis_choice_matches_the_product_form_exactly) {
    for (double pz : {0.5, 0.8}) {
        Link link = decoy_link(20);
        link.detectors.basis_choice = BasisChoice::passive;
        link.detectors.dark_count_probability = 1e-4;  // enough dark counts to make squashing matter
        link.z_basis_probability = pz;
        const ExpectedStatistics s = expected_statistics(link);
        for (std::size_t k = 0; k < 3; ++k) {
            const Prediction p = passive_poisson(link, link.source.intensities[k].mean_photon_number);
            EXPECT_NEAR(s.intensities[k].gain, p.gain, 1e-12 * p.gain);
            EXPECT_NEAR(s.intensities[k].qber, p.qber, 1e-10 * p.qber);
            EXPECT_NEAR(s.intensities[k].double_click, p.double_click, 1e-9 * p.double_click);
        }
        // Four dark detectors: the vacuum's gain is 1 - (1 - p_dark)^4.
        EXPECT_NEAR(s.intensities[2].gain, receiver_dark(1e-4, 4), 1e-15);
    }
}

TEST(detection_model, agrees_with_mqzl_to_first_order) {
    // MQZL 2005 eqs. (7)-(10) (key_rate.h's coherent_pulse) neglect terms of order eta mu and Y0
    // relative to 1: Q = Y0 + 1 - e^{-eta mu} and E = (Y0/2 + e_d (1 - e^{-eta mu})) / Q. With
    // eta mu < 1e-3 (here 2e-4 .. 1e-5) they agree with the exact model to a relative 1e-3.
    for (double length : {100.0, 150.0, 200.0}) {
        const Link link = decoy_link(length);
        LinkParameters mqzl;
        mqzl.length_km = length;
        mqzl.loss_db_per_km = link.channel.loss_db_per_km;
        mqzl.extra_loss_db = link.channel.extra_loss_db;
        mqzl.detector_efficiency = link.detectors.efficiency;
        mqzl.dark_count_probability = receiver_dark(link.detectors.dark_count_probability, 2);
        mqzl.misalignment = link.channel.misalignment;
        const ExpectedStatistics s = expected_statistics(link);
        for (std::size_t k = 0; k < 2; ++k) {
            const double mu = link.source.intensities[k].mean_photon_number;
            ASSERT_LT(eta_bob(link) * mu, 1e-3);
            const PulseStatistics p = coherent_pulse(mqzl, mu);
            EXPECT_NEAR(s.intensities[k].gain, p.gain, 1e-3 * p.gain) << length << " km";
            EXPECT_NEAR(s.intensities[k].qber, p.qber, 1e-3 * p.qber) << length << " km";
        }
    }
}

TEST(detection_model, single_photon_source) {
    Link link = decoy_link(30);
    link.protocol = Protocol::bb84;
    link.source.kind = SourceKind::single_photon;
    link.source.intensities.clear();
    link.detectors.dark_count_probability = 1e-4;
    const ExpectedStatistics s = expected_statistics(link);
    ASSERT_EQ(s.intensities.size(), 1u);
    // One photon reaches the analyser with eta and lands on the wrong detector with e_d.
    const double eta = eta_bob(link), pd = 1e-4, ed = link.channel.misalignment;
    const double gain = 1 - (1 - eta) * (1 - pd) * (1 - pd);
    const double wrong_only = eta * ed * (1 - pd) + (1 - eta) * pd * (1 - pd);
    const double both_matched = eta * pd + (1 - eta) * pd * pd;
    EXPECT_NEAR(s.intensities[0].gain, gain, 1e-13);
    EXPECT_NEAR(s.intensities[0].qber, (wrong_only + both_matched / 2) / gain, 1e-12);
    // Double clicks are the same in crossed bases: the photon lands somewhere, the other detector is dark.
    EXPECT_NEAR(s.intensities[0].double_click, both_matched, 1e-15);
}

TEST(detection_model, intercept_resend_gives_a_quarter) {
    // Every pulse attacked, no misalignment, no dark counts: errors come only from Eve's wrong basis
    // (1/2) and Bob's random outcome in Alice's basis then (1/2).
    for (SourceKind kind : {SourceKind::weak_coherent, SourceKind::single_photon}) {
        Link link = decoy_link(25);
        link.channel.misalignment = 0;
        link.detectors.dark_count_probability = 0;
        link.eve.kind = AttackKind::intercept_resend;
        link.eve.fraction = 1;
        if (kind == SourceKind::single_photon) {
            link.protocol = Protocol::bb84;
            link.source.kind = kind;
            link.source.intensities.clear();
        }
        const ExpectedStatistics s = expected_statistics(link);
        EXPECT_NEAR(s.intensities[0].qber, 0.25, 1e-12);
        if (kind == SourceKind::weak_coherent) {
            EXPECT_NEAR(s.intensities[1].qber, 0.25, 1e-12);
        }
    }
    // A fraction f of the pulses: the attacked ones (non-empty, one photon resent) carry a quarter
    // errors, the rest none: QBER = (1/4) f (1 - e^-mu) eta / (f (1 - e^-mu) eta + (1 - f)(1 - e^-eta mu)).
    Link link = decoy_link(25);
    link.channel.misalignment = 0;
    link.detectors.dark_count_probability = 0;
    link.eve.kind = AttackKind::intercept_resend;
    link.eve.fraction = 0.3;
    const ExpectedStatistics s = expected_statistics(link);
    const double eta = eta_bob(link), mu = 0.5, f = 0.3;
    const double attacked = f * (1 - std::exp(-mu)) * eta, honest = (1 - f) * (1 - std::exp(-eta * mu));
    EXPECT_NEAR(s.intensities[0].gain, attacked + honest, 1e-14);
    EXPECT_NEAR(s.intensities[0].qber, 0.25 * attacked / (attacked + honest), 1e-12);
}

TEST(detection_model, photon_number_splitting_keeps_the_signal_gain) {
    // Two regimes: GYS-like (eta_det 0.045, mu 0.1 at 20 km: Eve blocks only part of the single
    // photons) and metro at 50 km (she blocks all single photons and some multi-photon pulses).
    Link gys = decoy_link(20);
    gys.source.intensities = {{"signal", 0.1, 0.8}, {"decoy", 0.02, 0.15}, {"vacuum", 0, 0.05}};
    gys.detectors.efficiency = 0.045;
    gys.channel.extra_loss_db = 0;
    for (const Link& honest : {gys, decoy_link(50)}) {
        Link attacked = honest;
        attacked.eve.kind = AttackKind::photon_number_splitting;
        const ExpectedStatistics without = expected_statistics(honest);
        const ExpectedStatistics with = expected_statistics(attacked);
        // Her blocking, solved here in closed form. Bob's photon-detection probability (dark counts
        // factor out of "no click") is T = 1 - e^{-eta mu} without her; with her it is
        // P1 (1 - b) eta_det + (1 - b2) M(mu), M = sum_{n>=2} P(n) (1 - (1 - eta_det)^(n-1)).
        const double eta = eta_bob(honest), eff = honest.detectors.efficiency;
        const auto multi = [&](double mu) {
            double m = 0, pn = mu * std::exp(-mu);
            for (int n = 2; n < 200; ++n) {
                pn *= mu / n;
                m += pn * (1 - std::pow(1 - eff, n - 1));
            }
            return m;
        };
        const double mu = honest.source.intensities[0].mean_photon_number;
        const double target = -std::expm1(-eta * mu), p1 = mu * std::exp(-mu);
        double b = 1, b2 = 0;
        if (multi(mu) >= target) {
            b2 = 1 - target / multi(mu);
        } else {
            b = 1 - (target - multi(mu)) / (p1 * eff);
        }
        const double y0 = receiver_dark(honest.detectors.dark_count_probability, 2);
        for (std::size_t k = 0; k < 3; ++k) {
            const double nu = honest.source.intensities[k].mean_photon_number;
            const double t = nu * std::exp(-nu) * (1 - b) * eff + (1 - b2) * multi(nu);
            const double gain = 1 - (1 - y0) * (1 - t);
            EXPECT_NEAR(with.intensities[k].gain, gain, 1e-10 * gain) << "k " << k << ", b " << b << ", b2 " << b2;
        }
        EXPECT_NEAR(with.intensities[0].gain, without.intensities[0].gain, 1e-12 * without.intensities[0].gain);
        // The QBER stays close: the forwarded photons keep Alice's polarisation and meet the same
        // misalignment; only the double clicks of the n - 1 >= 2 photons Eve forwards losslessly add
        // errors (half of them); here below 10% of E.
        EXPECT_NEAR(with.intensities[0].qber, without.intensities[0].qber, 0.1 * without.intensities[0].qber);
        // The decoy's gain drops, which is what the decoy method detects.
        EXPECT_LT(with.intensities[1].gain, 0.99 * without.intensities[1].gain);
        // The vacuum sees only dark counts either way.
        EXPECT_NEAR(with.intensities[2].gain, without.intensities[2].gain, 1e-18);
    }
}

TEST(detection_model, beam_splitting_leaves_bob_unchanged) {
    for (SourceKind kind : {SourceKind::weak_coherent, SourceKind::single_photon}) {
        Link honest = decoy_link(40);
        if (kind == SourceKind::single_photon) {
            honest.protocol = Protocol::bb84;
            honest.source.kind = kind;
            honest.source.intensities.clear();
        }
        Link attacked = honest;
        attacked.eve.kind = AttackKind::beam_splitting;
        const ExpectedStatistics a = expected_statistics(honest), b = expected_statistics(attacked);
        for (std::size_t k = 0; k < a.intensities.size(); ++k) {
            EXPECT_NEAR(b.intensities[k].gain, a.intensities[k].gain, 1e-14);
            EXPECT_NEAR(b.intensities[k].qber, a.intensities[k].qber, 1e-12);
            EXPECT_NEAR(b.intensities[k].double_click, a.intensities[k].double_click, 1e-16);
        }
    }
}

TEST(detection_model, entangled_source_reproduces_ma_fung_lo) {
    // BBM92 with the source in the middle and off centre, at several brightnesses: the gain is
    // MFL's Q_lambda exactly (our thermal-mode model is theirs); see the QBER check below.
    for (double position : {0.0, 25.0, 40.0}) {
        for (double pairs : {0.02, 0.2, 1.0}) {
            const Link link = entangled_link(Protocol::bbm92, pairs, 50, position);
            const double eff = link.detectors.efficiency;
            const double eta_a = std::pow(10.0, -0.2 * position / 10) * eff;
            const double eta_b = std::pow(10.0, -(0.2 * (50 - position) + 2) / 10) * eff;
            const double y0 = receiver_dark(link.detectors.dark_count_probability, 2);
            const MaFungLo m = ma_fung_lo(eta_a, eta_b, pairs / 2, y0, y0, link.channel.misalignment);
            const ExpectedStatistics s = expected_statistics(link);
            ASSERT_EQ(s.intensities.size(), 1u);
            // MFL's Q as written cancels terms near 1: 1e-15 absolute.
            EXPECT_NEAR(s.intensities[0].gain, m.gain, 1e-12 * m.gain + 1e-15) << position << " km, " << pairs;
            // MFL's QBER leaves out a dark count joining a photon click at the other detector of a
            // receiver (which makes the bit random), at most Y0 per coincidence, and put e_d on the
            // pair as a whole where here it acts on each of Bob's photons (the same for one pair; the
            // multi-pair part of the coincidences is of order lambda): |E - E_MFL| <= Y0 + 2 lambda e_d.
            EXPECT_NEAR(s.intensities[0].qber, m.qber, y0 + pairs * link.channel.misalignment)
                << position << " km, " << pairs;
            // The singles: a side clicks unless all its detectors and all its photons stay dark.
            EXPECT_NEAR(s.alice_click_probability, 1 - (1 - y0) / std::pow(1 + eta_a * pairs / 2, 2), 1e-13);
            EXPECT_NEAR(s.bob_click_probability, 1 - (1 - y0) / std::pow(1 + eta_b * pairs / 2, 2), 1e-13);
        }
    }
    // Without dark counts and misalignment both models are the same for any number of pairs.
    Link link = entangled_link(Protocol::bbm92, 0.6, 30, 10);
    link.channel.misalignment = 0;
    link.detectors.dark_count_probability = 0;
    const double eff = link.detectors.efficiency;
    const double eta_a = std::pow(10.0, -0.2 * 10 / 10) * eff, eta_b = std::pow(10.0, -(0.2 * 20 + 2) / 10) * eff;
    const double y0 = receiver_dark(link.detectors.dark_count_probability, 2);
    const MaFungLo m = ma_fung_lo(eta_a, eta_b, 0.3, y0, y0, 0);
    const ExpectedStatistics s = expected_statistics(link);
    EXPECT_NEAR(s.intensities[0].qber, m.qber, 1e-10 * m.qber);
}

TEST(detection_model, e91_chsh) {
    // No noise and (almost) no multi-pairs: S -> 2 sqrt 2 and E(a, b) = cos 2(a - b).
    Link link = entangled_link(Protocol::e91, 1e-6, 10, 5);
    link.channel.misalignment = 0;
    link.detectors.dark_count_probability = 0;
    ExpectedStatistics s = expected_statistics(link);
    EXPECT_NEAR(s.chsh, 2 * std::sqrt(2.0), 1e-5);
    EXPECT_NEAR(s.intensities[0].qber, 0, 1e-6);
    const double alice[3] = {0, 22.5, 45}, bob[3] = {22.5, 45, 67.5};
    for (int a = 0; a < 3; ++a) {
        for (int b = 0; b < 3; ++b) {
            EXPECT_NEAR(s.correlation[a][b], std::cos(2 * (alice[a] - bob[b]) * PI / 180), 1e-5);
        }
    }
    // Misalignment e_d flips Bob's outcome: E -> (1 - 2 e_d) E, S = 2 sqrt 2 (1 - 2 e_d), QBER e_d.
    for (double ed : {0.01, 0.05}) {
        link.channel.misalignment = ed;
        s = expected_statistics(link);
        EXPECT_NEAR(s.chsh, 2 * std::sqrt(2.0) * (1 - 2 * ed), 1e-5);
        EXPECT_NEAR(s.intensities[0].qber, ed, 1e-6);
    }
    // Passive basis choice (six detectors a side) with the same physics gives the same S.
    link.channel.misalignment = 0.02;
    link.detectors.basis_choice = BasisChoice::passive;
    s = expected_statistics(link);
    EXPECT_NEAR(s.chsh, 2 * std::sqrt(2.0) * (1 - 2 * 0.02), 1e-5);
    // Multi-pairs and dark counts lower S.
    Link bright = entangled_link(Protocol::e91, 0.5, 10, 5);
    bright.channel.misalignment = 0;
    EXPECT_LT(expected_statistics(bright).chsh, 2 * std::sqrt(2.0) - 0.05);
}

// The double clicks of a BBM92 link with a lossless Bob (efficiency 1, the source at his end), a
// lossy arm to Alice (transmittance eta_A = 1 - q), no dark counts and no misalignment, per pulse,
// for matched and for mismatched settings (Alice Z, Bob X or the reverse), from the photon numbers:
// n1 pairs along Alice's analyser and n2 across it, P(n) = (1 - t^2) t^(2n) each, t^2 = lambda / (1 + lambda).
// Bob's Fock state |n1, n2> at an analyser turned by 45 degrees sends all N = n1 + n2 photons to one
// detector with probability 2 C(N, n1) / 2^N (the amplitude of |N, 0> is sqrt(N! / (n1! n2!)) / sqrt(2)^N;
// |1, 1> never double-clicks: Hong-Ou-Mandel), so with h(n) = 1 - 2 C(N, n1) / 2^N + [N = 0] the
// probability of Bob's double click and G(x, y) = E[x^n1 y^n2 h(n)] sums to
//   G(x, y) = (1 - t^2)^2 (1 / ((1 - t^2 x)(1 - t^2 y)) - 2 / (1 - t^2 (x + y) / 2) + 1).
// A flagged coincidence is Alice's double click, or Alice's click with Bob's double click (Bob clicks
// whenever N >= 1); given n both sides are independent, Alice's double click has (1 - q^n1)(1 - q^n2)
// and her click 1 - q^N, so
//   mismatched: P = (lambda eta_A / (1 + lambda eta_A))^2 + G(q, 1) + G(1, q) - 2 G(q, q),
//   matched:    P = t^4 - ((1 - t^2) t^2 q / (1 - t^2 q))^2   (Bob double-clicks iff n1, n2 >= 1).
// Independent photons at Bob (each to either detector with 1/2) would instead give h(n) = 1 - 2^(1 - N)
// + [N = 0] and 2 / ((1 - t^2 x / 2)(1 - t^2 y / 2)) in place of the middle term of G.
struct RotatedDoubleClicks {
    double matched = 0, mismatched = 0, mismatched_independent = 0;
};
RotatedDoubleClicks rotated_double_clicks(double lambda, double eta_a) {
    const double t2 = lambda / (1 + lambda), q = 1 - eta_a, norm = (1 - t2) * (1 - t2);
    const auto g = [&](double x, double y, bool independent) {
        const double spread = independent ? 2 / ((1 - t2 * x / 2) * (1 - t2 * y / 2)) : 2 / (1 - t2 * (x + y) / 2);
        return norm * (1 / ((1 - t2 * x) * (1 - t2 * y)) - spread + 1);
    };
    const double alice_double = std::pow(lambda * eta_a / (1 + lambda * eta_a), 2);
    const auto mismatched = [&](bool independent) {
        return alice_double + g(q, 1, independent) + g(1, q, independent) - 2 * g(q, q, independent);
    };
    RotatedDoubleClicks r;
    r.matched = t2 * t2 - std::pow((1 - t2) * t2 * q / (1 - t2 * q), 2);
    r.mismatched = mismatched(false);
    r.mismatched_independent = mismatched(true);
    return r;
}

TEST(detection_model, bob_photons_interfere_at_a_rotated_analyser) {
    // lambda = 1, Alice 15 km away (3 dB), Bob at the source; Z and X with 1/2 each, so that a pulse
    // has matched and mismatched settings with 1/2 each.
    Link link = entangled_link(Protocol::bbm92, 2.0, 15, 15);
    link.channel.extra_loss_db = 0;
    link.channel.misalignment = 0;
    link.detectors.efficiency = 1;
    link.detectors.dark_count_probability = 0;
    link.z_basis_probability = 0.5;
    const double eta_a = std::pow(10.0, -0.3);
    const RotatedDoubleClicks r = rotated_double_clicks(1.0, eta_a);
    const ExpectedStatistics s = expected_statistics(link);
    EXPECT_NEAR(s.intensities[0].double_click, 0.5 * r.matched + 0.5 * r.mismatched, 1e-13);
    // the bosonic answer is far from the one of independent photons (0.289 against 0.338)
    EXPECT_GT(r.mismatched_independent - r.mismatched, 0.04);
    // Only the settings matter, not which side is Z: all Z (matched) alone.
    link.z_basis_probability = 1;
    EXPECT_NEAR(expected_statistics(link).intensities[0].double_click, r.matched, 1e-13);
    // Other brightnesses, and Alice lossless too (q = 0: she double-clicks whenever Bob's state has
    // photons of both polarisations, and Bob's double clicks add only when it has one kind).
    for (double pairs : {0.1, 1.0, 6.0}) {
        for (double km : {0.0, 15.0}) {
            Link other = link;
            other.z_basis_probability = 0.5;
            other.source.mean_pair_number = pairs;
            other.channel.length_km = km;
            other.source.position_km = km;
            const RotatedDoubleClicks o = rotated_double_clicks(pairs / 2, std::pow(10.0, -0.02 * km));
            EXPECT_NEAR(expected_statistics(other).intensities[0].double_click, 0.5 * (o.matched + o.mismatched), 1e-13)
                << pairs << " pairs, " << km << " km";
        }
    }
}

TEST(detection_model, dead_time_and_afterpulses_match_the_markov_chain) {
    // One intensity, exaggerated probabilities so that every effect is large. The chain: L (live),
    // P (afterpulse gate), D_d .. D_1; from L a click (p) goes to D_d, from P a click
    // (1 - (1 - p_ap)(1 - p)) too, no click to L; D_1 goes to P.
    Link link = decoy_link(0);
    link.protocol = Protocol::bb84;
    link.source.intensities = {{"signal", 2.0, 1.0}};
    link.detectors.efficiency = 0.5;
    link.detectors.dark_count_probability = 0.01;
    link.detectors.afterpulse_probability = 0.2;
    link.clock_hz = 1e9;
    for (double dead_ns : {0.0, 1.0, 3.5, 7.0}) {
        for (double afterpulse : {0.0, 0.2}) {
            link.detectors.dead_time_ns = dead_ns;
            link.detectors.afterpulse_probability = afterpulse;
            const int d = static_cast<int>(std::ceil(dead_ns - 1e-9));
            const double p = 1 - std::pow(1 - 0.01, 2) * std::exp(-2.0 * eta_bob(link));
            const double p_ap = 1 - (1 - afterpulse) * (1 - p);
            // States: 0 = L, 1 = P, 2 + i = D_{d - i}.
            const int n = 2 + d;
            std::vector<std::vector<double>> t(n, std::vector<double>(n, 0.0));
            const int after_click = d > 0 ? 2 : 1;
            t[0][after_click] += p;
            t[0][0] += 1 - p;
            t[1][after_click] += p_ap;
            t[1][0] += 1 - p_ap;
            for (int i = 0; i < d; ++i) t[2 + i][i + 1 < d ? 3 + i : 1] = 1;
            const std::vector<double> pi = stationary(t);
            double dead = 0;
            for (int i = 0; i < d; ++i) dead += pi[2 + i];
            const ExpectedStatistics s = expected_statistics(link);
            EXPECT_NEAR(s.dead_fraction, dead, 1e-12) << dead_ns << " ns, " << afterpulse;
            EXPECT_NEAR(s.bob_click_probability, pi[0] * p + pi[1] * p_ap, 1e-12) << dead_ns << " ns, " << afterpulse;
            EXPECT_NEAR(s.intensities[0].gain, s.bob_click_probability, 1e-15);
        }
    }
}

TEST(detection_model, entangled_dead_time_matches_the_joint_markov_chain) {
    // Both receivers: per side L, P, D_d .. D_1; a gate's clicks are correlated through the pairs.
    // The joint chain over (Alice's state, Bob's state) is built here from the closed-form singles
    // and coincidences (Ma, Fung and Lo) and solved by power iteration.
    for (int d : {0, 1, 3, 6}) {
        for (double afterpulse : {0.0, 0.3}) {
            Link link = entangled_link(Protocol::bbm92, 1.5, 4, 1);
            link.channel.extra_loss_db = 0.5;
            link.detectors.efficiency = 0.6;
            link.detectors.dark_count_probability = 0.02;
            link.detectors.afterpulse_probability = afterpulse;
            link.detectors.dead_time_ns = d;
            link.clock_hz = 1e9;
            const double lambda = 0.75, eff = 0.6;
            const double eta_a = std::pow(10.0, -0.2 * 1 / 10) * eff,
                         eta_b = std::pow(10.0, -(0.2 * 3 + 0.5) / 10) * eff;
            const double y0 = receiver_dark(0.02, 2);
            const double pa = 1 - (1 - y0) / std::pow(1 + eta_a * lambda, 2);
            const double pb = 1 - (1 - y0) / std::pow(1 + eta_b * lambda, 2);
            const double pab = ma_fung_lo(eta_a, eta_b, lambda, y0, y0, 0).gain;
            // States per side: 0 = L, 1 = P, 2 + i = D_{d - i}.
            const int per_side = 2 + d, n = per_side * per_side;
            const auto next_after = [&](int state, bool clicked) {
                if (state >= 2) return state - 2 + 1 < d ? state + 1 : 1;  // dead: count down, then P
                if (clicked) return d > 0 ? 2 : 1;
                return 0;
            };
            std::vector<std::vector<double>> t(n, std::vector<double>(n, 0.0));
            std::vector<double> coincidence(n, 0.0), alice_click(n, 0.0), bob_click(n, 0.0);
            for (int sa = 0; sa < per_side; ++sa) {
                for (int sb = 0; sb < per_side; ++sb) {
                    const bool a_dead = sa >= 2, b_dead = sb >= 2;
                    const double ap_a = sa == 1 ? afterpulse : 0, ap_b = sb == 1 ? afterpulse : 0;
                    // P(no click) per side and jointly; afterpulses are independent of the photons.
                    const double qa = a_dead ? 1 : (1 - ap_a) * (1 - pa);
                    const double qb = b_dead ? 1 : (1 - ap_b) * (1 - pb);
                    double q_both;
                    if (a_dead) {
                        q_both = qb;
                    } else if (b_dead) {
                        q_both = qa;
                    } else {
                        q_both = (1 - ap_a) * (1 - ap_b) * (1 - pa - pb + pab);
                    }
                    const double both = 1 - qa - qb + q_both;
                    const double only_a = (1 - qa) - both, only_b = (1 - qb) - both;
                    const int s = sa * per_side + sb;
                    coincidence[s] = both;
                    alice_click[s] = 1 - qa;
                    bob_click[s] = 1 - qb;
                    const auto to = [&](bool ca, bool cb) {
                        return next_after(sa, ca) * per_side + next_after(sb, cb);
                    };
                    t[s][to(true, true)] += both;
                    t[s][to(true, false)] += only_a;
                    t[s][to(false, true)] += only_b;
                    t[s][to(false, false)] += q_both;
                }
            }
            const std::vector<double> pi = stationary(t);
            double gain = 0, singles_a = 0, singles_b = 0, dead = 0;
            for (int s = 0; s < n; ++s) {
                gain += pi[s] * coincidence[s];
                singles_a += pi[s] * alice_click[s];
                singles_b += pi[s] * bob_click[s];
                if (s / per_side >= 2 || s % per_side >= 2) dead += pi[s];
            }
            const ExpectedStatistics st = expected_statistics(link);
            EXPECT_NEAR(st.intensities[0].gain, gain, 1e-11) << d << " gates, " << afterpulse;
            EXPECT_NEAR(st.alice_click_probability, singles_a, 1e-11) << d << " gates, " << afterpulse;
            EXPECT_NEAR(st.bob_click_probability, singles_b, 1e-11) << d << " gates, " << afterpulse;
            EXPECT_NEAR(st.dead_fraction, dead, 1e-11) << d << " gates, " << afterpulse;
        }
    }
}

TEST(detection_model, long_dead_time_entangled_chain_is_consistent) {
    // d = 5000 gates: the O(d) solution still gives shares that add up and singles no larger than
    // the live rate would.
    Link link = entangled_link(Protocol::bbm92, 0.1, 20, 10);
    link.detectors.efficiency = 0.5;
    link.detectors.dead_time_ns = 5000;
    link.detectors.afterpulse_probability = 0.05;
    const ExpectedStatistics s = expected_statistics(link);
    Link live = link;
    live.detectors.dead_time_ns = 0;
    live.detectors.afterpulse_probability = 0;
    const ExpectedStatistics l = expected_statistics(live);
    EXPECT_GT(s.dead_fraction, 0.1);
    EXPECT_LT(s.dead_fraction, 1);
    EXPECT_LT(s.alice_click_probability, l.alice_click_probability);
    EXPECT_LT(s.intensities[0].gain, l.intensities[0].gain);
    // A side's clicks alone form the single-receiver renewal process: a click every
    // d + 1 + (1 - p_P)/p gates on average, p its live click probability, p_P at the afterpulse gate.
    const double p = l.alice_click_probability, p_ap = 1 - (1 - 0.05) * (1 - p);
    EXPECT_NEAR(s.alice_click_probability, 1 / (5000 + 1 + (1 - p_ap) / p), 1e-9 * s.alice_click_probability);
}

TEST(detection_model, rejects_links_that_do_not_fit) {
    Link link = decoy_link(10);
    link.protocol = Protocol::bbm92;
    EXPECT_THROW(expected_statistics(link), Error);
    Link pairs = entangled_link(Protocol::bbm92, 0.1, 10, 5);
    pairs.eve.kind = AttackKind::intercept_resend;
    EXPECT_THROW(expected_statistics(pairs), Error);
}

}  // namespace qkdlab::qkd

namespace qkdlab::qkd {

// Detectors that always click (dark-count probability 1): every pulse is a coincidence.
TEST(detection_model, detectors_that_always_click_give_certain_coincidences) {
    Link link = link_preset("entangled-50km");
    link.detectors.dark_count_probability = 1;
    const ExpectedStatistics s = expected_statistics(link);
    EXPECT_DOUBLE_EQ(s.intensities.at(0).gain, 1.0);
    EXPECT_DOUBLE_EQ(s.alice_click_probability, 1.0);
    EXPECT_DOUBLE_EQ(s.bob_click_probability, 1.0);
}

}  // namespace qkdlab::qkd
