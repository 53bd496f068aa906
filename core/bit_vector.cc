#include "qkdlab/core/bit_vector.h"

#include <string.h>

#include <algorithm>

#include "qkdlab/core/error.h"

namespace qkdlab::core {
namespace {

using Word = BitVector::Word;
constexpr std::size_t WORD_BITS = BitVector::WORD_BITS;

Word low_mask(std::size_t bits) { return bits >= WORD_BITS ? ~Word{0} : (Word{1} << bits) - 1; }

// The 64 bits starting at bit `begin` (zeros past the end of `words`).
Word word_at(std::span<const Word> words, std::size_t begin) {
    const std::size_t w = begin / WORD_BITS, shift = begin % WORD_BITS;
    const Word low = w < words.size() ? words[w] >> shift : 0;
    const Word high = shift != 0 && w + 1 < words.size() ? words[w + 1] << (WORD_BITS - shift) : 0;
    return low | high;
}

void check_same_size(const BitVector& a, const BitVector& b, const char* what) {
    if (a.size() != b.size()) {
        throw Error(std::string(what) + ": bit vectors of " + std::to_string(a.size()) + " and " +
                    std::to_string(b.size()) + " bits");
    }
}

}  // namespace

BitVector::BitVector(std::span<const Word> words, std::size_t size) : words_(words_for(size), 0), size_(size) {
    std::copy_n(words.begin(), std::min(words.size(), words_.size()), words_.begin());
    clear_tail();
}

void BitVector::resize(std::size_t size) {
    words_.resize(words_for(size), 0);
    size_ = size;
    clear_tail();
}

std::size_t BitVector::popcount() const {
    std::size_t ones = 0;
    for (Word w : words_) ones += static_cast<std::size_t>(std::popcount(w));
    return ones;
}

BitVector BitVector::slice(std::size_t begin, std::size_t length) const {
    if (begin > size_ || length > size_ - begin) {
        throw Error("slice [" + std::to_string(begin) + ", +" + std::to_string(length) + ") of " +
                    std::to_string(size_) + " bits");
    }
    BitVector out(length);
    for (std::size_t w = 0; w < out.words_.size(); ++w) out.words_[w] = word_at(words_, begin + w * WORD_BITS);
    out.clear_tail();
    return out;
}

bool BitVector::parity(std::size_t begin, std::size_t end) const {
    assert(begin <= end && end <= size_);
    if (begin == end) return false;
    // Whole words xored, then the bits of the first word below begin and of the last word from end on
    // removed.
    const std::size_t first = begin / WORD_BITS, last = (end - 1) / WORD_BITS;
    Word acc = 0;
    for (std::size_t w = first; w <= last; ++w) acc ^= words_[w];
    acc ^= words_[first] & low_mask(begin % WORD_BITS);
    acc ^= words_[last] & ~low_mask((end - 1) % WORD_BITS + 1);
    return (std::popcount(acc) & 1) != 0;
}

BitVector& BitVector::operator^=(const BitVector& other) {
    check_same_size(*this, other, "xor");
    for (std::size_t w = 0; w < words_.size(); ++w) words_[w] ^= other.words_[w];
    return *this;
}

std::size_t BitVector::hamming_distance(const BitVector& other) const {
    check_same_size(*this, other, "hamming_distance");
    std::size_t d = 0;
    for (std::size_t w = 0; w < words_.size(); ++w)
        d += static_cast<std::size_t>(std::popcount(words_[w] ^ other.words_[w]));
    return d;
}

void BitVector::wipe() {
    if (!words_.empty()) ::explicit_bzero(words_.data(), words_.size() * sizeof(Word));
    words_.clear();
    words_.shrink_to_fit();
    size_ = 0;
}

void BitVector::clear_tail() {
    if (size_ % WORD_BITS != 0) words_.back() &= low_mask(size_ % WORD_BITS);
}

}  // namespace qkdlab::core
