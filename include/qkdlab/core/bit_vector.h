#pragma once
// The one packed bit container of qkdlab: raw, sifted and final keys, parities, hashes and
// syndromes. Bits are stored little-endian in 64-bit words (bit i is bit i % 64 of word i / 64); the
// bits of the last word beyond size() are always zero, so word-wise operations (popcount, xor,
// equality) need no masking.

#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace qkdlab::core {

class BitVector {
  public:
    using Word = std::uint64_t;
    static constexpr std::size_t WORD_BITS = 64;

    // Behaves as a bool& to one bit. Writes do not branch on the value: key bits are random, and a
    // branch on them is mispredicted half the time (measured in the LDPC frame set-up, where such
    // writes took a tenth of reconciliation).
    class Reference {
      public:
        Reference(Word& word, Word mask) : word_(&word), mask_(mask) {}
        operator bool() const { return (*word_ & mask_) != 0; }
        Reference& operator=(bool value) {
            *word_ = (*word_ & ~mask_) | ((Word{0} - Word{value}) & mask_);
            return *this;
        }
        Reference& operator=(const Reference& other) { return *this = static_cast<bool>(other); }
        Reference& operator^=(bool value) {
            *word_ ^= (Word{0} - Word{value}) & mask_;
            return *this;
        }

      private:
        Word* word_;
        Word mask_;
    };

    BitVector() = default;
    explicit BitVector(std::size_t size) : words_(words_for(size), 0), size_(size) {}
    // The first `size` bits of `words` (bits beyond are cleared).
    BitVector(std::span<const Word> words, std::size_t size);

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    std::span<const Word> words() const { return words_; }
    std::span<Word> words() { return words_; }

    bool operator[](std::size_t i) const {
        assert(i < size_);
        return (words_[i / WORD_BITS] >> (i % WORD_BITS)) & 1u;
    }
    Reference operator[](std::size_t i) {
        assert(i < size_);
        return {words_[i / WORD_BITS], Word{1} << (i % WORD_BITS)};
    }

    void push_back(bool bit) {
        if (size_ % WORD_BITS == 0) words_.push_back(0);
        words_.back() |= Word{bit} << (size_ % WORD_BITS);
        ++size_;
    }
    void reserve(std::size_t bits) { words_.reserve(words_for(bits)); }
    // Keeps the first `size` bits, or appends zeros.
    void resize(std::size_t size);
    void clear() {
        words_.clear();
        size_ = 0;
    }

    // The number of ones.
    std::size_t popcount() const;
    // The bits [begin, begin + length) as a new vector.
    BitVector slice(std::size_t begin, std::size_t length) const;
    // The parity (xor) of the bits [begin, end).
    bool parity(std::size_t begin, std::size_t end) const;
    // Bitwise xor with a vector of the same size.
    BitVector& operator^=(const BitVector& other);
    // The number of positions where two vectors of the same size differ.
    std::size_t hamming_distance(const BitVector& other) const;
    // Overwrites the storage with zeros before releasing it (for secret keys).
    void wipe();

    friend bool operator==(const BitVector& a, const BitVector& b) {
        return a.size_ == b.size_ && a.words_ == b.words_;
    }

    static std::size_t words_for(std::size_t bits) { return (bits + WORD_BITS - 1) / WORD_BITS; }

  private:
    void clear_tail();

    std::vector<Word> words_;
    std::size_t size_ = 0;
};

}  // namespace qkdlab::core
