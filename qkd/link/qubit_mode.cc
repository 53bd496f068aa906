// The faithful emulator (qubit_mode.h): every photon is a qsim qubit, its polarisation.
//
// Conventions (the same as photon mode and detection_model.h; docs/link.md):
// - A polarisation at angle theta is the qubit cos(theta)|0> + sin(theta)|1> = RY(2 theta)|0>. An
//   analyser at angle b is RY(-2 b) followed by a measurement in the computational basis: outcome 0
//   (the photon passes along b) with probability cos^2(theta - b). BB84 settings 0 = Z (0 degrees)
//   and 1 = X (45 degrees); bit 1 is the orthogonal polarisation, theta + 90 degrees.
// - Loss removes each photon independently (it is never measured: tracing it out).
// - Misalignment is the depolarising channel rho -> (1 - p) rho + p I/2 (KrausChannel::depolarizing,
//   X, Y and Z with p/4 each) with p = 2 e_d, applied by a quantum trajectory to each photon that
//   reaches a detector. Measured at any angle b it flips the outcome with probability exactly e_d:
//   the depolarising channel commutes with the dephasing in the analyser's basis, and on a state
//   diagonal in that basis it is (1 - p) rho + p I/2, i.e. a flip with probability p/2 = e_d. (The
//   same identity shows that the flip acts independently on a photon entangled with others.) So a
//   photon at theta passes an analyser at b with cos^2(theta - b) (1 - 2 e_d) + e_d, the classical
//   rule of common.md. tests/qkd/qubit_mode.test.cc checks it in Z, X and at 22.5 degrees.
// - Detectors: two per receiver (active basis choice: the analyser is set per pulse) or two per
//   setting (passive: each photon is routed to a setting's pair with that setting's probability).
//   (With pairs, too, each photon is routed on its own, as in detection_model.h.)
//   Each detector also clicks with the dark-count probability. Squashing: both detectors of the
//   measured setting click -> a uniformly random bit, flagged as a double click; passive, clicks in
//   several settings -> one of them at random, in proportion to the settings' probabilities.
// - Dead time: d = ceil(dead_time_ns * clock_hz / 1e9 - 1e-9) gates after every click the whole
//   receiver is blanked; at the first gate after them an afterpulse clicks a uniformly random
//   detector (of the set setting; passive: of all the receiver's detectors) with probability
//   afterpulse_probability, on top of whatever the pulse does.
//
// The entangled source. A type-II SPDC source is two independent thermal modes of mean
// lambda = mean_pair_number / 2 each: n1 pairs |HH> and n2 pairs |VV> (Ma, Fung and Lo, PRA 76,
// 012307 (2007)), P(n1, n2) = lambda^(n1 + n2) / (1 + lambda)^(n1 + n2 + 2). The n = n1 + n2 pair
// state is
//     |Psi_n> = sum_{m=0..n} |D(n, m)>_A |D(n, m)>_B / sqrt(n + 1),
// where D(n, m) is the symmetric (Dicke) state of n qubits with m ones: in the two-mode Fock
// picture, sum_m |n - m, m>_A |n - m, m>_B / sqrt(n + 1). Why this reproduces the two thermal modes
// of common.md: P(n1, n2) depends on n1 + n2 only, so given n the number m = n2 of V pairs is
// uniform on 0..n, which is the equal weight 1 / (n + 1) of every term. It is the component of
// |Phi+>^(x)n projected onto the symmetric subspace of each side, and since
// R(a) (x) R(a) |Phi+> = |Phi+> for every real rotation R(a) (and the symmetrisers commute with
// R(a)^(x)n), |Psi_n> has the same form in the frame of any analyser angle a: measured along
// Alice's analyser, m is uniform and Alice and Bob each hold n - m photons along a and m along
// a + 90 degrees: the photon numbers of common.md. The total n is distributed as
// sum_{n1 + n2 = n} P(n1, n2) = (n + 1) lambda^n / (1 + lambda)^(n + 2).
//
// Where this goes beyond common.md's picture of independent photons: given m, Bob holds the Fock
// state |n - m, m> of one spatial mode, i.e. the symmetric state D(n, m) of his n photons, not n
// distinguishable photons of which m are V. Measured in Alice's basis (the key settings) the two
// agree exactly; in another basis several photons at Bob interfere: |1 H, 1 V> at 45 degrees leaves
// both photons in the same port (polarisation Hong-Ou-Mandel bunching) and never double-clicks,
// where independent photons would half the time. detection_model.h (and so the photon mode) is
// exact for these bosonic statistics too; tests/qkd/qubit_mode.test.cc checks all three against
// each other and against independent photons, which it rules out.
//
// Up to MAX_DICKE_PAIRS (7) pairs the emulator builds |Psi_n> on 2n qubits as a qsim StateVector
// (qubits 0..n-1 Alice's photons, n..2n-1 Bob's), rotates and measures each surviving photon.
// Beyond it (a rare event for any realistic source, but check() allows mean_pair_number up to 10)
// it samples the same state exactly in the two-mode Fock basis (FockPairs below), where the state is
// (n_A + 1) x (n_B + 1) real amplitudes: measuring one photon of a symmetric n-photon state along b
// gives |b> with probability <N_b> / n and leaves a_b |psi> (a_b = cos b a_H + sin b a_V) for the
// other n - 1; a lost photon is never measured (traced out); misalignment flips the reported
// outcome with probability e_d (the identity above).

#include "qkdlab/qkd/qubit_mode.h"

#include <algorithm>
#include <array>
#include <bit>
#include <boost/random/discrete_distribution.hpp>
#include <boost/random/geometric_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>
#include <boost/random/uniform_01.hpp>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <optional>
#include <span>
#include <vector>

#include "link/pulse_outcomes.h"
#include "qkdlab/qsim/kraus_channel.h"
#include "qkdlab/qsim/state_vector.h"
#include "qkdlab/qsim/trajectory.h"

namespace qkdlab::qkd {
namespace {

using qsim::GateKind;
using qsim::Index;
using qsim::Qubit;
using qsim::StateVector;

constexpr double DEGREE = std::numbers::pi / 180;
// The largest pair number simulated as a 2n-qubit state vector: 14 qubits, 256 KiB, which keeps
// every qsim pass below its threading threshold (2^16 amplitudes touched, qsim/statevector/threads.h),
// so a pulse never wakes threads.
// Larger emissions go through the equivalent Fock-basis sampler (FockPairs).
constexpr unsigned MAX_DICKE_PAIRS = 7;
constexpr std::uint64_t PROGRESS_INTERVAL = std::uint64_t{1} << 16;
constexpr std::uint8_t LOST = 0xff;

bool chance(double probability, core::Rng& rng) { return boost::random::uniform_01<double>()(rng) < probability; }
bool random_bit(core::Rng& rng) { return (rng() >> 63) != 0; }

double transmittance(double loss_db) { return std::pow(10.0, -loss_db / 10); }

// The analyser settings of one party: angles and the chance of each.
struct Settings {
    unsigned count = 2;
    std::array<double, 3> angle_rad{};
    std::array<double, 3> probability{};
};

Settings bb84_settings(double z_probability) { return {2, {0, 45 * DEGREE, 0}, {z_probability, 1 - z_probability, 0}}; }

Settings e91_settings(const std::array<double, 3>& degrees) {
    return {3, {degrees[0] * DEGREE, degrees[1] * DEGREE, degrees[2] * DEGREE}, {1.0 / 3, 1.0 / 3, 1.0 / 3}};
}

unsigned draw_setting(const Settings& settings, core::Rng& rng) {
    double u = boost::random::uniform_01<double>()(rng);
    for (unsigned s = 0; s + 1 < settings.count; ++s) {
        if (u < settings.probability[s]) return s;
        u -= settings.probability[s];
    }
    return settings.count - 1;
}

// Prepares `qubit` (in |0>) as a photon polarised at `angle_rad`.
void polarise(StateVector& psi, Qubit qubit, double angle_rad) {
    if (angle_rad == 0) return;
    const double theta[] = {2 * angle_rad};
    psi.apply_gate(GateKind::ry, std::span<const Qubit>(&qubit, 1), theta);
}

// A photon meets an analyser at `angle_rad`: 0 if it passes along the angle, 1 if orthogonal.
int analyse(StateVector& psi, Qubit qubit, double angle_rad, core::Rng& rng) {
    if (angle_rad != 0) {
        const double theta[] = {-2 * angle_rad};
        psi.apply_gate(GateKind::ry, std::span<const Qubit>(&qubit, 1), theta);
    }
    return psi.measure(qubit, rng);
}

struct Outcome {
    bool clicked = false;
    unsigned setting = 0;
    bool bit = false;
    bool double_click = false;
};

// One receiver (Bob's, or either side of an entangled link): its detectors, their dark counts,
// squashing, the common dead time and afterpulses.
class Receiver {
  public:
    Receiver(const Detectors& detectors, const Settings& settings, double clock_hz)
        : settings_(settings),
          passive_(detectors.basis_choice == BasisChoice::passive),
          dark_probability_(detectors.dark_count_probability),
          afterpulse_probability_(detectors.afterpulse_probability),
          dead_gates_(detail::dead_gates(detectors, clock_hz)) {}

    // Called once per gate, first: false (and one gate of the dead window passes) if blanked.
    bool live() {
        if (dead_left_ == 0) return true;
        --dead_left_;
        return false;
    }

    // Starts a live gate: clears the detectors and, with active basis choice, sets the analyser.
    void begin_gate(core::Rng& rng) {
        clicks_.fill(0);
        chosen_ = passive_ ? 0 : draw_setting(settings_, rng);
    }

    // The setting a photon that reaches the receiver is analysed in.
    unsigned route(core::Rng& rng) const { return passive_ ? draw_setting(settings_, rng) : chosen_; }
    double angle_rad(unsigned setting) const { return settings_.angle_rad[setting]; }
    void click(unsigned setting, int outcome) { clicks_[setting] |= static_cast<std::uint8_t>(1u << outcome); }

    // Ends a live gate: dark counts, the afterpulse, squashing and the dead window.
    Outcome end_gate(core::Rng& rng) {
        const unsigned first = passive_ ? 0 : chosen_;
        const unsigned last = passive_ ? settings_.count : chosen_ + 1;
        if (dark_probability_ > 0) {
            for (unsigned s = first; s < last; ++s) {
                for (int outcome = 0; outcome < 2; ++outcome) {
                    if (chance(dark_probability_, rng)) click(s, outcome);
                }
            }
        }
        if (afterpulse_gate_ && afterpulse_probability_ > 0 && chance(afterpulse_probability_, rng)) {
            const unsigned detector =
                static_cast<unsigned>(boost::random::uniform_01<double>()(rng) * 2 * (last - first));
            click(first + std::min(detector, 2 * (last - first) - 1) / 2, static_cast<int>(detector % 2));
        }
        Outcome outcome;
        unsigned clicked_settings = 0;
        double clicked_weight = 0;
        for (unsigned s = first; s < last; ++s) {
            if (clicks_[s] != 0) {
                ++clicked_settings;
                clicked_weight += settings_.probability[s];
                outcome.setting = s;
            }
        }
        afterpulse_gate_ = clicked_settings > 0;
        if (clicked_settings == 0) {
            outcome.setting = chosen_;
            return outcome;
        }
        if (clicked_settings > 1) {  // passive only: one of the clicked settings, by their probabilities
            double u = boost::random::uniform_01<double>()(rng) * clicked_weight;
            for (unsigned s = first; s < last; ++s) {
                if (clicks_[s] == 0) continue;
                outcome.setting = s;
                if (u < settings_.probability[s]) break;
                u -= settings_.probability[s];
            }
        }
        const std::uint8_t detectors = clicks_[outcome.setting];
        outcome.clicked = true;
        outcome.double_click = detectors == 3;
        outcome.bit = outcome.double_click ? random_bit(rng) : detectors == 2;
        dead_left_ = dead_gates_;
        return outcome;
    }

  private:
    Settings settings_;
    bool passive_;
    double dark_probability_;
    double afterpulse_probability_;
    std::uint64_t dead_gates_;
    std::uint64_t dead_left_ = 0;
    bool afterpulse_gate_ = false;  // the next live gate is the first after a dead window
    unsigned chosen_ = 0;
    std::array<std::uint8_t, 3> clicks_{};  // per setting: bit o set when the detector of outcome o clicked
};

class ProgressReporter {
  public:
    ProgressReporter(const Progress& progress, std::uint64_t total) : progress_(progress), total_(total) {}
    void at(std::uint64_t done) const {
        if (progress_ && (done % PROGRESS_INTERVAL == 0 || done == total_)) progress_(done, total_);
    }

  private:
    const Progress& progress_;
    std::uint64_t total_;
};

// ---------------------------------------------------------------------------------------------------
// Prepare and measure.

// Eve's photon-number-splitting blocking probabilities (common.md): b for single photons and, if
// even b = 1 leaves the signal's gain above its value without Eve, b2 for multi-photon pulses.
// Bob's detection probability from photons (dark counts factor out: P(no click) = (1 - Y0) P(no
// photon detected)) without Eve is T = 1 - sum_n P(n) (1 - eta)^n; with Eve it is
// P(1) (1 - b) eta_d + (1 - b2) M, M = sum_{n >= 2} P(n) (1 - (1 - eta_d)^(n - 1)), since she sends
// n - 1 photons over a lossless line to detectors of efficiency eta_d.
struct PnsBlocking {
    double single = 0;
    double multi = 0;
};

PnsBlocking pns_blocking(const Link& link, double eta) {
    const double eta_d = link.detectors.efficiency;
    double p1 = 1, target = eta, multi = 0;
    if (link.source.kind == SourceKind::weak_coherent) {
        const double mu = link.source.intensities.at(0).mean_photon_number;
        target = -std::expm1(-eta * mu);
        p1 = mu * std::exp(-mu);
        double pn = p1;
        for (unsigned n = 2; n < 1000; ++n) {
            pn *= mu / n;
            multi += pn * (1 - std::pow(1 - eta_d, n - 1));
            if (n > mu && pn < 1e-18) break;
        }
    }
    PnsBlocking blocking;
    if (multi >= target) {
        blocking.single = 1;
        blocking.multi = multi > 0 ? 1 - target / multi : 0;
    } else {
        blocking.single = std::clamp(1 - (target - multi) / (p1 * eta_d), 0.0, 1.0);
    }
    return blocking;
}

class PrepareMeasure {
  public:
    PrepareMeasure(const Link& link, core::Rng& rng)
        : link_(link),
          rng_(rng),
          alice_(bb84_settings(link.z_basis_probability)),
          bob_(link.detectors, bb84_settings(link.z_basis_probability), link.clock_hz),
          eta_channel_(transmittance(arm_loss(link).bob_db)),
          misalignment_(qsim::KrausChannel::depolarizing(2 * link.channel.misalignment)) {
        const auto& intensities = link.source.intensities;
        if (link.source.kind == SourceKind::weak_coherent) {
            std::vector<double> weights;
            for (const Intensity& intensity : intensities) {
                weights.push_back(intensity.probability);
                poisson_.emplace_back();
                if (intensity.mean_photon_number > 0) poisson_.back().emplace(intensity.mean_photon_number);
            }
            intensity_ = boost::random::discrete_distribution<unsigned, double>(weights.begin(), weights.end());
        }
        if (link.eve.kind == AttackKind::photon_number_splitting) {
            blocking_ = pns_blocking(link, eta_channel_ * link.detectors.efficiency);
        }
    }

    RawRecords run(std::uint64_t pulses, const Progress& progress) {
        RawRecords records;
        records.protocol = link_.protocol;
        records.pulses = pulses;
        records.pulses_per_intensity.assign(std::max<std::size_t>(1, poisson_.size()), 0);
        const ProgressReporter reporter(progress, pulses);
        for (std::uint64_t pulse = 0; pulse < pulses; ++pulse) {
            const unsigned intensity = poisson_.empty() ? 0 : intensity_(rng_);
            ++records.pulses_per_intensity[intensity];
            if (!bob_.live()) {
                ++records.dead_pulses;
            } else if (std::optional<DetectionTag> tag = one_pulse(intensity)) {
                records.add(pulse, *tag);
                ++records.bob_clicks;
            }
            reporter.at(pulse + 1);
        }
        return records;
    }

  private:
    unsigned photon_number(unsigned intensity) {
        if (poisson_.empty()) return 1;  // single-photon source
        return poisson_[intensity] ? (*poisson_[intensity])(rng_) : 0;
    }

    // Prepares the photon register as one photon of Alice's state: |0>, then RY(2 theta).
    void prepare(StateVector& photon, double angle_rad) {
        photon.set_basis_state(0);
        polarise(photon, 0, angle_rad);
    }

    // The photon in `photon_` travels with transmittance `eta` (detector efficiency included) to
    // Bob's receiver.
    void to_bob(double eta) {
        if (!chance(eta, rng_)) return;  // lost
        const Qubit q[] = {0};
        if (link_.channel.misalignment > 0) qsim::apply_channel_trajectory(photon_, misalignment_, q, rng_);
        const unsigned setting = bob_.route(rng_);
        bob_.click(setting, analyse(photon_, 0, bob_.angle_rad(setting), rng_));
    }

    std::optional<DetectionTag> one_pulse(unsigned intensity) {
        const unsigned alice_setting = draw_setting(alice_, rng_);
        const bool alice_bit = random_bit(rng_);
        const double alice_angle = alice_.angle_rad[alice_setting] + (alice_bit ? 90 * DEGREE : 0);
        const unsigned n = photon_number(intensity);
        bob_.begin_gate(rng_);
        const double eta = eta_channel_ * link_.detectors.efficiency;
        bool eve_holds_photon = false;  // Eve stored one of the pulse's photons (PNS, beam splitting)
        bool eve_knows = false;
        switch (link_.eve.kind) {
            case AttackKind::none:
                for (unsigned i = 0; i < n; ++i) {
                    prepare(photon_, alice_angle);
                    to_bob(eta);
                }
                break;
            case AttackKind::intercept_resend:
                if (n > 0 && chance(link_.eve.fraction, rng_)) {
                    // She measures one photon (all n are the same state) in a random basis and
                    // sends Bob one photon of her result.
                    prepare(photon_, alice_angle);
                    const unsigned eve_basis = random_bit(rng_) ? 1 : 0;
                    const int eve_bit = analyse(photon_, 0, alice_.angle_rad[eve_basis], rng_);
                    eve_knows = eve_basis == alice_setting;
                    prepare(photon_, alice_.angle_rad[eve_basis] + (eve_bit == 1 ? 90 * DEGREE : 0));
                    to_bob(eta);
                } else {
                    for (unsigned i = 0; i < n; ++i) {
                        prepare(photon_, alice_angle);
                        to_bob(eta);
                    }
                }
                break;
            case AttackKind::photon_number_splitting: {
                // She counts the photons (a non-demolition measurement); keeps one photon of a
                // multi-photon pulse and sends the rest over a lossless line, or nothing if she
                // blocks the pulse; blocks single photons as needed (keeping nothing of them).
                const bool block = n == 1 ? chance(blocking_.single, rng_) : n >= 2 && chance(blocking_.multi, rng_);
                if (n == 1 && block) break;
                for (unsigned i = 0; i < n; ++i) {
                    prepare(photon_, alice_angle);
                    if (n >= 2 && !eve_holds_photon) {
                        std::swap(photon_, eve_memory_);  // the photon qubit itself goes to her memory
                        eve_holds_photon = true;
                        continue;
                    }
                    if (!block) to_bob(link_.detectors.efficiency);
                }
                break;
            }
            case AttackKind::beam_splitting:
                // The fibre's loss becomes her beam splitter: each photon reflected to her with
                // 1 - eta_channel; the rest reach Bob's detectors over a lossless line.
                for (unsigned i = 0; i < n; ++i) {
                    prepare(photon_, alice_angle);
                    if (!chance(eta_channel_, rng_)) {
                        if (!eve_holds_photon) std::swap(photon_, eve_memory_);
                        eve_holds_photon = true;
                        continue;
                    }
                    to_bob(link_.detectors.efficiency);
                }
                break;
        }
        const Outcome bob = bob_.end_gate(rng_);
        if (!bob.clicked) return std::nullopt;
        if (eve_holds_photon) {
            // After the basis announcement she measures her stored photon in Alice's basis.
            const int eve_bit = analyse(eve_memory_, 0, alice_.angle_rad[alice_setting], rng_);
            eve_knows = (eve_bit == 1) == alice_bit;
        }
        return DetectionTag(intensity, alice_setting, bob.setting, alice_bit, bob.bit, bob.double_click, eve_knows);
    }

    const Link& link_;
    core::Rng& rng_;
    Settings alice_;
    Receiver bob_;
    double eta_channel_;
    qsim::KrausChannel misalignment_;
    PnsBlocking blocking_;
    boost::random::discrete_distribution<unsigned, double> intensity_;
    std::vector<std::optional<boost::random::poisson_distribution<unsigned, double>>> poisson_;
    StateVector photon_{1};
    StateVector eve_memory_{1};
};

// ---------------------------------------------------------------------------------------------------
// Entangled pairs.

// The n-pair state in the two-mode Fock basis: psi[i][j] is the amplitude of i V photons among
// Alice's n_A and j among Bob's n_B (the rest H). Real throughout (real rotations only).
class FockPairs {
  public:
    void reset(unsigned n) {
        stride_ = n + 1;
        alice_ = bob_ = n;
        psi_.assign(static_cast<std::size_t>(stride_) * stride_, 0.0);
        const double amplitude = 1 / std::sqrt(static_cast<double>(n + 1));
        for (unsigned i = 0; i <= n; ++i) at(i, i) = amplitude;
    }

    // Measures one of Alice's photons (side 0) or Bob's (side 1) along `angle_rad`: 0 if it passes.
    int measure(int side, double angle_rad, core::Rng& rng) {
        const double c = std::cos(angle_rad), s = std::sin(angle_rad);
        unsigned& photons = side == 0 ? alice_ : bob_;
        const unsigned other = side == 0 ? bob_ : alice_;
        assert(photons > 0);
        // a_b |.., k H, i V, ..> = cos b sqrt(k) |.., k - 1, i ..> + sin b sqrt(i) |.., k, i - 1 ..>:
        // the new amplitude at i' is c sqrt(n - i') psi[i'] + s sqrt(i' + 1) psi[i' + 1] for |b>, and
        // -s sqrt(n - i') psi[i'] + c sqrt(i' + 1) psi[i' + 1] for the orthogonal |b + 90>.
        const auto amplitude = [&](unsigned i, unsigned o) { return side == 0 ? at(i, o) : at(o, i); };
        double norm0 = 0, norm1 = 0;
        for (unsigned i = 0; i < photons; ++i) {
            const double h = std::sqrt(static_cast<double>(photons - i)), v = std::sqrt(static_cast<double>(i + 1));
            for (unsigned o = 0; o <= other; ++o) {
                const double a = amplitude(i, o), b = amplitude(i + 1, o);
                const double pass = c * h * a + s * v * b, block = -s * h * a + c * v * b;
                norm0 += pass * pass;
                norm1 += block * block;
            }
        }
        const int outcome = boost::random::uniform_01<double>()(rng) * (norm0 + norm1) < norm1 ? 1 : 0;
        const double cc = outcome == 0 ? c : -s, ss = outcome == 0 ? s : c;
        const double scale = 1 / std::sqrt(outcome == 0 ? norm0 : norm1);
        for (unsigned i = 0; i < photons; ++i) {  // in place: row i' reads rows i' and i' + 1
            const double h = std::sqrt(static_cast<double>(photons - i)), v = std::sqrt(static_cast<double>(i + 1));
            for (unsigned o = 0; o <= other; ++o) {
                const double value = (cc * h * amplitude(i, o) + ss * v * amplitude(i + 1, o)) * scale;
                (side == 0 ? at(i, o) : at(o, i)) = value;
            }
        }
        for (unsigned o = 0; o <= other; ++o) (side == 0 ? at(photons, o) : at(o, photons)) = 0;
        --photons;
        return outcome;
    }

  private:
    double& at(unsigned i, unsigned j) { return psi_[static_cast<std::size_t>(i) * stride_ + j]; }

    unsigned stride_ = 1;
    unsigned alice_ = 0;
    unsigned bob_ = 0;
    std::vector<double> psi_;
};

class EntangledPairs {
  public:
    EntangledPairs(const Link& link, core::Rng& rng)
        : link_(link),
          rng_(rng),
          e91_(link.protocol == Protocol::e91),
          alice_(link.detectors, e91_ ? e91_settings(E91_ALICE_DEGREES) : bb84_settings(link.z_basis_probability),
                 link.clock_hz),
          bob_(link.detectors, e91_ ? e91_settings(E91_BOB_DEGREES) : bb84_settings(link.z_basis_probability),
               link.clock_hz),
          thermal_(1 / (1 + link.source.mean_pair_number / 2)),
          misalignment_(qsim::KrausChannel::depolarizing(2 * link.channel.misalignment)),
          registers_(2 * MAX_DICKE_PAIRS + 1),
          by_weight_(MAX_DICKE_PAIRS + 1) {
        // Alice's arm is the fibre up to the source, Bob's the rest (link.h: arm_loss)
        const ArmLoss loss = arm_loss(link);
        eta_alice_ = transmittance(loss.alice_db) * link.detectors.efficiency;
        eta_bob_ = transmittance(loss.bob_db) * link.detectors.efficiency;
    }

    RawRecords run(std::uint64_t pulses, const Progress& progress) {
        RawRecords records;
        records.protocol = link_.protocol;
        records.pulses = pulses;
        records.pulses_per_intensity.assign(1, pulses);
        const ProgressReporter reporter(progress, pulses);
        for (std::uint64_t pulse = 0; pulse < pulses; ++pulse) {
            const bool alice_live = alice_.live();
            const bool bob_live = bob_.live();
            if (!alice_live || !bob_live) ++records.dead_pulses;
            Outcome alice, bob;
            one_pulse(alice_live, bob_live, alice, bob);
            records.alice_clicks += alice.clicked;
            records.bob_clicks += bob.clicked;
            if (alice.clicked && bob.clicked) {
                records.add(pulse, DetectionTag(0, alice.setting, bob.setting, alice.bit, bob.bit,
                                                alice.double_click || bob.double_click, false));
            }
            reporter.at(pulse + 1);
        }
        return records;
    }

  private:
    void one_pulse(bool alice_live, bool bob_live, Outcome& alice, Outcome& bob) {
        // Two thermal modes of mean lambda: P(k) = lambda^k / (1 + lambda)^(k + 1), geometric with
        // success 1 / (1 + lambda) (Boost counts the failures before it: P(k) = p (1 - p)^k).
        const unsigned n = thermal_(rng_) + thermal_(rng_);
        if (alice_live) alice_.begin_gate(rng_);
        if (bob_live) bob_.begin_gate(rng_);
        // Which photons reach which analyser (loss and, passive, the beam splitter), or LOST.
        alice_route_.assign(n, LOST);
        bob_route_.assign(n, LOST);
        bool any = false;
        for (unsigned j = 0; j < n; ++j) {
            if (alice_live && chance(eta_alice_, rng_)) alice_route_[j] = static_cast<std::uint8_t>(alice_.route(rng_));
            if (bob_live && chance(eta_bob_, rng_)) bob_route_[j] = static_cast<std::uint8_t>(bob_.route(rng_));
            any = any || alice_route_[j] != LOST || bob_route_[j] != LOST;
        }
        if (any) {
            if (n <= MAX_DICKE_PAIRS) {
                measure_dicke(n);
            } else {
                measure_fock(n);
            }
        }
        if (alice_live) alice = alice_.end_gate(rng_);
        if (bob_live) bob = bob_.end_gate(rng_);
    }

    // sum_m |D(n,m)>|D(n,m)> / sqrt(n + 1) on 2n qubits: amplitude 1 / (sqrt(n + 1) C(n, m)) on every
    // |x>_A |y>_B with |x| = |y| = m (|D(n,m)> = sum_{|x| = m} |x> / sqrt(C(n, m))).
    StateVector& dicke_state(unsigned n) {
        std::optional<StateVector>& slot = registers_[2 * n];
        if (!slot) slot.emplace(2 * n);
        std::vector<std::vector<Index>>& weights = by_weight_[n];
        if (weights.empty()) {
            weights.resize(n + 1);
            for (Index x = 0; x < (Index{1} << n); ++x) weights[std::popcount(x)].push_back(x);
        }
        StateVector& psi = *slot;
        const std::span<qsim::Complex> amplitudes = psi.mutable_amplitudes();
        std::fill(amplitudes.begin(), amplitudes.end(), qsim::Complex{0});
        for (unsigned m = 0; m <= n; ++m) {
            const double value = 1 / (std::sqrt(static_cast<double>(n + 1)) * static_cast<double>(weights[m].size()));
            for (const Index x : weights[m]) {
                for (const Index y : weights[m]) amplitudes[x | y << n] = value;
            }
        }
        return psi;
    }

    void measure_dicke(unsigned n) {
        StateVector& psi = dicke_state(n);
        for (unsigned j = 0; j < n; ++j) {
            const unsigned setting = alice_route_[j];
            if (setting != LOST) alice_.click(setting, analyse(psi, j, alice_.angle_rad(setting), rng_));
        }
        for (unsigned j = 0; j < n; ++j) {
            const unsigned setting = bob_route_[j];
            if (setting == LOST) continue;
            const Qubit q[] = {n + j};
            if (link_.channel.misalignment > 0) qsim::apply_channel_trajectory(psi, misalignment_, q, rng_);
            bob_.click(setting, analyse(psi, n + j, bob_.angle_rad(setting), rng_));
        }
    }

    void measure_fock(unsigned n) {
        fock_.reset(n);
        // Lost photons are never measured, which traces them out (the photons are exchangeable, so
        // which of them are lost does not matter).
        for (unsigned j = 0; j < n; ++j) {
            const unsigned setting = alice_route_[j];
            if (setting != LOST) alice_.click(setting, fock_.measure(0, alice_.angle_rad(setting), rng_));
        }
        for (unsigned j = 0; j < n; ++j) {
            const unsigned setting = bob_route_[j];
            if (setting == LOST) continue;
            const int outcome = fock_.measure(1, bob_.angle_rad(setting), rng_);
            bob_.click(setting, outcome ^ static_cast<int>(chance(link_.channel.misalignment, rng_)));
        }
    }

    const Link& link_;
    core::Rng& rng_;
    bool e91_;
    Receiver alice_;
    Receiver bob_;
    boost::random::geometric_distribution<unsigned, double> thermal_;
    qsim::KrausChannel misalignment_;
    double eta_alice_ = 1;
    double eta_bob_ = 1;
    std::vector<std::uint8_t> alice_route_;
    std::vector<std::uint8_t> bob_route_;
    std::vector<std::optional<StateVector>> registers_;       // by qubit count
    std::vector<std::vector<std::vector<Index>>> by_weight_;  // [n][m]: the n-bit strings of weight m
    FockPairs fock_;
};

}  // namespace

RawRecords emulate_qubits(const Link& link, std::uint64_t pulses, core::Rng& rng, const Progress& progress) {
    check(link);
    if (link.source.kind == SourceKind::entangled_pairs) return EntangledPairs(link, rng).run(pulses, progress);
    return PrepareMeasure(link, rng).run(pulses, progress);
}

}  // namespace qkdlab::qkd
