#pragma once
// LDPC error reconciliation: one way (Alice sends syndromes, Bob decodes, Bob announces which frames
// he decoded), rate-adaptive by puncturing and shortening (Elkouss, Martinez-Mateo and Martin,
// "Secure rate-adaptive reconciliation", ISITA 2010, and "Information reconciliation for quantum key
// distribution", Quantum Inf. Comput. 11, 226 (2011)), decoded by belief propagation (layered
// sum-product) on the syndrome.
//
// A key is cut into frames of equal size (to one bit) of a mother code of frame_bits symbols each
// (a key that fits one frame uses the shortest code frame_bits / 2^j, down to 1024, that holds it).
// Per frame, from the
// estimated QBER q, the target rate is R* = 1 - target_efficiency h(q); the mother code (design
// rate R0, M checks) and the numbers of punctured p and shortened s symbols are chosen so that the
// frame's k = N - p - s key bits see the effective rate R = (N - M - s) / (N - p - s) = R*
// (rounded). Shortened symbols hold bits both sides derive from a public seed; punctured symbols
// hold Alice's private random bits. Alice sends the syndrome of the whole N-bit word.
//
// Leakage: M syndrome bits per frame, less p when the punctured columns are proven to have full
// column rank p (peeled_column_rank(): then the p private random bits one-time-pad p syndrome bits
// and at most M - p bits are about the key); plus, in ldpc_reconcile, one bit per frame for Bob's
// announcement of which frames he decoded.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "qkdlab/core/bit_vector.h"
#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/ldpc_code.h"
#include "qkdlab/qkd/reconciliation.h"

namespace qkdlab::qkd {

struct LdpcOptions {
    // N, the length of the mother codes (key bits per frame are N - p - s); keys shorter than one
    // frame use N / 2^j (down to 1024).
    std::uint32_t frame_bits = 1u << 16;
    // The design rates of the mother codes to choose from (each in [0.3, 0.98]).
    std::vector<double> mother_rates{0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.95};
    // f* > 1: the efficiency each frame's rate is chosen for, R* = 1 - f* h(q). 1.17 is the lowest
    // measured to keep the frame error rate under 1e-2 at QBER 2-8% on blocks of 10^5 bits and more
    // with these codes (1% needs more; bench/RESULTS.md, "LDPC reconciliation quality").
    double target_efficiency = 1.17;
    // delta: p + s of a full frame, as a fraction of N (Elkouss et al. 2010); frames carry at most
    // N (1 - delta) key bits. In [0, 0.5].
    double adaptation_fraction = 0.1;
    // Belief-propagation iterations per frame before Bob gives the frame up.
    std::uint32_t max_iterations = 60;
    // Seeds the construction of every mother code.
    std::uint64_t code_seed = 0x1dbc0de5eedULL;
};

// Throws qkdlab::ConfigError naming the field (/frame_bits, /mother_rates, /target_efficiency,
// /adaptation_fraction, /max_iterations) and its allowed range.
void check(const LdpcOptions& options);

// One frame as Alice sends it: everything Bob needs to rebuild the code and the frame's layout.
struct LdpcFrame {
    LdpcCodeParameters code;
    // The first `punctured` variables of the code's puncturing order hold Alice's private bits.
    std::uint32_t punctured = 0;
    // Shortened symbols: the first `shortened` non-punctured variables in shuffled_order(N,
    // shortening_seed); their values are random_mask(N, shortening_seed + 1) there.
    std::uint32_t shortened = 0;
    std::uint64_t shortening_seed = 0;
    // H x for the frame's word x (key bits on the remaining variables, ascending).
    core::BitVector syndrome;

    std::size_t key_bits() const { return code.bits - punctured - shortened; }
};

// Alice's message.
struct LdpcSyndromes {
    std::size_t key_bits = 0;
    std::vector<LdpcFrame> frames;
    // Sum over frames of M - (punctured columns proven independent).
    std::size_t leaked_bits = 0;
};

// Alice's side. rng draws her private punctured bits and the public shortening seeds. Throws
// qkdlab::Error for an empty key or an estimated QBER outside [0, 0.5), ConfigError for options.
LdpcSyndromes ldpc_syndromes(const core::BitVector& alice_key, double estimated_qber, const LdpcOptions& options,
                             core::Rng& rng);

struct LdpcDecoding {
    // Bob's key with every decoded frame corrected (frames not decoded hold his bits unchanged).
    core::BitVector corrected_key;
    // Per frame: the decoder found a word with Alice's syndrome (Bob's claim; he announces it).
    std::vector<bool> frame_decoded;
    // Belief-propagation iterations over all frames.
    std::size_t iterations = 0;
    // Edge updates over all frames (each iteration updates every edge of the frame's code once).
    std::size_t edge_updates = 0;
};

// Bob's side. Validates the message against his key and options first: key_bits equal to his key
// length, frame lengths adding up to it, code parameters valid with frame_bits N, p within the
// code's puncturing order, p + s <= N, syndrome sizes M, leaked_bits as recomputed; throws
// qkdlab::Error naming what is inconsistent otherwise.
LdpcDecoding ldpc_decode(const core::BitVector& bob_key, const LdpcSyndromes& syndromes, double estimated_qber,
                         const LdpcOptions& options);

// The key bits of the frames marked decoded, in order (both sides apply it with Bob's flags).
core::BitVector keep_decoded_frames(const core::BitVector& key, const LdpcSyndromes& syndromes,
                                    const std::vector<bool>& frame_decoded);

// Both sides in one process (simulation, tests, benchmarks). corrected_key: Bob's bits of the
// decoded frames only; success: at least one frame decoded; leaked_bits: the syndromes' leakage
// plus one bit per frame (Bob's announcement); round_trips 1; frames and frame_errors (frames not
// decoded, plus decoded frames that still differ from Alice's, which only error verification would
// catch); efficiency over the bits of all frames with the estimated and the true QBER.
ReconciliationResult ldpc_reconcile(const core::BitVector& alice_key, const core::BitVector& bob_key,
                                    double estimated_qber, const LdpcOptions& options, core::Rng& rng);

}  // namespace qkdlab::qkd
