#pragma once
// The secret key length of decoy-state BB84 with finite statistics: Lim, Curty, Walenta, Xu and
// Zbinden, "Concise security bounds for practical decoy-state quantum key distribution", Phys. Rev. A
// 89, 022307 (2014), "LCWXZ" below. Three intensities mu1 > mu2 + mu3, mu2 > mu3 >= 0 (signal, weak
// decoy, vacuum-like decoy); the key comes from the detections of all three in the key basis, the
// other basis estimates the phase error. Against general attacks, with Hoeffding's inequality on the
// decoy counts and a sampling-without-replacement bound on the phase error.
//
// LCWXZ extract the key from their basis X and test in Z; qkdlab keys in Z (setting 0) and tests in
// X (setting 1), so their X and Z are swapped below:
//   l = floor(s_Z0 + s_Z1 - s_Z1 h(phi_Z) - lambda_EC - 6 log2(21/eps_sec) - log2(2/eps_cor)),  (LCWXZ eq. 1)
//   n^±_{b,k} = e^k / p_k (n_{b,k} ± sqrt(n_b / 2 ln(21/eps_sec))),  n_b = sum_k n_{b,k},
//   s_b0 >= tau_0 (mu2 n^-_{b,mu3} - mu3 n^+_{b,mu2}) / (mu2 - mu3),                          (eq. 2)
//   s_b1 >= tau_1 mu1 [n^-_{b,mu2} - n^+_{b,mu3} - (mu2^2 - mu3^2)/mu1^2 (n^+_{b,mu1} - s_b0/tau_0)]
//           / (mu1 (mu2 - mu3) - mu2^2 + mu3^2),                                                (eq. 3)
//   v_X1 <= tau_1 (m^+_{X,mu2} - m^-_{X,mu3}) / (mu2 - mu3),  m^± as n^± with the error counts,   (eq. 4)
//   phi_Z <= v_X1/s_X1 + gamma(eps_sec, v_X1/s_X1, s_X1, s_Z1),                                   (eq. 5)
//   gamma(a, b, c, d) = sqrt((c + d)(1 - b) b / (c d ln 2) log2((c + d) / (c d (1 - b) b) 21^2 / a^2)),
// with tau_n = sum_k p_k e^{-k} k^n / n! and h the binary entropy. eps_cor is the error verification's
// collision probability; lambda_EC every bit that error correction disclosed.

#include <array>
#include <cstdint>

namespace qkdlab::qkd {

// The observed counts of one basis, per intensity (index 0 = mu1, 1 = mu2, 2 = mu3): detections with
// both parties in that basis, and among them the bit errors.
struct BasisCounts {
    std::array<std::uint64_t, 3> detections{};  // n_{b,k}
    std::array<std::uint64_t, 3> errors{};      // m_{b,k} (only the test basis's are used)
};

struct FiniteKeyInput {
    std::array<double, 3> mean_photon_numbers{};      // mu1 > mu2 + mu3, mu2 > mu3 >= 0
    std::array<double, 3> intensity_probabilities{};  // p_k > 0, summing to 1
    BasisCounts key_basis;                            // Z: n_{Z,k}
    BasisCounts test_basis;                           // X: n_{X,k}, m_{X,k}
    double leaked_bits = 0;                           // lambda_EC
    double epsilon_sec = 1e-10;                       // secrecy (0 < eps_sec < 1)
    double epsilon_cor = 1e-15;                       // correctness (0 < eps_cor < 1)
};

// The bounds on the way to the length, in LCWXZ's equations (clamped at zero; phi_Z at 1/2).
struct FiniteKeyBounds {
    double key_vacuum_events = 0;          // s_Z0, eq. (2)
    double key_single_photon_events = 0;   // s_Z1, eq. (3)
    double test_vacuum_events = 0;         // s_X0
    double test_single_photon_events = 0;  // s_X1
    double test_single_photon_errors = 0;  // v_X1, eq. (4)
    double phase_error_rate = 0.5;         // phi_Z, eq. (5)
    double secret_bits = 0;                // the bracket of eq. (1) before the floor (may be negative)
};

struct FiniteKeyLength {
    std::uint64_t length = 0;  // l >= 0: zero means no key from this block
    FiniteKeyBounds bounds;
};

// Throws Error for inputs outside the stated ranges (intensities, probabilities, epsilons, negative or
// non-finite leakage, more errors than detections).
[[nodiscard]] FiniteKeyLength finite_key_length(const FiniteKeyInput& input);

// The same bound for an entangled source (BBM92), where the parties' detectors squash every
// detection to a qubit measurement (basis-independent detection, as in Ma, Fung and Lo, PRA 76,
// 012307 (2007)): there are no vacuum or multi-photon terms to bound, every key-basis detection is a
// "single-photon" event and the test basis's error rate is observed, not bounded. LCWXZ eqs. (1) and
// (5) with s_Z0 = 0, s_Z1 = n_Z, s_X1 = n_X and v_X1 = m_X:
//   phi_Z = m_X/n_X + gamma(eps_sec, m_X/n_X, n_X, n_Z),
//   l = floor(n_Z (1 - h(phi_Z)) - lambda_EC - 6 log2(21/eps_sec) - log2(2/eps_cor)),
// keeping LCWXZ's split of eps_sec (which only makes the bound slightly more conservative).
struct EntangledFiniteKeyInput {
    std::uint64_t key_detections = 0;   // n_Z
    std::uint64_t test_detections = 0;  // n_X
    std::uint64_t test_errors = 0;      // m_X
    double leaked_bits = 0;
    double epsilon_sec = 1e-10;
    double epsilon_cor = 1e-15;
};
// Throws Error for epsilons outside (0, 1), negative or non-finite leakage, or m_X > n_X.
[[nodiscard]] FiniteKeyLength finite_key_length(const EntangledFiniteKeyInput& input);

}  // namespace qkdlab::qkd
