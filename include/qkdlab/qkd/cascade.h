#pragma once
// Cascade, the interactive error reconciliation of Brassard and Salvail ("Secret-key reconciliation
// by public discussion", EUROCRYPT 1993), with the improvements that lower its leakage collected by
// Martinez-Mateo, Pacher, Peev, Ciurana and Martin ("Demystifying the information reconciliation
// protocol Cascade", Quantum Inf. Comput. 15, 453 (2015)):
// - block sizes from the estimated QBER: the original k1 = 0.73/QBER doubling per pass, or the
//   "option (7)" schedule of that paper, k1 = 2^ceil(log2(1/QBER)), k2 = 4 k1, k = n/2 from pass 3,
//   14 passes, here with k2 = 2 k1 by default (CascadeOptions::second_block_factor);
// - each pass reads the key in its own seeded shuffled order (shuffled_order()); a pass of two
//   halves (k = n/2) takes a random split instead (KeyOrder::Kind::split: a seeded random mask,
//   no permutation to build, which is what keeps the 12 late passes of option (7) cheap);
// - binary search (BINARY) discloses one parity per halving, the other half's parity inferred;
// - the parity of the last top-level block of every pass after the first is inferred from the
//   key's total parity (known from the first pass), not asked;
// - every parity Alice disclosed is remembered per pass and never asked again (sub-block reuse);
// - the cascade effect: a corrected bit flips the parity of its block in every pass, and each block
//   that becomes odd is searched, in this pass or an earlier one.
//
// Both sides run the same state machine over the same public state, and their messages alternate.
// Alice's first message plans the passes (their public key orders and block sizes) and carries her
// parity of every top-level block. From then on every message carries, for each range whose parity
// the other side sent last, one bit: whether the two parities differ; and the sender's parity of
// each range the state machine asks next (the left half of the range each search under way has
// narrowed down to). The receiver compares them with its own, and so each message advances every
// search by one halving, where a request and its answer did before: half the round trips.
// - Both sides know, after each message, the parity of the difference of the two keys over every
//   range compared (the other's parity xor its own, or the bit sent back), and the bits corrected
//   (where the searches ended); so they know which blocks differ now, in every pass, and need not
//   ask twice. Bob corrects his key; Alice only tracks the corrected positions.
// - Leakage: per range compared, Eve sees one side's parity and the difference bit, that is both
//   keys' parities of the range, as in request-and-answer Cascade (Alice's answer, and Bob's parity
//   from the half his next request chose). leaked_bits counts one bit per range compared, as before.
// - The top-level blocks of all passes are compared at once in the first two messages (Alice's
//   parities do not depend on corrections); a pass's searches start by CascadeOptions.

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "qkdlab/core/bit_vector.h"
#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/reconciliation.h"

namespace qkdlab::qkd {

enum class CascadeSchedule {
    // Brassard-Salvail 1993: k1 = ceil(0.73 / QBER), k_i = 2 k_{i-1}, 4 passes.
    original,
    // Martinez-Mateo et al. 2015, option (7): k1 = 2^ceil(log2(1/QBER)), k2 = 4 k1 (here
    // CascadeOptions::second_block_factor times k1), k_i = n/2 for i >= 3, 14 passes.
    option7,
};

struct CascadeOptions {
    CascadeSchedule schedule = CascadeSchedule::option7;
    // When the searches of pass p + 1 start. 0: once no block of passes 1..p differs (pass after
    // pass, the least leakage). r >= 1: also once the passes under way have taken r messages since
    // pass p started, so that passes overlap: fewer messages for more leakage (a large block of a
    // later pass finds, for more parities, errors that the small blocks of earlier passes would have
    // found). 1 starts nearly every pass at once. Measured trade-off: docs/postprocessing.md.
    std::size_t start_next_pass_after = 0;
    // Option (7)'s second block size over its first: 2 by default, or the paper's 4. The shorter
    // second block shortens the walks of passes 1 and 2 correcting each other: measured over 10^4 to
    // 10^6 bits at 1-8% (docs/postprocessing.md), about half the round trips (43-126 against
    // 68-273) and up to 35% faster, for f 0.007 to 0.013 higher at 10^5 and 10^6 bits (1.041-1.075
    // against 1.033-1.064) and lower or equal at 10^4 but for 8%. Over an authenticated channel
    // each message costs 64 bits of pre-shared key, so the chain delivers more key with 2 (one
    // emulated second of metro-25km: 2.8e3 final bits fewer, 2.6e4 authentication bits fewer). At
    // least 1.
    std::size_t second_block_factor = 2;
};

// The top-level block size of each pass for a key of key_bits at the estimated QBER (a QBER below
// 1e-6 counts as 1e-6); every size is clipped to [1, max(1, key_bits / 2)]. Throws qkdlab::Error if
// options.second_block_factor is 0.
std::vector<std::size_t> cascade_block_sizes(const CascadeOptions& options, std::size_t key_bits,
                                             double estimated_qber);

// One pass as Alice plans it: the order its blocks are read in, and their size (a split order's
// blocks are its two parts; block_bits is then n / 2, for the record).
struct CascadePass {
    KeyOrder order;
    std::size_t block_bits = 0;
};

// One message of either side.
struct CascadeMessage {
    // Alice's first message only: the passes, and CascadeOptions::start_next_pass_after.
    std::vector<CascadePass> passes;
    std::size_t start_next_pass_after = 0;
    // One bit per parity of the peer's last message, in order: whether it differs from the sender's.
    core::BitVector differences;
    // The sender's parity of each range the shared state asks next, in order.
    core::BitVector parities;
};

// One side of Cascade. Alice starts with first_message(); then each side passes every message it
// receives to step(), which answers with the message to send, or nothing when the exchange is over
// (then done()). The last message is the one that asks no parity; its receiver sends nothing.
// step() throws qkdlab::Error for a message that does not fit the shared state (a plan of no passes
// or more than 64, a block longer than the key, a split order with an empty part, a wrong number of
// bits, a message out of turn): then the party is over, step() throws again and result() reports
// failure.
class CascadeParty {
  public:
    // Alice plans the passes from the estimated QBER and `options`; the orders' seeds are drawn from
    // rng. Throws qkdlab::Error if the key is empty or has 2^32 bits or more, or if estimated_qber
    // is outside [0, 0.5).
    static CascadeParty alice(core::BitVector key, double estimated_qber, const CascadeOptions& options,
                              core::Rng& rng);
    // Bob follows Alice's plan; estimated_qber only serves the result's efficiency. The same checks.
    static CascadeParty bob(core::BitVector key, double estimated_qber);

    CascadeParty(CascadeParty&&) noexcept;
    CascadeParty& operator=(CascadeParty&&) noexcept;
    ~CascadeParty();  // wipes the keys held

    // Alice, once, before anything else.
    CascadeMessage first_message();
    std::optional<CascadeMessage> step(const CascadeMessage& incoming);
    bool done() const;
    // Messages sent and received so far, both directions (the same count on both sides).
    std::size_t messages() const;
    // Corrections made so far (bits of Bob's key flipped; both sides know them).
    std::size_t corrections() const;

    // Once done(): this side's key (Bob's corrected; Alice's as given), cleared when success is
    // false; leaked_bits, one per range compared; round_trips = ceil(messages / 2); efficiency with
    // the estimated QBER; efficiency_true_qber NaN. Cascade ends when every range compared agrees
    // and then claims success; it fails only if the messages contradict each other so that
    // corrections would undo one another (more than key_bits corrections). Both sides reach the
    // same verdict. Once only: it moves the key out.
    ReconciliationResult result();

  private:
    struct State;
    explicit CascadeParty(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

// Both sides in one process (simulation): Alice and Bob exchanging their messages in this thread.
// Bob's result, with efficiency_true_qber from the Hamming distance of the two keys. Throws
// qkdlab::Error as CascadeParty does, or if the keys' lengths differ.
ReconciliationResult cascade_reconcile(const core::BitVector& alice_key, const core::BitVector& bob_key,
                                       double estimated_qber, const CascadeOptions& options, core::Rng& rng);

}  // namespace qkdlab::qkd
