#include "qkdlab/qkd/privacy_amplification.h"

#include <string.h>  // explicit_bzero

#include <algorithm>
#include <bit>
#include <boost/random/uniform_int_distribution.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "qkdlab/core/error.h"

namespace qkdlab::qkd {
namespace {

using Word = core::BitVector::Word;
constexpr std::size_t WORD_BITS = core::BitVector::WORD_BITS;

// Below this many key-bit x output-bit products the word-wise product is faster than the transform
// (measured with bench/qkd/privacy_amplification.perf.cc: the crossing lies near n m = 2^31).
constexpr std::size_t DIRECT_MAX_PRODUCT = std::size_t{1} << 31;

void check_sizes(const core::BitVector& key, std::size_t output_bits, const core::BitVector& seed) {
    const std::size_t seed_bits = toeplitz_seed_bits(key.size(), output_bits);
    if (seed.size() != seed_bits) {
        throw Error("a Toeplitz seed for " + std::to_string(key.size()) + " key bits and " +
                    std::to_string(output_bits) + " output bits must have n + m - 1 = " + std::to_string(seed_bits) +
                    " bits, got " + std::to_string(seed.size()));
    }
}

// ---- Arithmetic modulo P = 7 * 2^26 + 1 in Montgomery form (R = 2^32) --------------------------------

constexpr std::uint32_t P = 469762049;  // prime, P - 1 = 7 * 2^26
constexpr std::uint32_t GENERATOR = 3;  // a primitive root modulo P
constexpr unsigned MAX_LOG_LENGTH = 26;

// -P^{-1} mod 2^32 by Newton's iteration (each step doubles the correct low bits).
constexpr std::uint32_t negated_inverse() {
    std::uint32_t inverse = P;  // correct to 3 bits since P is odd
    for (int i = 0; i < 5; ++i) inverse *= 2 - P * inverse;
    return ~inverse + 1;
}
constexpr std::uint32_t P_NEG_INV = negated_inverse();
static_assert(P * (~P_NEG_INV + 1) == 1);

std::uint32_t power(std::uint64_t base, std::uint64_t exponent) {
    std::uint64_t result = 1;
    base %= P;
    for (; exponent > 0; exponent >>= 1) {
        if (exponent & 1) result = result * base % P;
        base = base * base % P;
    }
    return static_cast<std::uint32_t>(result);
}

// a b R^{-1} mod P for a, b < P. With P < 2^29, t + m P < 2^64 and u < 2P before the final
// subtraction (min(u, u - P) is u - P when u >= P and u otherwise, since u - P wraps around).
inline std::uint32_t mont_mul(std::uint32_t a, std::uint32_t b) {
    const std::uint64_t t = std::uint64_t{a} * b;
    const std::uint32_t m = static_cast<std::uint32_t>(t) * P_NEG_INV;
    const auto u = static_cast<std::uint32_t>((t + std::uint64_t{m} * P) >> 32);
    return std::min(u, u - P);
}

constexpr std::uint64_t R_MOD_P = (std::uint64_t{1} << 32) % P;
// x R mod P: the Montgomery form of x.
std::uint32_t to_montgomery(std::uint64_t x) { return static_cast<std::uint32_t>(x % P * R_MOD_P % P); }

// The butterflies multiply by fixed roots of unity w with Shoup's method (V. Shoup, NTL; D. Harvey,
// "Faster arithmetic for number-theoretic transforms", J. Symb. Comput. 60, 113 (2014)): with
// w' = floor(w 2^32 / P), a w - floor(a w' / 2^32) P (mod 2^32) lies in [0, 2P) and is a w mod P, for
// any a < 2^32. The transforms keep their values lazily in [0, 2P) (4P < 2^31: no overflow).
struct Twiddles {
    std::vector<std::uint32_t> root;      // root[len + j] = w^j, w a primitive (2 len)-th root of unity
    std::vector<std::uint32_t> quotient;  // floor(root 2^32 / P)
};

inline std::uint32_t shoup_mul(std::uint32_t a, std::uint32_t w, std::uint32_t w_quotient) {
    const auto q = static_cast<std::uint32_t>((std::uint64_t{a} * w_quotient) >> 32);
    return a * w - q * P;
}
inline std::uint32_t reduce_twice(std::uint32_t x) { return std::min(x, x - 2 * P); }  // [0, 4P) -> [0, 2P)

// The roots of unity of each level: root[len + j] = w^j for the half-lengths len = 1, 2, ..., length/2
// and j < len, w a primitive (2 len)-th root of unity, with their Shoup quotients floor(root 2^32 / P).
// Both passes use them (see backward_transform).
Twiddles twiddle_table(std::size_t length) {
    Twiddles t{std::vector<std::uint32_t>(length), std::vector<std::uint32_t>(length)};
    if (length < 2) return t;
    const std::size_t half = length / 2;
    std::uint32_t* root = t.root.data() + half;
    std::uint32_t* quotient = t.quotient.data() + half;
    // The powers w^j of the top level: eight independent chains w^j = w^{j-8} w^8, so that the loop
    // runs eight (or a vector of) multiplications at once.
    const std::uint64_t w = power(GENERATOR, (P - 1) / length);
    std::uint64_t wj = 1;
    for (std::size_t j = 0; j < std::min<std::size_t>(8, half); ++j, wj = wj * w % P)
        root[j] = static_cast<std::uint32_t>(wj);
    const auto w8 = static_cast<std::uint32_t>(power(w, 8));
    const auto w8_quotient = static_cast<std::uint32_t>((std::uint64_t{w8} << 32) / P);
    for (std::size_t j = 8; j < half; ++j) {
        const std::uint32_t r = shoup_mul(root[j - 8], w8, w8_quotient);
        root[j] = std::min(r, r - P);
    }
    // floor(r 2^32 / P) from a double estimate (off by at most one: the relative error of the product
    // is below 2^-52 and the quotient below 2^32), corrected exactly.
    constexpr double SCALE = 4294967296.0 / P;
    for (std::size_t j = 0; j < half; ++j) {
        const std::uint64_t r = root[j];
        auto q = static_cast<std::uint64_t>(static_cast<double>(r) * SCALE);
        const auto rest = static_cast<std::int64_t>((r << 32) - q * P);
        q = rest < 0 ? q - 1 : (rest >= static_cast<std::int64_t>(P) ? q + 1 : q);
        quotient[j] = static_cast<std::uint32_t>(q);
    }
    for (std::size_t len = half / 2; len >= 1; len /= 2) {
        for (std::size_t j = 0; j < len; ++j) {
            t.root[len + j] = t.root[2 * len + 2 * j];
            t.quotient[len + j] = t.quotient[2 * len + 2 * j];
        }
    }
    return t;
}

// Gentleman-Sande butterflies (u, v) -> (u + v, (u - v) w) on count pairs (x[j], y[j]).
inline void forward_butterflies(std::uint32_t* x, std::uint32_t* y, const std::uint32_t* w, const std::uint32_t* wq,
                                std::size_t count) {
    for (std::size_t j = 0; j < count; ++j) {
        const std::uint32_t u = x[j], v = y[j];
        x[j] = reduce_twice(u + v);
        y[j] = shoup_mul(u - v + 2 * P, w[j], wq[j]);
    }
}
// Cooley-Tukey butterflies (u, v) -> (u + v w, u - v w).
inline void backward_butterflies(std::uint32_t* x, std::uint32_t* y, const std::uint32_t* w, const std::uint32_t* wq,
                                 std::size_t count) {
    for (std::size_t j = 0; j < count; ++j) {
        const std::uint32_t u = x[j], v = shoup_mul(y[j], w[j], wq[j]);
        x[j] = reduce_twice(u + v);
        y[j] = reduce_twice(u - v + 2 * P);
    }
}

// Memory traffic decides the speed of long transforms, so each value crosses the memory bus twice per
// transform: the levels whose butterflies stay inside blocks of BLOCK values (128 KiB, in the L2
// cache) run block by block, and the longer levels column chunk by column chunk (the 2^k rows of
// COLUMN values that one chunk touches through all of them also fit the cache).
constexpr std::size_t BLOCK = std::size_t{1} << 15;
constexpr std::size_t COLUMN = 64;

// The loops below are compiled for AVX2 and for the baseline; the loader picks by the processor.
// Levels len = block/2 ... 1 of each block of a[0, length). The last three have constant lengths so
// that the compiler unrolls them.
__attribute__((target_clones("avx512f", "avx2", "default"))) void forward_blocks(std::uint32_t* a, std::size_t length,
                                                                                 std::size_t block,
                                                                                 const std::uint32_t* w,
                                                                                 const std::uint32_t* wq) {
    for (std::size_t start = 0; start < length; start += block) {
        std::uint32_t* b = a + start;
        for (std::size_t len = block / 2; len >= 8; len /= 2)
            for (std::size_t i = 0; i < block; i += 2 * len)
                forward_butterflies(b + i, b + i + len, w + len, wq + len, len);
        if (block >= 8)
            for (std::size_t i = 0; i < block; i += 8) forward_butterflies(b + i, b + i + 4, w + 4, wq + 4, 4);
        if (block >= 4)
            for (std::size_t i = 0; i < block; i += 4) forward_butterflies(b + i, b + i + 2, w + 2, wq + 2, 2);
        for (std::size_t i = 0; i < block; i += 2) forward_butterflies(b + i, b + i + 1, w + 1, wq + 1, 1);
    }
}
__attribute__((target_clones("avx512f", "avx2", "default"))) void backward_blocks(std::uint32_t* a, std::size_t length,
                                                                                  std::size_t block,
                                                                                  const std::uint32_t* w,
                                                                                  const std::uint32_t* wq) {
    for (std::size_t start = 0; start < length; start += block) {
        std::uint32_t* b = a + start;
        for (std::size_t i = 0; i < block; i += 2) backward_butterflies(b + i, b + i + 1, w + 1, wq + 1, 1);
        if (block >= 4)
            for (std::size_t i = 0; i < block; i += 4) backward_butterflies(b + i, b + i + 2, w + 2, wq + 2, 2);
        if (block >= 8)
            for (std::size_t i = 0; i < block; i += 8) backward_butterflies(b + i, b + i + 4, w + 4, wq + 4, 4);
        for (std::size_t len = 8; len < block; len *= 2)
            for (std::size_t i = 0; i < block; i += 2 * len)
                backward_butterflies(b + i, b + i + len, w + len, wq + len, len);
    }
}
// Levels len = length/2 ... block of a[0, length): a butterfly at level len joins values len apart,
// so those with the same index modulo block form independent columns.
__attribute__((target_clones("avx512f", "avx2", "default"))) void forward_top(std::uint32_t* a, std::size_t length,
                                                                              std::size_t block, const std::uint32_t* w,
                                                                              const std::uint32_t* wq) {
    for (std::size_t c = 0; c < block; c += COLUMN)
        for (std::size_t len = length / 2; len >= block; len /= 2)
            for (std::size_t i = 0; i < length; i += 2 * len)
                for (std::size_t q = i + c; q < i + len; q += block)
                    forward_butterflies(a + q, a + q + len, w + len + (q - i), wq + len + (q - i), COLUMN);
}
__attribute__((target_clones("avx512f", "avx2", "default"))) void backward_top(std::uint32_t* a, std::size_t length,
                                                                               std::size_t block,
                                                                               const std::uint32_t* w,
                                                                               const std::uint32_t* wq) {
    for (std::size_t c = 0; c < block; c += COLUMN)
        for (std::size_t len = block; len < length; len *= 2)
            for (std::size_t i = 0; i < length; i += 2 * len)
                for (std::size_t q = i + c; q < i + len; q += block)
                    backward_butterflies(a + q, a + q + len, w + len + (q - i), wq + len + (q - i), COLUMN);
}
// a[i] = a[i] b[i] R^{-1} mod P for a[i], b[i] in [0, 2P).
__attribute__((target_clones("avx512f", "avx2", "default"))) void pointwise_product(std::uint32_t* a,
                                                                                    const std::uint32_t* b,
                                                                                    std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint32_t x = a[i], y = b[i];
        a[i] = mont_mul(std::min(x, x - P), std::min(y, y - P));
    }
}

// Decimation in frequency, natural order in, bit-reversed order out, values in [0, 2P).
void forward_transform(std::vector<std::uint32_t>& a, const Twiddles& t) {
    const std::size_t length = a.size(), block = std::min(length, BLOCK);
    if (length < 2) return;
    if (length > block) forward_top(a.data(), length, block, t.root.data(), t.quotient.data());
    forward_blocks(a.data(), length, block, t.root.data(), t.quotient.data());
}

// Decimation in time with the same roots, bit-reversed order in, natural order out. Applied to the
// forward transform C_j = sum_i c_i w^{ij} (in bit-reversed order) it gives sum_j C_j w^{jk} = L c_{-k mod L}:
// the inverse transform read backwards, which spares a second table of roots.
void backward_transform(std::vector<std::uint32_t>& a, const Twiddles& t) {
    const std::size_t length = a.size(), block = std::min(length, BLOCK);
    if (length < 2) return;
    backward_blocks(a.data(), length, block, t.root.data(), t.quotient.data());
    if (length > block) backward_top(a.data(), length, block, t.root.data(), t.quotient.data());
}

// The bits of v as 0/1 values in out[0, v.size()); out is zero beyond. Whole words first, with a
// constant trip count that the compiler unrolls.
void unpack(const core::BitVector& v, std::vector<std::uint32_t>& out) {
    const std::span<const Word> words = v.words();
    const std::size_t full = v.size() / WORD_BITS;
    for (std::size_t w = 0; w < full; ++w) {
        const Word word = words[w];
        std::uint32_t* o = out.data() + w * WORD_BITS;
        for (std::size_t b = 0; b < WORD_BITS; ++b) o[b] = static_cast<std::uint32_t>((word >> b) & 1u);
    }
    for (std::size_t i = full * WORD_BITS; i < v.size(); ++i) out[i] = v[i] ? 1u : 0u;
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
    return toeplitz_hash_transform(key, output_bits, seed);
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

core::BitVector toeplitz_hash_transform(const core::BitVector& key, std::size_t output_bits,
                                        const core::BitVector& seed) {
    check_sizes(key, output_bits, seed);
    const std::size_t n = key.size(), m = output_bits;
    // The cyclic convolution of length L >= n + m - 1 equals the linear one at the indices
    // k in [n - 1, n + m - 2] that y needs: there k - j lies in [0, n + m - 2] for every j < n.
    const std::size_t length = std::bit_ceil(n + m - 1);
    static_assert(TOEPLITZ_MAX_SEED_BITS <= (std::size_t{1} << MAX_LOG_LENGTH));
    std::vector<std::uint32_t> a(length, 0), b(length, 0);
    unpack(key, a);
    unpack(seed, b);
    const Twiddles twiddles = twiddle_table(length);
    forward_transform(a, twiddles);
    forward_transform(b, twiddles);
    pointwise_product(a.data(), b.data(), length);  // = A_i B_i R^{-1}
    backward_transform(a, twiddles);                // a[k] = L c_{-k mod L} R^{-1}
    // mont_mul(L c R^{-1}, R^2 L^{-1}) = c, exactly the integer convolution entry (it is <= n < P).
    const std::uint32_t scale = to_montgomery(std::uint64_t{power(length, P - 2)} * R_MOD_P % P);
    core::BitVector out(m);
    const std::span<Word> y = out.words();
    for (std::size_t i = 0; i < m; ++i) {
        const std::uint32_t v = a[(length - (i + n - 1)) & (length - 1)];  // in [0, 2P)
        y[i / WORD_BITS] |= Word{mont_mul(std::min(v, v - P), scale) & 1u} << (i % WORD_BITS);
    }
    ::explicit_bzero(a.data(), a.size() * sizeof(std::uint32_t));  // the key's transform and the products
    return out;
}

}  // namespace qkdlab::qkd
