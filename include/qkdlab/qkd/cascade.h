#pragma once
// Cascade, the interactive error reconciliation of Brassard and Salvail ("Secret-key reconciliation
// by public discussion", EUROCRYPT 1993), with the improvements that lower its leakage collected by
// Martinez-Mateo, Pacher, Peev, Ciurana and Martin ("Demystifying the information reconciliation
// protocol Cascade", Quantum Inf. Comput. 15, 453 (2015)):
// - block sizes from the estimated QBER: the original k1 = 0.73/QBER doubling per pass, or the
//   "option (7)" schedule of that paper, k1 = 2^ceil(log2(1/QBER)), k2 = 4 k1, k = n/2 from pass 3,
//   14 passes;
// - each pass reads the key in its own seeded shuffled order (shuffled_order()); a pass of two
//   halves (k = n/2) takes a random split instead (KeyOrder::Kind::split: a seeded random mask,
//   no permutation to build, which is what keeps the 12 late passes of option (7) cheap);
// - binary search (BINARY) discloses one parity per halving, the other half's parity inferred;
// - the parity of the last top-level block of every pass after the first is inferred from the
//   key's total parity (known from the first pass), not asked;
// - every parity Alice disclosed is remembered per pass and never asked again (sub-block reuse);
// - the cascade effect: a corrected bit flips the parity of its block in every pass, and each block
//   that becomes odd is searched, in this pass or an earlier one.
// Round trips are batched: the first request registers every pass's order and asks all top-level
// parities at once (they are Alice's, independent of Bob's corrections); then one request carries
// the next halving of every block under search in the passes under way, pass after pass or, with
// CascadeOptions::start_next_pass_after, overlapping passes.

#include <cstddef>
#include <vector>

#include "qkdlab/core/bit_vector.h"
#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/reconciliation.h"

namespace qkdlab::qkd {

enum class CascadeSchedule {
    // Brassard-Salvail 1993: k1 = ceil(0.73 / QBER), k_i = 2 k_{i-1}, 4 passes.
    original,
    // Martinez-Mateo et al. 2015, option (7): k1 = 2^ceil(log2(1/QBER)), k2 = 4 k1, k_i = n/2 for
    // i >= 3, 14 passes.
    option7,
};

struct CascadeOptions {
    CascadeSchedule schedule = CascadeSchedule::option7;
    // When the searches of pass p + 1 start. 0: once no block of passes 1..p differs (pass after
    // pass, the least leakage). r >= 1: also once the passes under way have taken r round trips since
    // pass p started, so that passes overlap: fewer round trips for more leakage (a large block of a
    // later pass finds, for more parities, errors that the small blocks of earlier passes would have
    // found). 1 starts nearly every pass at once. Measured trade-off: docs/postprocessing.md.
    std::size_t start_next_pass_after = 0;
};

// The top-level block size of each pass for a key of key_bits at the estimated QBER (a QBER below
// 1e-6 counts as 1e-6); every size is clipped to [1, max(1, key_bits / 2)].
std::vector<std::size_t> cascade_block_sizes(CascadeSchedule schedule, std::size_t key_bits, double estimated_qber);

// Bob's side: corrects bob_key with the parities `alice` discloses. Shuffle seeds are drawn from rng.
// The result's leaked_bits and round_trips are those this call added to the oracle's counters;
// efficiency_true_qber is NaN (only Alice's parities are known here). Cascade ends when every
// disclosed parity agrees with Bob's key and then claims success; it reports failure (key cleared)
// only if Alice's answers contradict each other so that corrections would undo one another (more
// than key_bits corrections). Throws qkdlab::Error if the key is empty, longer than 2^32 - 1 bits or
// not as long as Alice's, or if estimated_qber is outside [0, 0.5).
ReconciliationResult cascade_reconcile(ParityOracle& alice, const core::BitVector& bob_key, double estimated_qber,
                                       const CascadeOptions& options, core::Rng& rng);

// Both sides in one process (simulation): an InProcessParityOracle over alice_key, and
// efficiency_true_qber from the Hamming distance of the two keys.
ReconciliationResult cascade_reconcile(const core::BitVector& alice_key, const core::BitVector& bob_key,
                                       double estimated_qber, const CascadeOptions& options, core::Rng& rng);

}  // namespace qkdlab::qkd
