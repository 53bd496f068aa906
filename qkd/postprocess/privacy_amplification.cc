#include "qkdlab/qkd/privacy_amplification.h"

#include <string.h>  // explicit_bzero

#include <algorithm>
#include <bit>
#include <boost/random/uniform_int_distribution.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "gf2_middle_product.h"
#include "qkdlab/core/error.h"

namespace qkdlab::qkd {
namespace {

using Word = core::BitVector::Word;
constexpr std::size_t WORD_BITS = core::BitVector::WORD_BITS;

// Up to this many key-bit x output-bit products the word-wise product is faster than Karatsuba
// (measured 2026-11-22 on the AMD EPYC VM with VPCLMULQDQ: both take 0.2 us near n m = 2^13, e.g. n = 128,
// m = 115 or n = 256, m = 25; at n m = 2^15 the word-wise product takes twice as long, at 2^21 30 times).
constexpr std::size_t DIRECT_MAX_PRODUCT = std::size_t{1} << 13;

void check_sizes(const core::BitVector& key, std::size_t output_bits, const core::BitVector& seed) {
    const std::size_t seed_bits = toeplitz_seed_bits(key.size(), output_bits);
    if (seed.size() != seed_bits) {
        throw Error("a Toeplitz seed for " + std::to_string(key.size()) + " key bits and " +
                    std::to_string(output_bits) + " output bits must have n + m - 1 = " + std::to_string(seed_bits) +
                    " bits, got " + std::to_string(seed.size()));
    }
}

// Words holding a copy of the key or the seed, or values computed from them; wiped on destruction.
struct SecretWords {
    std::vector<Word> words;
    explicit SecretWords(std::size_t count) : words(count, 0) {}
    SecretWords(const SecretWords&) = delete;
    SecretWords& operator=(const SecretWords&) = delete;
    ~SecretWords() {
        if (!words.empty()) ::explicit_bzero(words.data(), words.size() * sizeof(Word));
    }
    Word* data() { return words.data(); }
};

// A square tile of the product: q x q words (64 q bits a side) at word row r0, word column c0.
struct Tile {
    std::size_t r0 = 0;
    std::size_t c0 = 0;
    std::size_t q = 0;
};

// Tiles covering the m x n matrix (m <= n) in words: squares of q1 = middle_product_words(rows) side
// by side, then the columns left (fewer than q1) in one more such square or a stack of smaller ones.
// Tiles reach past the matrix only into padding: rows past m (discarded) and columns past n (zero
// key bits).
std::vector<Tile> tiling(std::size_t n, std::size_t m) {
    const std::size_t rows = (m + WORD_BITS - 1) / WORD_BITS, columns = (n + WORD_BITS - 1) / WORD_BITS;
    const std::size_t q1 = middle_product_words(rows);
    std::vector<Tile> tiles;
    std::size_t c0 = 0;
    for (; c0 + q1 <= columns; c0 += q1) tiles.push_back({0, c0, q1});
    if (c0 < columns) {
        // One more square of q1, or the stack, whichever the cost model finds cheaper.
        const std::size_t q2 = middle_product_words(columns - c0), bands = (rows + q2 - 1) / q2;
        if (middle_product_cost(q1) <= static_cast<double>(bands) * middle_product_cost(q2)) {
            tiles.push_back({0, c0, q1});
        } else {
            for (std::size_t r0 = 0; r0 < rows; r0 += q2) tiles.push_back({r0, c0, q2});
        }
    }
    return tiles;
}

}  // namespace

std::size_t toeplitz_seed_bits(std::size_t input_bits, std::size_t output_bits) {
    if (output_bits < 1 || output_bits > input_bits) {
        throw Error("Toeplitz hashing compresses n key bits to 1 <= m <= n bits, got n = " +
                    std::to_string(input_bits) + " and m = " + std::to_string(output_bits));
    }
    const std::size_t seed_bits = input_bits + output_bits - 1;
    if (seed_bits > TOEPLITZ_MAX_SEED_BITS) {
        throw Error("Toeplitz hashing handles n + m - 1 <= " + std::to_string(TOEPLITZ_MAX_SEED_BITS) + " bits, got " +
                    std::to_string(seed_bits));
    }
    return seed_bits;
}

core::BitVector draw_toeplitz_seed(std::size_t input_bits, std::size_t output_bits, core::Rng& rng) {
    core::BitVector seed(toeplitz_seed_bits(input_bits, output_bits));
    boost::random::uniform_int_distribution<Word> word;
    for (Word& w : seed.words()) w = word(rng);
    seed.resize(seed.size());  // clear the bits beyond the size in the last word
    return seed;
}

core::BitVector toeplitz_hash(const core::BitVector& key, std::size_t output_bits, const core::BitVector& seed) {
    check_sizes(key, output_bits, seed);
    if (key.size() * output_bits <= DIRECT_MAX_PRODUCT) return toeplitz_hash_direct(key, output_bits, seed);
    return toeplitz_hash_karatsuba(key, output_bits, seed);
}

core::BitVector toeplitz_hash_direct(const core::BitVector& key, std::size_t output_bits, const core::BitVector& seed) {
    check_sizes(key, output_bits, seed);
    const std::size_t n = key.size(), m = output_bits;
    // Column j of T is the seed window [n - 1 - j, n - 1 - j + m): y is the xor of the columns of the
    // set bits of the key. One zero word of padding lets every window read two whole words.
    std::vector<Word> padded(seed.words().begin(), seed.words().end());
    padded.push_back(0);
    core::BitVector out(m);
    const std::span<Word> y = out.words();
    const std::size_t out_words = y.size();
    const std::span<const Word> x = key.words();
    for (std::size_t w = 0; w < x.size(); ++w) {
        for (Word bits = x[w]; bits != 0; bits &= bits - 1) {
            const std::size_t j = w * WORD_BITS + static_cast<std::size_t>(std::countr_zero(bits));
            const std::size_t offset = n - 1 - j, q = offset / WORD_BITS, r = offset % WORD_BITS;
            const Word* s = padded.data() + q;
            if (r == 0) {
                for (std::size_t k = 0; k < out_words; ++k) y[k] ^= s[k];
            } else {
                for (std::size_t k = 0; k < out_words; ++k) y[k] ^= (s[k] >> r) | (s[k + 1] << (WORD_BITS - r));
            }
        }
    }
    out.resize(m);  // the windows run past bit m in the last word; resize clears those bits
    return out;
}

core::BitVector toeplitz_hash_karatsuba(const core::BitVector& key, std::size_t output_bits,
                                        const core::BitVector& seed) {
    check_sizes(key, output_bits, seed);
    const std::size_t n = key.size(), m = output_bits;
    const std::vector<Tile> tiles = tiling(n, m);
    std::size_t rows = 0, columns = 0, max_q = 0;
    for (const Tile& t : tiles) {
        rows = std::max(rows, t.r0 + t.q);
        columns = std::max(columns, t.c0 + t.q);
        max_q = std::max(max_q, t.q);
    }
    // The padded matrix, N = 64 columns bits wide, is T'[i][j] = seed[i - j + n - 1] (0 outside the
    // seed) = E[i - j + N] with E the seed shifted up by N - n + 1 bits. The tile at (r0, c0) of q
    // words is the middle product of x's words [c0, c0 + q) with E's words from columns + r0 - c0 - q:
    // its bit i is xor_j E[64 q + i - j + 64 (columns + r0 - c0 - q)] x_j, the product at row 64 r0 + i
    // and column 64 c0 + j.
    SecretWords diagonals(rows + columns + 1);
    const std::size_t shift = columns * WORD_BITS - n + 1;
    const std::span<const Word> s = seed.words();
    for (std::size_t w = 0; w < s.size(); ++w) {
        const std::size_t bit = shift + w * WORD_BITS;
        diagonals.words[bit / WORD_BITS] |= s[w] << (bit % WORD_BITS);
        if (bit % WORD_BITS != 0) diagonals.words[bit / WORD_BITS + 1] |= s[w] >> (WORD_BITS - bit % WORD_BITS);
    }
    SecretWords x(columns), y(rows), scratch(middle_product_scratch_words(max_q));
    std::copy(key.words().begin(), key.words().end(), x.data());
    const ClmulKernel kernel = best_clmul_kernel();
    for (const Tile& t : tiles) {
        middle_product(diagonals.data() + columns + t.r0 - t.c0 - t.q, x.data() + t.c0, y.data() + t.r0, t.q,
                       scratch.data(), kernel);
    }
    core::BitVector out(std::span<const Word>(y.words).first((m + WORD_BITS - 1) / WORD_BITS), m);
    return out;
}

}  // namespace qkdlab::qkd
