#pragma once
// The whole classical post-processing of one block, as the two parties run it: each side holds only
// its own half of the raw records and talks to the other only through an authenticated
// ClassicalChannel (docs/postprocessing.md, "The chain"). The same code runs in one process (two
// threads over in_process_channel_pair, `qkdlab link --postprocess`) and in two (`qkdlab node`, TCP).
//
//   hello        both: protocol version and a fingerprint of the link and options (they must agree)
//   detections   Bob -> Alice: the pulses he detected and his settings
//   settings     Alice -> Bob: her settings and intensities for them, and the pulses per intensity
//                -> both sift (sifting.h)
//   estimation   Alice -> Bob: a random sample of key positions, her sampled and test bits;
//                Bob -> Alice: his; both reach the same estimate or abort (parameter_estimation.h)
//   reconcile    Cascade: both sides compare parities, messages alternating (cascade.h); LDPC: Alice sends the
//                syndromes, Bob decodes and announces the decoded frames (ldpc.h)
//   verification Alice -> Bob: a fresh hash and her tag; Bob -> Alice: agreed or not (verification.h)
//   privacy      both compute the finite-key length l (finite_key.h); Alice -> Bob: the block's id,
//                l and the Toeplitz seed; both hash (privacy_amplification.h)
//   confirmation Alice -> Bob: a hash of her final key one-time-padded with its own last 64 bits
//                (which are dropped); Bob -> Alice: whether his agrees (keys_identical)
//   replenish    both move as many key bits into the authentication pool as the block's messages used
//                from it, and hand the rest to the key sink
//
// An abort (a bound that leaves no key, a failed reconciliation or verification, a message that
// fails authentication, a peer that aborted) is an outcome, not an exception: the report says where
// and why, and no key is output. A transport failure (ChannelError) propagates.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "qkdlab/core/bit_vector.h"
#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/authentication.h"
#include "qkdlab/qkd/cascade.h"
#include "qkdlab/qkd/classical_channel.h"
#include "qkdlab/qkd/finite_key.h"
#include "qkdlab/qkd/key_block.h"
#include "qkdlab/qkd/ldpc.h"
#include "qkdlab/qkd/link.h"
#include "qkdlab/qkd/parameter_estimation.h"
#include "qkdlab/qkd/raw_records.h"
#include "qkdlab/qkd/sifting.h"

namespace qkdlab::qkd {

enum class ReconciliationMethod { cascade, ldpc };
std::string to_string(ReconciliationMethod method);
// "cascade" or "ldpc"; throws Error otherwise.
ReconciliationMethod parse_reconciliation_method(const std::string& name);

struct PostprocessOptions {
    EstimationOptions estimation;
    ReconciliationMethod reconciliation = ReconciliationMethod::cascade;
    CascadeOptions cascade;
    LdpcOptions ldpc;
    double epsilon_sec = 1e-10;  // the final key's secrecy (Lim et al. 2014)
    double epsilon_cor = 1e-15;  // its correctness: the verification hash's collision probability
};
// Throws ConfigError naming the option (/estimation/sample_fraction, /epsilon_sec, ...).
void check(const PostprocessOptions& options);

// Throws Error unless the link's protocol has a finite-key bound here: decoy BB84 with exactly
// three intensities mu1 > mu2 + mu3, mu2 > mu3 (in any order), or BBM92.
void check_postprocessable(const Link& link);

// One party's half of the raw records: its own settings and bits for each detection. Alice's half
// also counts the pulses she sent per intensity. (The emulator stores only the pulses that were
// detected; Alice's side looks up the pulses Bob announces in her half and aborts if he names one
// she has no record of, as she would in a table of every pulse.)
struct PartyRecords {
    Party party = Party::alice;
    Protocol protocol = Protocol::bb84;
    std::uint64_t pulses = 0;
    std::vector<std::uint64_t> pulses_per_intensity;  // Alice's half only
    std::vector<std::uint64_t> pulse_index;
    // pack_settings(intensity, her setting, 0) for Alice, pack_settings(0, 0, his setting) for Bob.
    std::vector<std::uint8_t> settings;
    core::BitVector bits;
};
PartyRecords party_records(const RawRecords& records, Party party);

// What one party reports of one block. Counts are the same on both sides unless noted.
struct BlockReport {
    Party party = Party::alice;
    bool aborted = true;
    std::string abort_stage;   // "hello", "sifting", "estimation", "reconciliation", "verification",
                               // "privacy amplification", "confirmation", "authentication" or "peer"
    std::string abort_reason;  // empty unless aborted
    std::uint64_t pulses = 0;
    double emulated_seconds = 0;  // pulses / clock_hz
    std::uint64_t detections = 0;
    std::uint64_t sifted_bits = 0;  // the key-set bits after sifting, the sample included
    std::uint64_t test_bits = 0;
    std::uint64_t sample_bits = 0;
    QberInterval bit_error;    // the key's QBER from the sample (Clopper-Pearson)
    QberInterval phase_error;  // from the test bits
    double qber_limit = 0;
    ReconciliationMethod method = ReconciliationMethod::cascade;
    std::uint64_t reconciled_bits = 0;     // the key bits that entered reconciliation
    std::uint64_t leaked_bits = 0;         // every parity or syndrome bit disclosed by reconciliation
    double reconciliation_efficiency = 0;  // f = leaked / (n h(e)), e the error rate Bob corrected
                                           // (the estimate if reconciliation failed)
    std::uint64_t frames = 0;
    std::uint64_t frame_errors = 0;
    std::uint64_t discarded_bits = 0;  // the key bits of frames that failed, dropped on both sides
    std::uint64_t round_trips = 0;
    std::uint64_t corrected_bits = 0;  // bits reconciliation flipped in Bob's key (he announces the count)
    bool verified = false;
    std::uint64_t verification_tag_bits = 0;
    double verification_collision_bound = 1;
    FiniteKeyLength finite_key;                  // with leaked = reconciliation + sample + verification tag bits
    std::uint64_t final_key_bits = 0;            // privacy amplification's output, l
    std::uint64_t confirmation_bits = 0;         // the final key's last bits, spent padding the confirmation
    std::optional<bool> keys_identical;          // from the confirmation; unknown if the block aborted before it
    std::uint64_t authentication_bits_used = 0;  // pool bits this block's messages consumed
    std::uint64_t authentication_bits_replenished = 0;
    std::uint64_t delivered_key_bits = 0;  // handed to the key sink
    std::uint64_t messages_sent = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t bytes_received = 0;
    std::string key_id;
    // CPU seconds of this party's thread over the block: its own work, without waiting for the peer
    // (each party of a real link has its own processor).
    double cpu_seconds = 0;
    // Wall-clock seconds of each stage that ran, in order (waiting for the peer included).
    std::vector<std::pair<std::string, double>> stage_seconds;
};

struct PartyOutcome {
    BlockReport report;
    std::optional<KeyBlock> key;  // set unless aborted (and unless authentication took every bit)
};

// One party's side of the chain over `channel`, which the caller has authenticated with `pool`
// (both sides give the same link, options and block index; `rng` is this party's own randomness).
// Throws Error for a link without a finite-key bound or bad options before anything is sent, and
// ChannelError if the transport fails.
[[nodiscard]] PartyOutcome run_party(ClassicalChannel& channel, AuthenticationKeyPool& pool, const PartyRecords& own,
                                     const Link& link, const PostprocessOptions& options, std::uint64_t block_index,
                                     core::Rng& rng);

struct PostprocessRun {
    PartyOutcome alice;
    PartyOutcome bob;
};

// Both parties in one process, each with its own half of the records (party_records): Alice in a
// thread of her own, Bob in the caller's, over the two given channel ends (each authenticated here
// with its own pool). Randomness: Alice's and
// Bob's generators are independent streams of `seed` and the block index.
[[nodiscard]] PostprocessRun run_parties(ClassicalChannel& alice_end, ClassicalChannel& bob_end,
                                         AuthenticationKeyPool& alice_pool, AuthenticationKeyPool& bob_pool,
                                         const PartyRecords& alice, const PartyRecords& bob, const Link& link,
                                         const PostprocessOptions& options, std::uint64_t seed,
                                         std::uint64_t block_index = 0);

// The pulses of a run cut into `blocks` consecutive ranges of equal length (the last takes the
// remainder), each with its detections (pulse indices kept). The emulator counts the pulses per
// intensity over the whole run only, so a block's counts are the run's apportioned to its length
// (largest remainders); they are reported, not used by any bound. Throws Error unless
// 1 <= blocks <= records.pulses.
[[nodiscard]] std::vector<RawRecords> split_into_blocks(const RawRecords& records, std::uint64_t blocks);

// Blocks one after another over one in_process_channel_pair, both pools from `pre_shared_key` and
// carried from block to block (so each block's replenishment pays the next one's messages).
[[nodiscard]] std::vector<PostprocessRun> postprocess_blocks(std::span<const RawRecords> blocks, const Link& link,
                                                             const PostprocessOptions& options, std::uint64_t seed,
                                                             const core::BitVector& pre_shared_key);

// One block: postprocess_blocks of the whole run.
[[nodiscard]] PostprocessRun postprocess_in_process(const RawRecords& records, const Link& link,
                                                    const PostprocessOptions& options, std::uint64_t seed,
                                                    const core::BitVector& pre_shared_key);

}  // namespace qkdlab::qkd
