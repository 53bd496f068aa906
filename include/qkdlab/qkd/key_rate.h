#pragma once
// Asymptotic key rates of QKD over a lossy, noisy link, in closed form (no sampling): the standard
// channel model of decoy-state analysis (Ma, Qi, Zhao and Lo, Phys. Rev. A 72, 012326 (2005), "MQZL"
// below), the GLLP key rate (Gottesman, Lo, Lütkenhaus and Preskill, Quantum Inf. Comput. 4, 325
// (2004)), the decoy bounds of MQZL from measured gains and error rates (vacuum + weak decoy, or two
// weak decoys), and the entangled-pair (BBM92) model and rate of Ma, Fung and Lo, Phys. Rev. A 76,
// 012307 (2007), "MFL" below.
//
// Each formula has one copy: the functions that take the measured values (ObservedIntensity, ...)
// hold it, and those that take a LinkParameters compute the expected observation from the channel
// model and call them.

#include "qkdlab/qkd/link_parameters.h"

namespace qkdlab::qkd {

// h(x) = -x log2 x - (1 - x) log2(1 - x), with h(0) = h(1) = 0.
double binary_entropy(double x);

// Overall transmittance eta = eta_Bob * 10^{-(loss_db_per_km * length_km + extra_loss_db) / 10}.
double transmittance(const LinkParameters& link);

// What a weak coherent pulse of mean photon number mu gives (MQZL eqs. 7-10):
// gain Q = Y0 + 1 - e^{-eta mu}, error E = (e0 Y0 + e_d (1 - e^{-eta mu})) / Q with e0 = 1/2,
// and the single-photon yield Y1 = Y0 + eta - Y0 eta and error e1 = (e0 Y0 + e_d eta) / Y1.
struct PulseStatistics {
    double gain = 0;
    double qber = 0;
};
PulseStatistics coherent_pulse(const LinkParameters& link, double mu);

struct SinglePhoton {
    double yield = 0;  // Y1
    double error = 0;  // e1
};
SinglePhoton single_photon(const LinkParameters& link);

// ---- Rates from measured values -----------------------------------------------------------------

// What the parties measure for one intensity of a phase-randomised weak coherent source: its mean
// photon number, the gain (detections per pulse sent at it) and the QBER of its sifted detections.
struct ObservedIntensity {
    double mean_photon_number = 0;
    double gain = 0;
    double qber = 0;
};

// Vacuum + weak decoy (MQZL section on the vacuum + weak decoy state): the signal mu, one weak
// decoy nu < mu and the vacuum's gain Y0.
struct VacuumWeakObservation {
    ObservedIntensity signal;  // mu, Q_mu, E_mu
    ObservedIntensity weak;    // nu, Q_nu, E_nu with 0 < nu < mu
    double vacuum_yield = 0;   // Y0, the gain of the vacuum pulses
};

// Two weak decoys and no vacuum (MQZL's general decoy method, one signal and two decoys):
// nu1 > nu2 > 0 with nu1 + nu2 < mu, Y0 is bounded from the decoys themselves.
struct TwoDecoyObservation {
    ObservedIntensity signal;  // mu
    ObservedIntensity decoy1;  // nu1, the stronger decoy
    ObservedIntensity decoy2;  // nu2
};

// Lower bound on the single-photon yield Y1 and upper bound on the single-photon error e1 that hold
// whatever Eve does (asymptotically). Y1^L is clamped to [0, 1], e1^U to [0, 1/2] (1/2 if Y1^L = 0).
struct DecoyBounds {
    double yield_lower = 0;  // Y1^L
    double error_upper = 0;  // e1^U
};
// MQZL eqs. (34) and (37):
//   Y1^L = mu / (mu nu - nu^2) [Q_nu e^nu - Q_mu e^mu nu^2/mu^2 - (mu^2 - nu^2)/mu^2 Y0],
//   e1^U = (E_nu Q_nu e^nu - e0 Y0) / (Y1^L nu).
// Throws Error unless 0 < nu < mu and the gains and QBERs lie in [0, 1].
DecoyBounds vacuum_weak_bounds(const VacuumWeakObservation& observed);
// MQZL general decoy method with nu1 > nu2 > 0 (their eqs. (16)-(21) with the e1 bound that follows):
//   Y0^L = max{(nu1 Q_nu2 e^nu2 - nu2 Q_nu1 e^nu1) / (nu1 - nu2), 0},
//   Y1^L = mu / (mu nu1 - mu nu2 - nu1^2 + nu2^2)
//          [Q_nu1 e^nu1 - Q_nu2 e^nu2 - (nu1^2 - nu2^2)/mu^2 (Q_mu e^mu - Y0^L)],
//   e1^U = (E_nu1 Q_nu1 e^nu1 - E_nu2 Q_nu2 e^nu2) / ((nu1 - nu2) Y1^L).
// Throws Error unless nu1 > nu2 > 0 and nu1 + nu2 < mu.
DecoyBounds two_decoy_bounds(const TwoDecoyObservation& observed);

// The GLLP rate of the signal with decoy bounds, per pulse of the signal (MQZL eq. (1)):
// R = q {-Q_mu f h(E_mu) + Q1^L [1 - h(e1^U)]} with Q1^L = Y1^L mu e^{-mu}; never negative.
double decoy_key_rate(const ObservedIntensity& signal, const DecoyBounds& bounds, double error_correction_efficiency,
                      double sifting_factor);

// BB84 with weak coherent pulses and no decoys (GLLP, every multi-photon pulse assumed to reach Bob
// and to be known to Eve): Delta = (1 - (1 + mu) e^{-mu}) / Q_mu,
// R = q {-Q f h(E) + Q (1 - Delta) [1 - h(E / (1 - Delta))]}; 0 if Delta >= 1. Never negative.
double no_decoy_key_rate(const ObservedIntensity& signal, double error_correction_efficiency, double sifting_factor);

// A source whose emissions leak nothing to Eve before she acts on the channel (an ideal single-photon
// source, GLLP with Delta = 0; an entangled-pair source, Koashi-Preskill as used by MFL eq. (11)):
// R = q Q [1 - f h(E) - h(E)], never negative.
double basis_independent_key_rate(double gain, double qber, double error_correction_efficiency, double sifting_factor);

// ---- Rates of the closed-form channel model -------------------------------------------------------

// Key bits per pulse of the signal, never negative (0 where no key can be made).
// Decoy-state BB84 with infinitely many decoys (Y1, e1 known exactly):
// R = q {-Q_mu f h(E_mu) + Q_1 [1 - h(e_1)]} with Q_1 = Y1 mu e^{-mu}.
double decoy_infinite_key_rate(const LinkParameters& link, double mu);

// Vacuum + weak decoy (MQZL eqs. 34 and 37) on the gains the channel model gives the signal mu and
// the weak decoy nu < mu, then the GLLP rate with them.
DecoyBounds vacuum_weak_bounds(const LinkParameters& link, double mu, double nu);
double decoy_vacuum_weak_key_rate(const LinkParameters& link, double mu, double nu);

// BB84 with weak coherent pulses and no decoys, on the channel model's Q_mu and E_mu.
double bb84_no_decoy_key_rate(const LinkParameters& link, double mu);

// BB84 with an ideal single-photon source: R = q Y1 [1 - f h(e1) - h(e1)].
double single_photon_key_rate(const LinkParameters& link);

// ---- Entangled pairs (MFL) --------------------------------------------------------------------------

// An entangled-pair link as MFL model it: a type-II SPDC source of two thermal modes of mean lambda
// each (n pairs with probability (n + 1) lambda^n / (1 + lambda)^{n+2}, MFL eq. (5)) sends one photon
// of each pair to Alice and one to Bob; each arm (fibre and detectors) passes a photon with its
// transmittance and clicks without one with its background probability.
struct PairLinkParameters {
    double alice_transmittance = 1;             // eta_A, detector efficiency included
    double bob_transmittance = 1;               // eta_B
    double alice_dark_count_probability = 0;    // Y0A: a click of Alice's receiver with no photon
    double bob_dark_count_probability = 0;      // Y0B
    double misalignment = 0;                    // e_d
    double error_correction_efficiency = 1.22;  // f >= 1
    double sifting_factor = 0.5;                // q
};
// Throws Error naming the field if a parameter is out of its range.
void check(const PairLinkParameters& link);

// The coincidence gain and QBER for lambda = half the mean pair number (MFL eqs. (9) and (10)):
// Q = 1 - (1 - Y0A)/(1 + eta_A lambda)^2 - (1 - Y0B)/(1 + eta_B lambda)^2
//       + (1 - Y0A)(1 - Y0B)/(1 + eta_A lambda + eta_B lambda - eta_A eta_B lambda)^2,
// E Q = e0 Q - 2 (e0 - e_d) eta_A eta_B lambda (1 + lambda)
//              / [(1 + eta_A lambda)(1 + eta_B lambda)(1 + eta_A lambda + eta_B lambda - eta_A eta_B lambda)].
PulseStatistics entangled_pairs(const PairLinkParameters& link, double lambda);

// BBM92 (MFL eq. (11)): R = q Q_lambda [1 - f h(E_lambda) - h(E_lambda)] per pulse, never negative.
double bbm92_key_rate(const PairLinkParameters& link, double lambda);

// ---- E91 ----------------------------------------------------------------------------------------------

// The secret fraction of E91 from the CHSH value S and the QBER Q of the key pair against
// collective attacks (Acín, Brunner, Gisin, Massar, Pironio and Scarani, Phys. Rev. Lett. 98,
// 230501 (2007)): r = 1 - f h(Q) - h((1 + sqrt((S/2)^2 - 1)) / 2); 0 when S <= 2 or r < 0.
double e91_secret_fraction(double chsh, double qber, double error_correction_efficiency = 1.0);

}  // namespace qkdlab::qkd
