#include "qkdlab/qkd/cascade.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "ordered_key.h"
#include "qkdlab/core/error.h"

namespace qkdlab::qkd {
namespace {

using Word = core::BitVector::Word;
constexpr std::size_t WORD_BITS = core::BitVector::WORD_BITS;

// Below this estimated QBER the block sizes stop growing (they are clipped to n/2 anyway).
constexpr double MIN_BLOCK_QBER = 1e-6;
// Martinez-Mateo et al. 2015, option (7), and Brassard-Salvail 1993.
constexpr std::size_t OPTION7_PASSES = 14;
constexpr std::size_t ORIGINAL_PASSES = 4;
constexpr double ORIGINAL_K1_TIMES_QBER = 0.73;

// Alice's parity of a sub-block as remembered by Bob.
enum : std::uint8_t { UNKNOWN = 0, EVEN = 1, ODD = 2 };

std::uint8_t known(bool parity) { return parity ? ODD : EVEN; }

// One pass: Bob's key in its order, and what Bob knows of Alice's parities. Top-level blocks are
// rank ranges of block_bits, or the two parts of a split order.
struct Pass {
    OrderedKey bob;
    std::size_t block_bits = 0;
    core::BitVector alice_parity;  // per top-level block
    core::BitVector differs;       // per top-level block: Alice's parity != Bob's
    core::BitVector searching;     // per top-level block: a binary search is under way
    // Per top-level block, allocated at its first search: Alice's parities of the nodes of its
    // binary-search tree (node 1 the block, children 2i and 2i + 1, the left one ceil(len / 2) long).
    std::vector<std::vector<std::uint8_t>> tree;

    bool split() const { return bob.kind() == KeyOrder::Kind::split; }
    std::size_t blocks() const { return split() ? 2 : (bob.size() + block_bits - 1) / block_bits; }
    std::size_t block_begin(std::size_t block) const {
        return split() ? (block == 0 ? 0 : bob.split_ranks()) : block * block_bits;
    }
    std::size_t block_end(std::size_t block) const {
        return split() ? (block == 0 ? bob.split_ranks() : bob.size()) : std::min(bob.size(), (block + 1) * block_bits);
    }
    std::size_t block_of(std::uint32_t position) const {
        return split() ? (bob.in_first_part(position) ? 0 : 1) : bob.rank_of(position) / block_bits;
    }
};

struct Search {
    std::uint32_t pass;
    std::uint32_t block;
    std::uint32_t begin;
    std::uint32_t end;
    std::uint32_t node;
};

class CascadeBob {
  public:
    CascadeBob(ParityOracle& alice, const core::BitVector& bob_key) : alice_(alice), key_(bob_key) {}

    ReconciliationResult run(const std::vector<std::size_t>& block_sizes, std::size_t start_next_pass_after,
                             double estimated_qber, core::Rng& rng) {
        const std::size_t leaked_before = alice_.parity_bits(), trips_before = alice_.round_trips();
        ask_top_level_parities(block_sizes, rng);
        const bool consistent = run_searches(start_next_pass_after);

        ReconciliationResult result;
        result.leaked_bits = alice_.parity_bits() - leaked_before;
        result.round_trips = alice_.round_trips() - trips_before;
        result.efficiency = reconciliation_efficiency(result.leaked_bits, key_.size(), estimated_qber);
        result.efficiency_true_qber = std::numeric_limits<double>::quiet_NaN();
        result.success = consistent;
        if (consistent) {
            result.corrected_key = std::move(key_);
        } else {
            key_.wipe();
        }
        for (Pass& pass : passes_) pass.bob.wipe();
        return result;
    }

  private:
    // Round trip 1: every pass's order, and Alice's parity of every top-level block except those
    // inferred from the total parity.
    void ask_top_level_parities(const std::vector<std::size_t>& block_sizes, core::Rng& rng) {
        const std::size_t n = key_.size();
        ParityRequest request;
        passes_.reserve(block_sizes.size());
        for (std::size_t p = 0; p < block_sizes.size(); ++p) {
            // A pass of two halves reads a split order (no permutation to build); redrawn in the
            // unlikely case that one part is empty.
            KeyOrder order{n >= 2 && block_sizes[p] == n / 2 ? KeyOrder::Kind::split : KeyOrder::Kind::shuffled, rng()};
            OrderedKey bob(key_, order, true);
            while (order.kind == KeyOrder::Kind::split && (bob.split_ranks() == 0 || bob.split_ranks() == n)) {
                order.seed = rng();
                bob = OrderedKey(key_, order, true);
            }
            request.new_orders.push_back(order);
            passes_.push_back({std::move(bob), block_sizes[p], {}, {}, {}, {}});
            Pass& pass = passes_.back();
            const std::size_t blocks = pass.blocks();
            pass.alice_parity = core::BitVector(blocks);
            pass.differs = core::BitVector(blocks);
            pass.searching = core::BitVector(blocks);
            pass.tree.resize(blocks);
            const std::size_t asked = p == 0 ? blocks : blocks - 1;
            for (std::size_t b = 0; b < asked; ++b) {
                request.ranges.push_back({static_cast<std::uint32_t>(p),
                                          static_cast<std::uint32_t>(pass.block_begin(b)),
                                          static_cast<std::uint32_t>(pass.block_end(b))});
            }
        }
        const core::BitVector answers = alice_.ask(request);
        std::size_t next = 0;
        bool total = false;
        for (std::size_t p = 0; p < passes_.size(); ++p) {
            Pass& pass = passes_[p];
            bool sum = false;
            const std::size_t asked = p == 0 ? pass.blocks() : pass.blocks() - 1;
            for (std::size_t b = 0; b < asked; ++b) {
                pass.alice_parity[b] = answers[next++];
                sum ^= pass.alice_parity[b];
            }
            if (p == 0) {
                total = sum;
            } else {
                pass.alice_parity[pass.blocks() - 1] = total ^ sum;
            }
            for (std::size_t b = 0; b < pass.blocks(); ++b) {
                pass.differs[b] = pass.alice_parity[b] != pass.bob.parity(pass.block_begin(b), pass.block_end(b));
            }
        }
    }

    // Searches every block that differs in passes 0..last, one round trip per halving step of all
    // searches together, and takes in pass last + 1 when none differs or, if start_next_pass_after > 0,
    // after that many round trips since pass `last` was taken in. False when the corrections exceed the
    // key length.
    bool run_searches(std::size_t start_next_pass_after) {
        std::size_t last = 0, trips_since_last = 0;
        std::vector<Search> waiting, fresh, asking;
        while (true) {
            // Advance the searches waiting for an answer, then those started on blocks that now
            // differ. Corrections made meanwhile can make more blocks differ, and make a question
            // already queued pointless (its range no longer odd): drop those and loop until
            // nothing changes.
            asking.clear();
            fresh.swap(waiting);  // swaps keep the vectors' capacity from round to round
            start_searches(last, fresh);
            while (true) {
                while (!fresh.empty()) {
                    for (Search& search : fresh) {
                        if (advance(search)) asking.push_back(search);
                    }
                    fresh.clear();
                    apply_corrections();
                    if (flips_ > key_.size()) return false;
                    std::erase_if(asking, [this](const Search& search) {
                        Pass& pass = passes_[search.pass];
                        const bool odd =
                            (pass.tree[search.block][search.node] == ODD) != pass.bob.parity(search.begin, search.end);
                        if (!odd) pass.searching[search.block] = false;
                        return !odd;
                    });
                    start_searches(last, fresh);
                }
                const bool overdue = start_next_pass_after > 0 && trips_since_last >= start_next_pass_after;
                if (last + 1 == passes_.size() || (!asking.empty() && !overdue)) break;
                ++last;
                trips_since_last = 0;
                start_searches(last, fresh);
            }
            if (asking.empty()) return true;
            request_.ranges.clear();
            for (const Search& search : asking) {
                request_.ranges.push_back(
                    {search.pass, search.begin, search.begin + (search.end - search.begin + 1) / 2});
            }
            const core::BitVector answers = alice_.ask(request_);
            ++trips_since_last;
            for (std::size_t i = 0; i < asking.size(); ++i) {
                const Search& search = asking[i];
                passes_[search.pass].tree[search.block][2 * search.node] = known(answers[i]);
            }
            waiting.swap(asking);
        }
    }

    // New searches on the top-level blocks of passes 0..last that differ and are not searched.
    void start_searches(std::size_t last, std::vector<Search>& out) {
        for (std::size_t p = 0; p <= last; ++p) {
            Pass& pass = passes_[p];
            auto differs = pass.differs.words();
            auto searching = pass.searching.words();
            for (std::size_t w = 0; w < differs.size(); ++w) {
                Word fresh = differs[w] & ~searching[w];
                searching[w] |= fresh;
                for (; fresh != 0; fresh &= fresh - 1) {
                    const std::size_t block = w * WORD_BITS + static_cast<std::size_t>(std::countr_zero(fresh));
                    std::vector<std::uint8_t>& tree = pass.tree[block];
                    const std::size_t bits = pass.block_end(block) - pass.block_begin(block);
                    if (tree.empty()) tree.assign(2 * std::bit_ceil(bits), UNKNOWN);
                    tree[1] = known(pass.alice_parity[block]);
                    out.push_back({static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(block),
                                   static_cast<std::uint32_t>(pass.block_begin(block)),
                                   static_cast<std::uint32_t>(pass.block_end(block)), 1});
                }
            }
        }
    }

    // Halves the search as far as Alice's known parities allow. True when it needs Alice's parity of
    // the left half of its range; false when it is over (a bit found, to be corrected by
    // apply_corrections, or the range no longer odd because a correction elsewhere fell into it).
    bool advance(Search& search) {
        Pass& pass = passes_[search.pass];
        std::vector<std::uint8_t>& tree = pass.tree[search.block];
        if ((tree[search.node] == ODD) != pass.bob.parity(search.begin, search.end)) {
            // The range is odd; so is the half chosen at each step below (Bob's and Alice's
            // parities of the other half agree), so only this first check reads the key.
            while (search.end - search.begin > 1) {
                const std::uint32_t mid = search.begin + (search.end - search.begin + 1) / 2;
                const std::uint32_t left = 2 * search.node;
                if (tree[left] == UNKNOWN) return true;
                const bool alice_left = tree[left] == ODD;
                tree[left + 1] = known((tree[search.node] == ODD) != alice_left);
                if (alice_left != pass.bob.parity(search.begin, mid)) {
                    search.node = left;
                    search.end = mid;
                } else {
                    search.node = left + 1;
                    search.begin = mid;
                }
            }
            found_.push_back({search.pass, search.begin});
        }
        pass.searching[search.block] = false;
        return false;
    }

    // Corrects the bits that the searches advanced since the last call have found. Each is a bit where
    // Bob's key differs from Alice's (the search followed odd ranges down to it), so correcting them
    // together gives the same key as one by one; two searches may find the same bit, corrected once.
    // Together, the random reads of the permutations (the position of a rank, the rank of a position
    // in every shuffled pass) are prefetched and overlap.
    void apply_corrections() {
        if (found_.empty()) return;
        for (const Found& f : found_) passes_[f.pass].bob.prefetch_position(f.rank);
        positions_.clear();
        for (const Found& f : found_) positions_.push_back(passes_[f.pass].bob.position(f.rank));
        found_.clear();
        std::sort(positions_.begin(), positions_.end());
        positions_.erase(std::unique(positions_.begin(), positions_.end()), positions_.end());
        for (const std::uint32_t position : positions_) {
            for (const Pass& pass : passes_) pass.bob.prefetch_rank(position);
        }
        for (const std::uint32_t position : positions_) flip(position);
    }

    // Corrects Bob's bit at `position`: its block's parity flips in every pass.
    void flip(std::uint32_t position) {
        key_[position] ^= true;
        ++flips_;
        for (Pass& pass : passes_) {
            pass.differs[pass.block_of(position)] ^= true;
            pass.bob.flip(position);
        }
    }

    ParityOracle& alice_;
    core::BitVector key_;
    std::vector<Pass> passes_;
    std::size_t flips_ = 0;
    // Bits found by searches (pass and rank), not yet corrected, and their positions.
    struct Found {
        std::uint32_t pass;
        std::uint32_t rank;
    };
    std::vector<Found> found_;
    ParityRequest request_;  // the request of the current round trip (kept for its capacity)
    std::vector<std::uint32_t> positions_;
};

}  // namespace

std::vector<std::size_t> cascade_block_sizes(CascadeSchedule schedule, std::size_t key_bits, double estimated_qber) {
    const double qber = std::max(estimated_qber, MIN_BLOCK_QBER);
    const std::size_t half = std::max<std::size_t>(1, key_bits / 2);
    const auto clip = [half](double k) {
        return k >= static_cast<double>(half) ? half : std::max<std::size_t>(1, static_cast<std::size_t>(k));
    };
    std::vector<std::size_t> sizes;
    switch (schedule) {
        case CascadeSchedule::original: {
            double k = std::ceil(ORIGINAL_K1_TIMES_QBER / qber);
            for (std::size_t p = 0; p < ORIGINAL_PASSES; ++p, k *= 2) sizes.push_back(clip(k));
            break;
        }
        case CascadeSchedule::option7: {
            const double k1 = std::exp2(std::ceil(std::log2(1 / qber)));
            sizes.push_back(clip(k1));
            sizes.push_back(clip(4 * k1));
            for (std::size_t p = 2; p < OPTION7_PASSES; ++p) sizes.push_back(half);
            break;
        }
    }
    return sizes;
}

ReconciliationResult cascade_reconcile(ParityOracle& alice, const core::BitVector& bob_key, double estimated_qber,
                                       const CascadeOptions& options, core::Rng& rng) {
    const std::size_t n = bob_key.size();
    if (n == 0 || n >= (std::size_t{1} << 32) || alice.key_bits() != n) {
        throw Error("cascade: Bob's key has " + std::to_string(n) + " bits and Alice's " +
                    std::to_string(alice.key_bits()) + "; expected equal lengths in [1, 2^32)");
    }
    if (!(estimated_qber >= 0 && estimated_qber < 0.5)) {
        throw Error("cascade: estimated QBER " + std::to_string(estimated_qber) + " outside [0, 0.5)");
    }
    CascadeBob bob(alice, bob_key);
    return bob.run(cascade_block_sizes(options.schedule, n, estimated_qber), options.start_next_pass_after,
                   estimated_qber, rng);
}

ReconciliationResult cascade_reconcile(const core::BitVector& alice_key, const core::BitVector& bob_key,
                                       double estimated_qber, const CascadeOptions& options, core::Rng& rng) {
    if (alice_key.size() != bob_key.size()) {
        throw Error("cascade: Alice's key has " + std::to_string(alice_key.size()) + " bits and Bob's " +
                    std::to_string(bob_key.size()));
    }
    InProcessParityOracle alice(alice_key);
    ReconciliationResult result = cascade_reconcile(alice, bob_key, estimated_qber, options, rng);
    const double true_qber =
        static_cast<double>(alice_key.hamming_distance(bob_key)) / static_cast<double>(bob_key.size());
    result.efficiency_true_qber = reconciliation_efficiency(result.leaked_bits, bob_key.size(), true_qber);
    return result;
}

}  // namespace qkdlab::qkd
