#pragma once
// Error reconciliation, the interface shared by its two methods (Cascade, interactive; LDPC, one way):
// Bob corrects his sifted key towards Alice's, and every bit disclosed on the way is counted as
// leakage, to be removed by privacy amplification.
// Cascade's two sides exchange messages (cascade.h); both read the key in the public orders below.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "qkdlab/core/bit_vector.h"
#include "qkdlab/core/rng.h"

namespace qkdlab::qkd {

// The outcome of reconciling one block. The efficiency is f = leaked_bits / (n h(QBER)) (1 is the
// Shannon limit), computed with reconciliation_efficiency().
struct [[nodiscard]] ReconciliationResult {
    // Bob's key after correction; cleared when success is false.
    core::BitVector corrected_key;
    // The reconciler's own claim that both keys now agree. It is a claim: errors that no disclosed
    // parity or syndrome sees are caught only by error verification.
    bool success = false;
    // Every parity or syndrome bit Alice disclosed.
    std::size_t leaked_bits = 0;
    // Message exchanges: one message and its answer each (Cascade: half its messages, rounded up).
    std::size_t round_trips = 0;
    // f with the estimated QBER the reconciler was given.
    double efficiency = 0;
    // f with the true QBER (the Hamming distance of both input keys over n): known only where both
    // keys are at hand (simulation); NaN otherwise.
    double efficiency_true_qber = 0;
    // Frames the key was reconciled in (LDPC cuts it into code-length frames; Cascade does one), and
    // those that failed (LDPC: not decoded, or decoded to a word that still differs from Alice's
    // where both keys are at hand).
    std::size_t frames = 1;
    std::size_t frame_errors = 0;
};

// f = leaked_bits / (key_bits h(qber)), h the binary entropy; +infinity when h(qber) = 0 and bits
// leaked, 1 when h(qber) = 0 and none leaked (nothing to reconcile, nothing disclosed).
double reconciliation_efficiency(std::size_t leaked_bits, std::size_t key_bits, double qber);

// An order of the key positions that both sides derive from a public seed (it discloses nothing
// about the key). Ranks name positions in that order.
struct KeyOrder {
    enum class Kind : std::uint8_t {
        // The positions in the order shuffled_order(key_bits, seed).
        shuffled,
        // The positions whose bit in random_mask(key_bits, seed) is 1, ascending, then those whose
        // bit is 0, ascending: two random halves (of binomial sizes) without a permutation to build.
        split,
    };
    Kind kind = Kind::shuffled;
    std::uint64_t seed = 0;
};

// The order of key positions that a public seed stands for: order[r] is the position at rank r.
// Fisher-Yates driven by SplitMix64 (Steele, Lea and Flood, OOPSLA 2014) from `seed`, the draw for
// rank i taken as the high 64 bits of x * (i + 1) (Lemire, ACM TOMACS 29, 2019): both sides compute
// the same permutation on every platform. key_bits must be below 2^32.
std::vector<std::uint32_t> shuffled_order(std::size_t key_bits, std::uint64_t seed);

// key_bits uniform bits from `seed`: word w is the (w + 1)-th SplitMix64 output.
core::BitVector random_mask(std::size_t key_bits, std::uint64_t seed);

// A key pair for reconciliation experiments (simulation, tests, benchmarks): Alice's key uniform,
// Bob's her key through a binary symmetric channel, each bit flipped independently with
// probability qber. Throws Error unless 0 <= qber <= 1.
struct KeyPair {
    core::BitVector alice;
    core::BitVector bob;
};
[[nodiscard]] KeyPair binary_symmetric_key_pair(std::size_t bits, double qber, core::Rng& rng);

}  // namespace qkdlab::qkd
