#include "qkdlab/qkd/reconciliation.h"

#include <algorithm>
#include <bit>
#include <boost/random/bernoulli_distribution.hpp>
#include <cassert>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "ordered_key.h"
#include "qkdlab/core/error.h"
#include "qkdlab/qkd/key_rate.h"

namespace qkdlab::qkd {
namespace {

using Word = core::BitVector::Word;
constexpr std::size_t WORD_BITS = core::BitVector::WORD_BITS;

// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014).
std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// The high 64 bits of x * bound: a draw in [0, bound) (Lemire 2019). One widening multiplication
// where the compiler has a 128-bit type (GCC and Clang on 64-bit targets); otherwise two 32 x 64-bit
// products (exact for bound < 2^32: high + (low >> 32) drops only a fraction below 2^-32 of the
// quotient by 2^32).
std::uint64_t high_product(std::uint64_t x, std::uint64_t bound) {
#if defined(__SIZEOF_INT128__)
    __extension__ using Wide = unsigned __int128;
    return static_cast<std::uint64_t>((static_cast<Wide>(x) * bound) >> 64);
#else
    const std::uint64_t low = (x & 0xffffffffULL) * bound, high = (x >> 32) * bound;
    return (high + (low >> 32)) >> 32;
#endif
}

}  // namespace

double reconciliation_efficiency(std::size_t leaked_bits, std::size_t key_bits, double qber) {
    const double limit = static_cast<double>(key_bits) * binary_entropy(qber);
    if (limit <= 0) return leaked_bits == 0 ? 1.0 : std::numeric_limits<double>::infinity();
    return static_cast<double>(leaked_bits) / limit;
}

std::vector<std::uint32_t> shuffled_order(std::size_t key_bits, std::uint64_t seed) {
    if (key_bits >= (std::size_t{1} << 32)) {
        throw Error("shuffled_order: " + std::to_string(key_bits) + " bits, at most 2^32 - 1 allowed");
    }
    std::vector<std::uint32_t> order(key_bits);
    for (std::size_t i = 0; i < key_bits; ++i) order[i] = static_cast<std::uint32_t>(i);
    // The draws do not depend on the array: made AHEAD steps early, so that the random element each
    // swap reads is prefetched while the swaps before it run.
    constexpr std::size_t AHEAD = 32;
    std::uint32_t draws[AHEAD];
    std::uint64_t state = seed;
    const auto draw = [&state](std::size_t i) {
        return static_cast<std::uint32_t>(high_product(splitmix64(state), i));
    };
    std::size_t next = key_bits;  // the next i to draw for
    for (std::size_t k = 0; k < AHEAD && next > 1; ++k, --next) {
        draws[next % AHEAD] = draw(next);
        __builtin_prefetch(order.data() + draws[next % AHEAD]);
    }
    for (std::size_t i = key_bits; i > 1; --i) {
        const std::uint32_t j = draws[i % AHEAD];
        if (next > 1) {
            draws[next % AHEAD] = draw(next);
            __builtin_prefetch(order.data() + draws[next % AHEAD], 1);
            --next;
        }
        std::swap(order[i - 1], order[j]);
    }
    return order;
}

core::BitVector random_mask(std::size_t key_bits, std::uint64_t seed) {
    core::BitVector mask(key_bits);
    std::uint64_t state = seed;
    for (auto& word : mask.words()) word = splitmix64(state);
    mask.resize(key_bits);  // clears the bits past the end
    return mask;
}

OrderedKey::OrderedKey(const core::BitVector& key, const core::BitVector& corrected, const KeyOrder& order)
    : kind_(order.kind), size_(key.size()) {
    assert(corrected.size() == size_);
    if (kind_ == KeyOrder::Kind::shuffled) {
        flipped_ = core::BitVector(size_);
        order_ = shuffled_order(size_, order.seed);
        bits_ = core::BitVector(size_);
        rank_.resize(size_);
        const auto in = key.words();
        auto out = bits_.words();
        // One sweep reads the key through the order and inverts it; the random write to the inverse
        // is prefetched AHEAD ranks early.
        constexpr std::size_t AHEAD = 16;
        for (std::size_t w = 0; w < out.size(); ++w) {
            Word word = 0;
            const std::size_t end = std::min(size_, (w + 1) * WORD_BITS);
            for (std::size_t r = w * WORD_BITS; r < end; ++r) {
                if (r + AHEAD < size_) __builtin_prefetch(rank_.data() + order_[r + AHEAD], 1);
                const std::uint32_t pos = order_[r];
                rank_[pos] = static_cast<std::uint32_t>(r);
                word |= ((in[pos / WORD_BITS] >> (pos % WORD_BITS)) & 1u) << (r % WORD_BITS);
            }
            out[w] = word;
        }
    } else {
        key_ = &key;
        corrected_ = &corrected;
        mask_ = random_mask(size_, order.seed);
        const auto words = mask_.words();
        ones_before_.resize(words.size() + 1);
        for (std::size_t w = 0; w < words.size(); ++w) {
            ones_before_[w + 1] = ones_before_[w] + static_cast<std::uint32_t>(std::popcount(words[w]));
        }
        ones_ = ones_before_.back();
    }
}

std::size_t OrderedKey::select(std::size_t count, bool ones) const {
    const std::size_t part = ones ? ones_ : size_ - ones_;
    if (count >= part) return size_;
    // Ranks of the part before word w: ones_before_[w], or w * 64 - ones_before_[w] for the zeros.
    const auto before = [&](std::size_t w) -> std::size_t {
        return ones ? ones_before_[w] : w * WORD_BITS - ones_before_[w];
    };
    std::size_t lo = 0, hi = mask_.words().size();  // before(lo) <= count < before(hi)
    while (hi - lo > 1) {
        const std::size_t mid = (lo + hi) / 2;
        (before(mid) <= count ? lo : hi) = mid;
    }
    Word word = ones ? mask_.words()[lo] : ~mask_.words()[lo];
    for (std::size_t skip = count - before(lo); skip > 0; --skip) word &= word - 1;
    return lo * WORD_BITS + static_cast<std::size_t>(std::countr_zero(word));
}

bool OrderedKey::masked_parity(const core::BitVector& plane, std::size_t begin, std::size_t end, bool ones) const {
    if (begin >= end) return false;
    const auto key = plane.words(), mask = mask_.words();
    const std::size_t first = begin / WORD_BITS, last = (end - 1) / WORD_BITS;
    Word acc = 0;
    for (std::size_t w = first; w <= last; ++w) acc ^= key[w] & (ones ? mask[w] : ~mask[w]);
    // Remove the bits of the first word below begin and of the last word from end on.
    const Word low = (Word{1} << (begin % WORD_BITS)) - 1;
    acc ^= key[first] & (ones ? mask[first] : ~mask[first]) & low;
    if (end % WORD_BITS != 0) {
        const Word high = ~((Word{1} << (end % WORD_BITS)) - 1);
        acc ^= key[last] & (ones ? mask[last] : ~mask[last]) & high;
    }
    return std::popcount(acc) & 1;
}

bool OrderedKey::parity(const core::BitVector& plane, std::size_t begin, std::size_t end) const {
    assert(begin <= end && end <= size_);
    if (kind_ == KeyOrder::Kind::shuffled) return plane.parity(begin, end);
    bool parity = false;
    if (begin < ones_) parity ^= masked_parity(plane, select(begin, true), select(std::min(end, ones_), true), true);
    if (end > ones_) {
        const std::size_t from = std::max(begin, ones_) - ones_;
        parity ^= masked_parity(plane, select(from, false), select(end - ones_, false), false);
    }
    return parity;
}

std::uint32_t OrderedKey::position(std::size_t rank) const {
    assert(rank < size_);
    if (kind_ == KeyOrder::Kind::shuffled) return order_[rank];
    return static_cast<std::uint32_t>(rank < ones_ ? select(rank, true) : select(rank - ones_, false));
}

std::size_t OrderedKey::rank_of(std::uint32_t position) const {
    assert(position < size_);
    if (kind_ == KeyOrder::Kind::shuffled) return rank_[position];
    const std::size_t w = position / WORD_BITS;
    const Word below = mask_.words()[w] & ((Word{1} << (position % WORD_BITS)) - 1);
    const std::size_t ones_below = ones_before_[w] + static_cast<std::size_t>(std::popcount(below));
    return mask_[position] ? ones_below : ones_ + (position - ones_below);
}

void OrderedKey::flip(std::uint32_t position) {
    assert(kind_ == KeyOrder::Kind::shuffled);
    flipped_[rank_[position]] ^= true;
}

void OrderedKey::wipe() {
    bits_.wipe();
    flipped_.wipe();
}

KeyPair binary_symmetric_key_pair(std::size_t bits, double qber, core::Rng& rng) {
    if (!(qber >= 0 && qber <= 1)) {
        throw Error("binary_symmetric_key_pair: qber " + std::to_string(qber) + "; expected a value in [0, 1]");
    }
    KeyPair keys{core::BitVector(bits), core::BitVector(bits)};
    for (auto& word : keys.alice.words()) word = rng();
    keys.alice.resize(bits);  // clears the bits past the end
    keys.bob = keys.alice;
    boost::random::bernoulli_distribution<double> flip(qber);
    for (std::size_t i = 0; i < bits; ++i) {
        if (flip(rng)) keys.bob[i] ^= true;
    }
    return keys;
}

}  // namespace qkdlab::qkd
