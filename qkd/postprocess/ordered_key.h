#pragma once
// A key read in the order a KeyOrder stands for, as each side of Cascade holds it for each pass: the
// parity of any rank range, the position at a rank, the rank of a position; and, in the same order,
// the positions corrected so far (both sides know them) with their parity over a rank range.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "qkdlab/core/bit_vector.h"
#include "qkdlab/qkd/reconciliation.h"

namespace qkdlab::qkd {

class OrderedKey {
  public:
    // A shuffled order copies `key` in its order, with no position corrected yet (flip() marks
    // them). A split order reads `key` and `corrected` (a bit per position) where they are: they
    // must outlive it, and the caller marks corrections in `corrected`, once for every split order.
    OrderedKey(const core::BitVector& key, const core::BitVector& corrected, const KeyOrder& order);

    KeyOrder::Kind kind() const { return kind_; }
    std::size_t size() const { return size_; }
    // Ranks below this form the first part of a split order (the ones of the mask); 0 for a
    // shuffled order.
    std::size_t split_ranks() const { return ones_; }
    // The parity of the key's bits at ranks [begin, end) (the key as given, corrections not applied).
    bool parity(std::size_t begin, std::size_t end) const {
        return parity(kind_ == KeyOrder::Kind::shuffled ? bits_ : *key_, begin, end);
    }
    // The parity of the number of corrected positions at ranks [begin, end).
    bool flipped_parity(std::size_t begin, std::size_t end) const {
        return parity(kind_ == KeyOrder::Kind::shuffled ? flipped_ : *corrected_, begin, end);
    }
    std::uint32_t position(std::size_t rank) const;
    // The rank of `position`.
    std::size_t rank_of(std::uint32_t position) const;
    // Whether `position` lies in the first part of a split order (its mask bit is 1).
    bool in_first_part(std::uint32_t position) const { return mask_[position]; }
    // Hints that position(rank) and rank_of(position) will be asked soon (a shuffled order's
    // permutation is large and read at random).
    void prefetch_position(std::size_t rank) const {
        if (kind_ == KeyOrder::Kind::shuffled) __builtin_prefetch(order_.data() + rank);
    }
    // Hints that rank_of(position) or in_first_part(position) will be asked soon.
    void prefetch_rank(std::uint32_t position) const {
        if (kind_ == KeyOrder::Kind::shuffled) {
            __builtin_prefetch(rank_.data() + position);
        } else {
            __builtin_prefetch(mask_.words().data() + position / core::BitVector::WORD_BITS);
        }
    }
    // Shuffled orders: marks `position` corrected (a second call unmarks it).
    void flip(std::uint32_t position);
    // Overwrites the key bits and the corrections held here (a shuffled order's copies).
    void wipe();

  private:
    // The first position p such that `count` ranks of the part (ones of the mask, or zeros when
    // !ones) lie below p: the position of rank `count` within that part, or size_ past its end.
    std::size_t select(std::size_t count, bool ones) const;
    // The parity of `plane` (bits_ or flipped_, laid out like the key here) at ranks [begin, end).
    bool parity(const core::BitVector& plane, std::size_t begin, std::size_t end) const;
    bool masked_parity(const core::BitVector& plane, std::size_t begin, std::size_t end, bool ones) const;

    KeyOrder::Kind kind_;
    std::size_t size_;
    // shuffled: the key and the corrected positions in rank order, the order and its inverse.
    core::BitVector bits_;
    core::BitVector flipped_;
    std::vector<std::uint32_t> order_;
    std::vector<std::uint32_t> rank_;
    // split: the caller's key and corrected positions, the mask, and the ones of the mask before
    // each word.
    const core::BitVector* key_ = nullptr;
    const core::BitVector* corrected_ = nullptr;
    core::BitVector mask_;
    std::vector<std::uint32_t> ones_before_;
    std::size_t ones_ = 0;
};

}  // namespace qkdlab::qkd
