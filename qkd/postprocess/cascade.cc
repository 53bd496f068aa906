#include "qkdlab/qkd/cascade.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

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
// More passes than this in Alice's plan are refused (each costs Bob a copy of the key and, shuffled,
// two permutations).
constexpr std::size_t MAX_PASSES = 64;

// What both sides know of the difference of the two keys (Alice's xor Bob's, both as they were
// before any correction) over a range: its parity, or not yet.
enum : std::uint8_t { UNKNOWN = 0, EVEN = 1, ODD = 2 };

std::uint8_t known(bool parity) { return parity ? ODD : EVEN; }

// One pass: this side's key in its order with the positions corrected so far, and what both sides
// know of the keys' difference. Top-level blocks are rank ranges of block_bits, or the two parts of
// a split order. A range differs now when its difference before any correction (known) and the
// number of corrected positions in it (key.flipped_parity) have odd parity together.
struct Pass {
    OrderedKey key;
    std::size_t block_bits = 0;
    core::BitVector first_differs;  // per top-level block: the difference before any correction
    core::BitVector differs;        // per top-level block: the difference now
    core::BitVector searching;      // per top-level block: a binary search is under way
    // Per top-level block, allocated at its first search: the known difference of each node of its
    // binary-search tree (node 1 the block, children 2i and 2i + 1, the left one ceil(len / 2) long).
    std::vector<std::vector<std::uint8_t>> tree;

    Pass(OrderedKey ordered, std::size_t bits) : key(std::move(ordered)), block_bits(bits) {
        const std::size_t count = blocks();
        first_differs = core::BitVector(count);
        differs = core::BitVector(count);
        searching = core::BitVector(count);
        tree.resize(count);
    }
    bool split() const { return key.kind() == KeyOrder::Kind::split; }
    std::size_t blocks() const { return split() ? 2 : (key.size() + block_bits - 1) / block_bits; }
    std::size_t block_begin(std::size_t block) const {
        return split() ? (block == 0 ? 0 : key.split_ranks()) : block * block_bits;
    }
    std::size_t block_end(std::size_t block) const {
        return split() ? (block == 0 ? key.split_ranks() : key.size()) : std::min(key.size(), (block + 1) * block_bits);
    }
    std::size_t block_of(std::uint32_t position) const {
        return split() ? (key.in_first_part(position) ? 0 : 1) : key.rank_of(position) / block_bits;
    }
    // Whether ranks [begin, end), whose difference before any correction is `first`, differ now.
    bool odd(std::uint8_t first, std::size_t begin, std::size_t end) const {
        return (first == ODD) != key.flipped_parity(begin, end);
    }
};

struct Search {
    std::uint32_t pass;
    std::uint32_t block;
    std::uint32_t begin;
    std::uint32_t end;
    std::uint32_t node;
    // The batch of corrections (State::batches) after which its range was last found odd: until
    // the next batch it stays odd, and need not be checked again.
    std::uint32_t odd_after;
};

// A bit a search found (pass and rank), not yet corrected.
struct Found {
    std::uint32_t pass;
    std::uint32_t rank;
};

void check_key(std::size_t bits, double estimated_qber) {
    if (bits == 0 || bits >= (std::size_t{1} << 32)) {
        throw Error("cascade: a key of " + std::to_string(bits) + " bits; expected 1 to 2^32 - 1");
    }
    if (!(estimated_qber >= 0 && estimated_qber < 0.5)) {
        throw Error("cascade: estimated QBER " + std::to_string(estimated_qber) + " outside [0, 0.5)");
    }
}

}  // namespace

std::vector<std::size_t> cascade_block_sizes(const CascadeOptions& options, std::size_t key_bits,
                                             double estimated_qber) {
    if (options.second_block_factor == 0) throw Error("cascade: second_block_factor 0; expected at least 1");
    const double qber = std::max(estimated_qber, MIN_BLOCK_QBER);
    const std::size_t half = std::max<std::size_t>(1, key_bits / 2);
    const auto clip = [half](double k) {
        return k >= static_cast<double>(half) ? half : std::max<std::size_t>(1, static_cast<std::size_t>(k));
    };
    std::vector<std::size_t> sizes;
    switch (options.schedule) {
        case CascadeSchedule::original: {
            double k = std::ceil(ORIGINAL_K1_TIMES_QBER / qber);
            for (std::size_t p = 0; p < ORIGINAL_PASSES; ++p, k *= 2) sizes.push_back(clip(k));
            break;
        }
        case CascadeSchedule::option7: {
            const double k1 = std::exp2(std::ceil(std::log2(1 / qber)));
            sizes.push_back(clip(k1));
            sizes.push_back(clip(static_cast<double>(options.second_block_factor) * k1));
            for (std::size_t p = 2; p < OPTION7_PASSES; ++p) sizes.push_back(half);
            break;
        }
    }
    return sizes;
}

struct CascadeParty::State {
    enum class Phase : std::uint8_t { alice_first, bob_first, exchanging, over };

    State(Phase first, core::BitVector own_key, double qber)
        : phase(first),
          is_bob(first == Phase::bob_first),
          key(std::move(own_key)),
          key_bits(key.size()),
          estimated_qber(qber),
          original(key),
          corrected(key_bits),
          in_batch(key_bits) {}
    ~State() { wipe(); }
    State(const State&) = delete;
    State& operator=(const State&) = delete;

    Phase phase;
    bool is_bob;
    core::BitVector key;  // Bob's is corrected as the searches end; Alice's stays as given
    std::size_t key_bits;
    double estimated_qber;
    // The key as given and the corrected positions, in position order: what every split order reads.
    core::BitVector original;
    core::BitVector corrected;
    std::vector<CascadePass> plan;
    std::size_t start_next_pass_after = 0;
    std::vector<Pass> passes;
    // The ranges compared in the last message are the top-level blocks (the first two messages).
    bool top_level = true;
    // Passes 0..last are under way; messages since pass `last` started.
    std::size_t last = 0, since_last = 0;
    std::size_t flips = 0, leaked = 0, messages = 0;
    std::uint32_t batches = 0;  // batches of corrections applied (at most one per corrected bit)
    bool consistent = true;
    // Searches whose comparison was just resolved, started ones, and those that need a comparison
    // (kept between messages for their capacity).
    std::vector<Search> waiting, fresh, asking;
    std::vector<Found> found;
    std::vector<std::uint32_t> positions;
    core::BitVector in_batch;  // the positions of the batch being corrected (zero between batches)

    void wipe() {
        key.wipe();
        original.wipe();
        corrected.wipe();
        for (Pass& pass : passes) pass.key.wipe();
    }

    [[noreturn]] void fail(const std::string& reason) {
        phase = Phase::over;
        consistent = false;
        wipe();
        throw Error("cascade: " + reason);
    }

    void add_pass(const CascadePass& planned, OrderedKey ordered) {
        plan.push_back(planned);
        passes.emplace_back(std::move(ordered), planned.block_bits);
    }

    // Bob: the passes of Alice's first message.
    void follow(const CascadeMessage& first) {
        if (first.passes.empty() || first.passes.size() > MAX_PASSES) {
            fail("Alice planned " + std::to_string(first.passes.size()) + " passes; expected 1 to " +
                 std::to_string(MAX_PASSES));
        }
        if (!first.differences.empty()) fail("Alice's first message answers parities never sent");
        start_next_pass_after = first.start_next_pass_after;
        for (const CascadePass& planned : first.passes) {
            if (planned.block_bits == 0 || planned.block_bits > key_bits) {
                fail("a pass of " + std::to_string(planned.block_bits) + "-bit blocks for a " +
                     std::to_string(key_bits) + "-bit key");
            }
            OrderedKey ordered(original, corrected, planned.order);
            if (ordered.kind() == KeyOrder::Kind::split &&
                (ordered.split_ranks() == 0 || ordered.split_ranks() == key_bits)) {
                fail("a split order with an empty part");
            }
            add_pass(planned, std::move(ordered));
        }
    }

    // The top-level blocks of pass p whose parities are compared: all in the first pass; in later
    // ones all but the last, whose difference follows from the key's total (the first pass's).
    std::size_t compared_blocks(std::size_t p) const { return p == 0 ? passes[p].blocks() : passes[p].blocks() - 1; }

    // How many ranges the last message compared: its parities, and the next message's differences.
    std::size_t compared() const {
        if (!top_level) return asking.size();
        std::size_t count = 0;
        for (std::size_t p = 0; p < passes.size(); ++p) count += compared_blocks(p);
        return count;
    }

    // This side's parity of each range to compare: the top-level blocks, or the left half of each
    // search's range.
    core::BitVector own_parities() const {
        core::BitVector parities(compared());
        std::size_t next = 0;
        if (top_level) {
            for (std::size_t p = 0; p < passes.size(); ++p) {
                const Pass& pass = passes[p];
                for (std::size_t b = 0; b < compared_blocks(p); ++b) {
                    parities[next++] = pass.key.parity(pass.block_begin(b), pass.block_end(b));
                }
            }
        } else {
            for (const Search& search : asking) {
                parities[next++] =
                    passes[search.pass].key.parity(search.begin, search.begin + (search.end - search.begin + 1) / 2);
            }
        }
        return parities;
    }

    // Records the differences of the ranges just compared and runs the searches as far as they go.
    void resolve(const core::BitVector& differences) {
        if (top_level) {
            top_level = false;
            std::size_t next = 0;
            bool total = false;
            for (std::size_t p = 0; p < passes.size(); ++p) {
                Pass& pass = passes[p];
                bool sum = false;
                for (std::size_t b = 0; b < compared_blocks(p); ++b) {
                    pass.first_differs[b] = differences[next++];
                    sum ^= pass.first_differs[b];
                }
                if (p == 0) {
                    total = sum;
                } else {
                    pass.first_differs[pass.blocks() - 1] = total ^ sum;
                }
                pass.differs = pass.first_differs;
            }
        } else {
            for (std::size_t i = 0; i < asking.size(); ++i) {
                const Search& search = asking[i];
                passes[search.pass].tree[search.block][2 * search.node] = known(differences[i]);
            }
            ++since_last;
            waiting.swap(asking);
        }
        if (!run_searches()) {
            consistent = false;
            asking.clear();
        }
    }

    // Advances the searches whose comparison was just resolved, then those started on blocks that now
    // differ in passes 0..last, until each needs a comparison (`asking`); takes in pass last + 1 when
    // none differs or, if start_next_pass_after > 0, after that many messages since pass `last` was
    // taken in. Corrections made meanwhile can make more blocks differ, and make a search's range no
    // longer odd: those are dropped, and the loop runs until nothing changes. False when the
    // corrections exceed the key length.
    bool run_searches() {
        asking.clear();
        fresh.swap(waiting);  // swaps keep the vectors' capacity from message to message
        start_searches(fresh);
        while (true) {
            while (!fresh.empty()) {
                for (Search& search : fresh) {
                    if (advance(search)) asking.push_back(search);
                }
                fresh.clear();
                apply_corrections();
                if (flips > key_bits) return false;
                std::size_t kept = 0;
                for (Search& search : asking) {
                    if (still_odd(search)) {
                        asking[kept++] = search;
                    } else {
                        passes[search.pass].searching[search.block] = false;
                    }
                }
                asking.resize(kept);
                start_searches(fresh);
            }
            const bool overdue = start_next_pass_after > 0 && since_last >= start_next_pass_after;
            if (last + 1 == passes.size() || (!asking.empty() && !overdue)) return true;
            ++last;
            since_last = 0;
            start_searches(fresh);
        }
    }

    // New searches on the top-level blocks of passes 0..last that differ and are not searched.
    void start_searches(std::vector<Search>& out) {
        for (std::size_t p = 0; p <= last; ++p) {
            Pass& pass = passes[p];
            auto differs = pass.differs.words();
            auto searching = pass.searching.words();
            for (std::size_t w = 0; w < differs.size(); ++w) {
                Word fresh_blocks = differs[w] & ~searching[w];
                searching[w] |= fresh_blocks;
                for (; fresh_blocks != 0; fresh_blocks &= fresh_blocks - 1) {
                    const std::size_t block = w * WORD_BITS + static_cast<std::size_t>(std::countr_zero(fresh_blocks));
                    std::vector<std::uint8_t>& tree = pass.tree[block];
                    const std::size_t bits = pass.block_end(block) - pass.block_begin(block);
                    if (tree.empty()) tree.assign(2 * std::bit_ceil(bits), UNKNOWN);
                    tree[1] = known(pass.first_differs[block]);
                    out.push_back({static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(block),
                                   static_cast<std::uint32_t>(pass.block_begin(block)),
                                   static_cast<std::uint32_t>(pass.block_end(block)), 1, batches});
                }
            }
        }
    }

    // Whether the search's range still differs (the halves it narrows down to inherit that).
    bool still_odd(Search& search) const {
        if (search.odd_after == batches) return true;
        const Pass& pass = passes[search.pass];
        if (!pass.odd(pass.tree[search.block][search.node], search.begin, search.end)) return false;
        search.odd_after = batches;
        return true;
    }

    // Halves the search as far as the known differences allow. True when it needs the left half of
    // its range compared; false when it is over (a bit found, to be corrected by apply_corrections,
    // or the range no longer odd because a correction elsewhere fell into it).
    bool advance(Search& search) {
        Pass& pass = passes[search.pass];
        std::vector<std::uint8_t>& tree = pass.tree[search.block];
        if (still_odd(search)) {
            while (search.end - search.begin > 1) {
                const std::uint32_t mid = search.begin + (search.end - search.begin + 1) / 2;
                const std::uint32_t left = 2 * search.node;
                if (tree[left] == UNKNOWN) return true;
                tree[left + 1] = known((tree[search.node] == ODD) != (tree[left] == ODD));
                if (pass.odd(tree[left], search.begin, mid)) {
                    search.node = left;
                    search.end = mid;
                } else {
                    search.node = left + 1;
                    search.begin = mid;
                }
            }
            found.push_back({search.pass, search.begin});
        }
        pass.searching[search.block] = false;
        return false;
    }

    // Corrects the bits that the searches advanced since the last call have found. Each is a bit
    // where the keys differ (the search followed odd ranges down to it), so correcting them together
    // gives the same result as one by one; two searches may find the same bit, corrected once.
    // Together, the random reads of the permutations (the position of a rank, the rank of a position
    // in every shuffled pass) are prefetched and overlap.
    void apply_corrections() {
        if (found.empty()) return;
        ++batches;
        for (const Found& f : found) passes[f.pass].key.prefetch_position(f.rank);
        positions.clear();
        for (const Found& f : found) {
            const std::uint32_t position = passes[f.pass].key.position(f.rank);
            if (!in_batch[position]) {
                in_batch[position] = true;
                positions.push_back(position);
            }
        }
        found.clear();
        for (const std::uint32_t position : positions) in_batch[position] = false;
        for (const std::uint32_t position : positions) {
            for (const Pass& pass : passes) pass.key.prefetch_rank(position);
        }
        for (const std::uint32_t position : positions) correct(position);
    }

    // Corrects the bit at `position` (Bob's key; Alice only records it): its block's difference flips
    // in every pass. The split orders share one record of the corrected positions.
    void correct(std::uint32_t position) {
        if (is_bob) key[position] ^= true;
        corrected[position] ^= true;
        ++flips;
        for (Pass& pass : passes) {
            pass.differs[pass.block_of(position)] ^= true;
            if (!pass.split()) pass.key.flip(position);
        }
    }
};

CascadeParty::CascadeParty(std::unique_ptr<State> state) : state_(std::move(state)) {}
CascadeParty::CascadeParty(CascadeParty&&) noexcept = default;
CascadeParty& CascadeParty::operator=(CascadeParty&&) noexcept = default;
CascadeParty::~CascadeParty() = default;

CascadeParty CascadeParty::alice(core::BitVector key, double estimated_qber, const CascadeOptions& options,
                                 core::Rng& rng) {
    check_key(key.size(), estimated_qber);
    auto state = std::make_unique<State>(State::Phase::alice_first, std::move(key), estimated_qber);
    const std::size_t n = state->key_bits;
    state->start_next_pass_after = options.start_next_pass_after;
    for (const std::size_t block_bits : cascade_block_sizes(options, n, estimated_qber)) {
        // A pass of two halves reads a split order (no permutation to build); redrawn in the
        // unlikely case that one part is empty.
        KeyOrder order{n >= 2 && block_bits == n / 2 ? KeyOrder::Kind::split : KeyOrder::Kind::shuffled, rng()};
        OrderedKey ordered(state->original, state->corrected, order);
        while (order.kind == KeyOrder::Kind::split && (ordered.split_ranks() == 0 || ordered.split_ranks() == n)) {
            order.seed = rng();
            ordered = OrderedKey(state->original, state->corrected, order);
        }
        state->add_pass({order, block_bits}, std::move(ordered));
    }
    return CascadeParty(std::move(state));
}

CascadeParty CascadeParty::bob(core::BitVector key, double estimated_qber) {
    check_key(key.size(), estimated_qber);
    return CascadeParty(std::make_unique<State>(State::Phase::bob_first, std::move(key), estimated_qber));
}

CascadeMessage CascadeParty::first_message() {
    State& s = *state_;
    if (s.phase != State::Phase::alice_first) s.fail("only Alice sends the first message, once");
    s.phase = State::Phase::exchanging;
    CascadeMessage out;
    out.passes = s.plan;
    out.start_next_pass_after = s.start_next_pass_after;
    out.parities = s.own_parities();
    s.leaked += out.parities.size();
    ++s.messages;
    return out;
}

std::optional<CascadeMessage> CascadeParty::step(const CascadeMessage& incoming) {
    State& s = *state_;
    switch (s.phase) {
        case State::Phase::alice_first:
            s.fail("Alice received a message before sending the first");
        case State::Phase::over:
            s.fail("a message after the end of the exchange");
        case State::Phase::bob_first:
            s.follow(incoming);
            break;
        case State::Phase::exchanging:
            if (!incoming.passes.empty()) s.fail("passes planned after the first message");
            if (incoming.differences.size() != s.compared()) {
                s.fail(std::to_string(incoming.differences.size()) + " differences for " +
                       std::to_string(s.compared()) + " parities sent");
            }
            s.resolve(incoming.differences);
            break;
    }
    s.phase = State::Phase::exchanging;
    if (incoming.parities.size() != s.compared()) {
        s.fail(std::to_string(incoming.parities.size()) + " parities where " + std::to_string(s.compared()) +
               " ranges are to be compared");
    }
    s.leaked += incoming.parities.size();
    ++s.messages;
    if (incoming.parities.empty()) {
        s.phase = State::Phase::over;
        return std::nullopt;
    }
    CascadeMessage out;
    out.differences = s.own_parities();
    out.differences ^= incoming.parities;
    s.resolve(out.differences);
    out.parities = s.own_parities();
    s.leaked += out.parities.size();
    ++s.messages;
    if (out.parities.empty()) s.phase = State::Phase::over;
    return out;
}

bool CascadeParty::done() const { return state_->phase == State::Phase::over; }

std::size_t CascadeParty::messages() const { return state_->messages; }

std::size_t CascadeParty::corrections() const { return state_->flips; }

ReconciliationResult CascadeParty::result() {
    State& s = *state_;
    if (s.phase != State::Phase::over) throw Error("cascade: the result asked before the exchange ended");
    ReconciliationResult result;
    result.leaked_bits = s.leaked;
    result.round_trips = (s.messages + 1) / 2;
    result.efficiency = reconciliation_efficiency(result.leaked_bits, s.key_bits, s.estimated_qber);
    result.efficiency_true_qber = std::numeric_limits<double>::quiet_NaN();
    result.success = s.consistent;
    if (s.consistent) result.corrected_key = std::move(s.key);
    s.wipe();
    return result;
}

ReconciliationResult cascade_reconcile(const core::BitVector& alice_key, const core::BitVector& bob_key,
                                       double estimated_qber, const CascadeOptions& options, core::Rng& rng) {
    if (alice_key.size() != bob_key.size()) {
        throw Error("cascade: Alice's key has " + std::to_string(alice_key.size()) + " bits and Bob's " +
                    std::to_string(bob_key.size()));
    }
    CascadeParty alice = CascadeParty::alice(alice_key, estimated_qber, options, rng);
    CascadeParty bob = CascadeParty::bob(bob_key, estimated_qber);
    std::optional<CascadeMessage> message = alice.first_message();
    for (CascadeParty* next = &bob; message; next = next == &bob ? &alice : &bob) message = next->step(*message);
    ReconciliationResult result = bob.result();
    const double true_qber =
        static_cast<double>(alice_key.hamming_distance(bob_key)) / static_cast<double>(bob_key.size());
    result.efficiency_true_qber = reconciliation_efficiency(result.leaked_bits, bob_key.size(), true_qber);
    return result;
}

}  // namespace qkdlab::qkd
