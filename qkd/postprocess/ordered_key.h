#pragma once
// A key read in the order a KeyOrder stands for, as each side of Cascade holds it for each pass: the
// parity of any rank range, the position at a rank, the rank of a position; and, in the same order,
// the positions corrected so far (both sides know them; flip() marks one) with their parity over a
// rank range.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "qkdlab/core/bit_vector.h"
#include "qkdlab/qkd/reconciliation.h"

namespace qkdlab::qkd {

class OrderedKey {
  public:
    // No position corrected yet.
    OrderedKey(const core::BitVector& key, const KeyOrder& order);

    KeyOrder::Kind kind() const { return kind_; }
    std::size_t size() const { return size_; }
    // Ranks below this form the first part of a split order (the ones of the mask); 0 for a
    // shuffled order.
    std::size_t split_ranks() const { return ones_; }
    // The parity of the key's bits at ranks [begin, end) (the key as given, corrections not applied).
    bool parity(std::size_t begin, std::size_t end) const { return parity(bits_, begin, end); }
    // The parity of the number of corrected positions at ranks [begin, end).
    bool flipped_parity(std::size_t begin, std::size_t end) const { return parity(flipped_, begin, end); }
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
    void prefetch_rank(std::uint32_t position) const {
        if (kind_ == KeyOrder::Kind::shuffled) __builtin_prefetch(rank_.data() + position);
    }
    // Marks `position` corrected (a second call unmarks it).
    void flip(std::uint32_t position);
    // Overwrites the key bits and the corrections held here.
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
    // The key and the corrected positions: in rank order for a shuffled order, in position order
    // for a split one.
    core::BitVector bits_;
    core::BitVector flipped_;
    // shuffled: the order and its inverse.
    std::vector<std::uint32_t> order_;
    std::vector<std::uint32_t> rank_;
    // split: the key in its own order, the mask, and the ones of the mask before each word.
    core::BitVector mask_;
    std::vector<std::uint32_t> ones_before_;
    std::size_t ones_ = 0;
};

}  // namespace qkdlab::qkd
