#pragma once
// Parameter estimation with finite-size statistics (docs/postprocessing.md, "Parameter estimation").
//
// After sifting (sifting.h) Alice draws a random sample of the key positions and announces it; both
// parties disclose the sampled key bits and all their test bits (the X basis; E91: the CHSH
// settings), compare them, and remove the sample from the key. The key's bit error rate e_bit is
// estimated from the sample and the phase error rate e_ph from the test bits (E91: from the sample
// too; its CHSH value is computed from test_by_settings by a later stage), each as a
// Clopper-Pearson interval. The block is aborted when the upper bounds leave no key even
// asymptotically at the given reconciliation efficiency f (Shor and Preskill 2000):
//   h(e_ph^U) + f h(e_bit^U) >= 1   (or either bound >= 1/2),
// which at e_ph = e_bit is e >= qber_limit(f), 11.0% for f = 1 and 9.8% for f = 1.16.
//
// Every bit a party discloses here is counted (disclosed_bits); the finite-key length of the
// privacy amplification stage must not count the sampled bits, which are no longer in the key.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "qkdlab/core/bit_vector.h"
#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/sifting.h"

namespace qkdlab::qkd {

// The two-sided Clopper-Pearson interval (Clopper and Pearson, Biometrika 26, 404 (1934)) of a
// binomial error probability from `errors` in `bits` trials: with probability at least
// 1 - failure_probability the true probability lies in [lower, upper]; each side fails with at most
// failure_probability / 2. lower = B^{-1}(a/2; k, n - k + 1), upper = B^{-1}(1 - a/2; k + 1, n - k),
// with B the beta distribution (GSL's gsl_cdf_beta_P / Q inverted by bisection to double precision);
// lower = 0 at k = 0, upper = 1 at k = n (and [0, 1] for n = 0). Throws Error unless errors <= bits and 0 <
// failure_probability < 1.
struct QberInterval {
    std::uint64_t bits = 0;
    std::uint64_t errors = 0;
    double qber = 0;  // errors / bits (0 for no bits)
    double lower = 0;
    double upper = 1;
};
QberInterval clopper_pearson(std::uint64_t errors, std::uint64_t bits, double failure_probability);

// The QBER above which no key is left even asymptotically: the root of (1 + f) h(e) = 1 in (0, 1/2)
// (f = 1: 0.1100). Throws Error unless f >= 1.
double qber_limit(double reconciliation_efficiency);

struct EstimationOptions {
    // The share of the sifted key disclosed to estimate its QBER, in (0, 1); at least one bit is
    // sampled and at least one is left.
    double sample_fraction = 0.1;
    // eps_PE: the chance that a true error rate lies outside its interval (per interval, two-sided).
    double failure_probability = 1e-10;
    // f in the abort rule (reconciliation.h reports the f actually reached).
    double reconciliation_efficiency = 1.16;
};
// Throws ConfigError naming the field if an option is out of range.
void check(const EstimationOptions& options);

// Agreement and disagreement of the disclosed test bits, per packed settings (pack_settings): for
// decoy BB84 the X-basis counts n_{X,k} and errors m_{X,k} of intensity k are the entries with
// Alice's and Bob's setting 1; for E91 the entries of the CHSH settings give E(a, b) = 1 - 2 errors / bits.
struct BitTally {
    std::uint64_t bits = 0;
    std::uint64_t errors = 0;
};

enum class AbortReason { none, no_key, qber_above_limit };
std::string to_string(AbortReason reason);

// A sample of key positions: `mask` has the key's length and a one at each sampled position.
struct KeySample {
    core::BitVector mask;
    std::size_t bits = 0;  // mask.popcount()
};
// Alice's random sample of round(sample_fraction * key_bits) positions (clamped to [1, key_bits - 1];
// none for a key of fewer than 2 bits), uniform without replacement (Floyd's algorithm, one draw per sampled position).
KeySample draw_sample(std::size_t key_bits, double sample_fraction, core::Rng& rng);
// The bits of `bits` at the mask's ones (what a party discloses), or at its zeros (what it keeps).
// Throws Error if the sizes differ.
core::BitVector select_bits(const core::BitVector& bits, const core::BitVector& mask, bool at_ones);

struct ParameterEstimate {
    bool aborted = true;
    AbortReason reason = AbortReason::no_key;
    QberInterval bit_error;    // the disclosed sample of the key
    QberInterval phase_error;  // the test bits (E91: the sample again)
    std::array<BitTally, 64> test_by_settings{};
    double qber_limit = 0;              // qber_limit(f), for the report
    std::uint64_t disclosed_bits = 0;   // by each party: the sample and the test bits
    std::uint64_t sifted_key_bits = 0;  // before the sample was removed
    // The keys left after removing the sample (empty when aborted), and their pulse indices.
    core::BitVector alice_key;
    core::BitVector bob_key;
    std::vector<std::uint64_t> key_pulse_index;
};

// What one party discloses: its bits at the sampled key positions and all its test bits.
struct Disclosure {
    core::BitVector sample_bits;
    core::BitVector test_bits;
};
[[nodiscard]] Disclosure disclose(const SiftedKey& own, const KeySample& sample);

// The estimate both parties reach from the two disclosures; it is the same on both sides and holds
// no key (alice_key, bob_key and key_pulse_index stay empty: each side removes the sample from its
// own key with select_bits(key, sample.mask, false)). `own` gives the protocol, the key length and the
// test bits' settings, which both sides share. Throws Error if a disclosure's sizes do not fit
// `own` and the sample, or the options are out of range (ConfigError).
[[nodiscard]] ParameterEstimate assess_disclosures(const SiftedKey& own, const KeySample& sample,
                                                   const Disclosure& alice, const Disclosure& bob,
                                                   const EstimationOptions& options);

// The whole exchange in process: Alice draws the sample from `rng`, both sides disclose, compare and
// remove it. Throws Error if the two sifted keys do not come from the same announcement (their sizes
// or pulse indices differ) or the options are out of range (ConfigError).
[[nodiscard]] ParameterEstimate estimate_parameters(const SiftedKey& alice, const SiftedKey& bob,
                                                    const EstimationOptions& options, core::Rng& rng);

}  // namespace qkdlab::qkd
