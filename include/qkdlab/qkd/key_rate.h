#pragma once
// Asymptotic key rates of prepare-and-measure QKD over a lossy, noisy link, in closed form (no
// sampling): the standard channel model of decoy-state analysis (Ma, Qi, Zhao and Lo, Phys. Rev. A
// 72, 012326 (2005), "MQZL" below), the GLLP key rate (Gottesman, Lo, Lütkenhaus and Preskill,
// Quantum Inf. Comput. 4, 325 (2004)) and the vacuum + weak decoy bounds of MQZL section III.B.

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

// Key bits per pulse, never negative (0 where no key can be made).
// Decoy-state BB84 with infinitely many decoys (Y1, e1 known exactly):
// R = q {-Q_mu f h(E_mu) + Q_1 [1 - h(e_1)]} with Q_1 = Y1 mu e^{-mu}.
double decoy_infinite_key_rate(const LinkParameters& link, double mu);

// Vacuum + weak decoy (MQZL eqs. 34-35): lower bound on Y1 and upper bound on e1 from the gains of
// the signal mu and the weak decoy nu < mu (and the vacuum's Y0), then the GLLP rate with them.
struct DecoyBounds {
    double yield_lower = 0;  // Y1^L
    double error_upper = 0;  // e1^U
};
DecoyBounds vacuum_weak_bounds(const LinkParameters& link, double mu, double nu);
double decoy_vacuum_weak_key_rate(const LinkParameters& link, double mu, double nu);

// BB84 with weak coherent pulses and no decoys: GLLP with the worst case that every multi-photon
// pulse reaches Bob, Delta = (1 - (1 + mu) e^{-mu}) / Q_mu:
// R = q {-Q f h(E) + Q (1 - Delta) [1 - h(E / (1 - Delta))]}.
double bb84_no_decoy_key_rate(const LinkParameters& link, double mu);

// BB84 with an ideal single-photon source: R = q Y1 [1 - f h(e1) - h(e1)].
double single_photon_key_rate(const LinkParameters& link);

// The secret fraction of E91 from the CHSH value S and the QBER Q of the key pair against
// collective attacks (Acín, Brunner, Gisin, Massar, Pironio and Scarani, Phys. Rev. Lett. 98,
// 230501 (2007)): r = 1 - f h(Q) - h((1 + sqrt((S/2)^2 - 1)) / 2); 0 when S <= 2 or r < 0.
double e91_secret_fraction(double chsh, double qber, double error_correction_efficiency = 1.0);

}  // namespace qkdlab::qkd
