#include "gf2_middle_product.h"

#include <algorithm>
#include <cassert>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace qkdlab::qkd {
namespace {

using Word = std::uint64_t;

// Up to this many words the schoolbook middle product (q (q + 1) carry-less products) is used instead
// of another Karatsuba level. Measured with bench/qkd/privacy_amplification.perf.cc (VPCLMULQDQ
// kernel, 10^7 bits to n/2, CPU time): 184 ms with 8, 142 ms with 16, 96-100 ms with 24 to 64 (the
// vector kernel works in groups of eight diagonals, so its cost per word levels off); at 10^6 bits
// 32 was fastest (2.6 ms, 3.2-3.3 ms with 24 or 64).
constexpr std::size_t BASE_WORDS = 32;

// The schoolbook middle product: Z_d = xor_b a[d - b] x[b] (128 bits) for d = q - 1 ... 2q - 1, and
// word i of z = low half of Z_(q+i) xor high half of Z_(q+i-1).
void add_diagonal(Word lo, Word hi, std::size_t d, Word* z, std::size_t q) {
    if (d >= q) z[d - q] ^= lo;
    if (d + 1 < 2 * q) z[d + 1 - q] ^= hi;
}

// 64 x 64 -> 128-bit carry-less product without branches on the operands (x is key material).
inline void clmul_portable(Word a, Word x, Word& lo, Word& hi) {
    Word l = 0, h = 0;
    for (unsigned i = 0; i < 64; ++i) {
        const Word mask = Word{0} - ((x >> i) & 1u);
        l ^= (a << i) & mask;
        h ^= ((a >> 1) >> (63 - i)) & mask;  // a >> (64 - i), and 0 for i = 0
    }
    lo = l;
    hi = h;
}

void base_portable(const Word* a, const Word* x, Word* z, std::size_t q, Word* /*scratch*/) {
    for (std::size_t d = q - 1; d < 2 * q; ++d) {
        Word lo = 0, hi = 0;
        for (std::size_t b = 0; b < q; ++b) {
            Word l, h;
            clmul_portable(a[d - b], x[b], l, h);
            lo ^= l;
            hi ^= h;
        }
        add_diagonal(lo, hi, d, z, q);
    }
}

#if defined(__x86_64__)
__attribute__((target("pclmul,sse4.1"))) void base_pclmul(const Word* a, const Word* x, Word* z, std::size_t q,
                                                          Word* /*scratch*/) {
    for (std::size_t d = q - 1; d < 2 * q; ++d) {
        __m128i acc = _mm_setzero_si128();
        std::size_t b = 0;
        // Two products per pair of loads: (a[d - b - 1], a[d - b]) with (x[b], x[b + 1]).
        for (; b + 1 < q; b += 2) {
            const __m128i pair_a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + d - b - 1));
            const __m128i pair_x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x + b));
            acc = _mm_xor_si128(acc, _mm_clmulepi64_si128(pair_a, pair_x, 0x01));  // a[d - b] x[b]
            acc = _mm_xor_si128(acc, _mm_clmulepi64_si128(pair_a, pair_x, 0x10));  // a[d - b - 1] x[b + 1]
        }
        if (b < q) {
            acc = _mm_xor_si128(acc, _mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<long long>(a[d - b])),
                                                          _mm_cvtsi64_si128(static_cast<long long>(x[b])), 0x00));
        }
        add_diagonal(static_cast<Word>(_mm_cvtsi128_si64(acc)), static_cast<Word>(_mm_extract_epi64(acc, 1)), d, z, q);
    }
}

// Eight diagonals d0 ... d0 + 7 at once: the 512-bit vector of a[d0 - b ... d0 - b + 7] times x[b]
// gives the products of the even words (into Z_d0, Z_d0+2, ...) and of the odd words (Z_d0+1, ...).
// Loads that would pass the end of a (word 2q) are masked; they occur for b < d0 + 8 - 2q only.
__attribute__((target("avx512f,vpclmulqdq"))) void base_vpclmul(const Word* a, const Word* x, Word* z, std::size_t q,
                                                                Word* /*scratch*/) {
    alignas(64) Word even[8], odd[8];
    for (std::size_t d0 = q - 1; d0 < 2 * q; d0 += 8) {
        __m512i acc_even = _mm512_setzero_si512(), acc_odd = _mm512_setzero_si512();
        const std::size_t masked = std::min(q, d0 + 8 > 2 * q ? d0 + 8 - 2 * q : 0);
        std::size_t b = 0;
        for (; b < masked; ++b) {
            const std::size_t start = d0 - b, valid = 2 * q - start;
            const auto mask = static_cast<__mmask8>((1u << valid) - 1);
            const __m512i words = _mm512_maskz_loadu_epi64(mask, a + start);
            const __m512i xb = _mm512_set1_epi64(static_cast<long long>(x[b]));
            acc_even = _mm512_xor_si512(acc_even, _mm512_clmulepi64_epi128(words, xb, 0x00));
            acc_odd = _mm512_xor_si512(acc_odd, _mm512_clmulepi64_epi128(words, xb, 0x01));
        }
        for (; b < q; ++b) {
            const __m512i words = _mm512_loadu_si512(a + d0 - b);
            const __m512i xb = _mm512_set1_epi64(static_cast<long long>(x[b]));
            acc_even = _mm512_xor_si512(acc_even, _mm512_clmulepi64_epi128(words, xb, 0x00));
            acc_odd = _mm512_xor_si512(acc_odd, _mm512_clmulepi64_epi128(words, xb, 0x01));
        }
        _mm512_store_si512(even, acc_even);
        _mm512_store_si512(odd, acc_odd);
        for (std::size_t l = 0; l < 4; ++l) {
            if (d0 + 2 * l < 2 * q) add_diagonal(even[2 * l], even[2 * l + 1], d0 + 2 * l, z, q);
            if (d0 + 2 * l + 1 < 2 * q) add_diagonal(odd[2 * l], odd[2 * l + 1], d0 + 2 * l + 1, z, q);
        }
    }
}
#endif

using Kernel = void (*)(const Word*, const Word*, Word*, std::size_t, Word*);

// One transposed Karatsuba level (see the header), adding the middle product into z; `recurse` is the
// kernel that called it (the half-size products), `base` the schoolbook one. Inlined into each
// kernel so that its loops are compiled for that kernel's instruction set. Scratch: the sum of two
// diagonal windows (2h words), the sum of the halves of x (h), P0 (h), then the deeper levels.
__attribute__((always_inline)) inline void karatsuba_level(const Word* a, const Word* x, Word* z, std::size_t q,
                                                           Word* scratch, Kernel recurse, Kernel base) {
    if (q <= BASE_WORDS) {
        base(a, x, z, q, nullptr);
        return;
    }
    assert(q % 2 == 0);
    const std::size_t h = q / 2;
    Word* sum_a = scratch;
    Word* sum_x = scratch + 2 * h;
    Word* p0 = scratch + 3 * h;
    Word* deeper = scratch + 4 * h;
    // z0 += P0 and z1 += P0, P0 = B0 (x0 + x1) with the diagonals of B0 at a + h.
    for (std::size_t i = 0; i < h; ++i) {
        sum_x[i] = x[i] ^ x[h + i];
        p0[i] = 0;
    }
    recurse(a + h, sum_x, p0, h, deeper);
    for (std::size_t i = 0; i < h; ++i) {
        z[i] ^= p0[i];
        z[h + i] ^= p0[i];
    }
    // z0 += (B-1 + B0) x1, the diagonals of B-1 at a.
    for (std::size_t i = 0; i < 2 * h; ++i) sum_a[i] = a[i] ^ a[h + i];
    recurse(sum_a, x + h, z, h, deeper);
    // z1 += (B1 + B0) x0, the diagonals of B1 at a + 2h.
    for (std::size_t i = 0; i < 2 * h; ++i) sum_a[i] = a[2 * h + i] ^ a[h + i];
    recurse(sum_a, x, z + h, h, deeper);
}

void karatsuba_portable(const Word* a, const Word* x, Word* z, std::size_t q, Word* scratch) {
    karatsuba_level(a, x, z, q, scratch, karatsuba_portable, base_portable);
}
#if defined(__x86_64__)
__attribute__((target("pclmul,sse4.1"))) void karatsuba_pclmul(const Word* a, const Word* x, Word* z, std::size_t q,
                                                               Word* scratch) {
    karatsuba_level(a, x, z, q, scratch, karatsuba_pclmul, base_pclmul);
}
__attribute__((target("avx512f,vpclmulqdq"))) void karatsuba_vpclmul(const Word* a, const Word* x, Word* z,
                                                                     std::size_t q, Word* scratch) {
    karatsuba_level(a, x, z, q, scratch, karatsuba_vpclmul, base_vpclmul);
}
#endif

}  // namespace

bool clmul_kernel_supported(ClmulKernel kernel) {
    switch (kernel) {
        case ClmulKernel::portable:
            return true;
#if defined(__x86_64__)
        case ClmulKernel::pclmul:
            return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
        case ClmulKernel::vpclmul:
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("vpclmulqdq");
#endif
        default:
            return false;
    }
}

ClmulKernel best_clmul_kernel() {
    static const ClmulKernel best = clmul_kernel_supported(ClmulKernel::vpclmul)  ? ClmulKernel::vpclmul
                                    : clmul_kernel_supported(ClmulKernel::pclmul) ? ClmulKernel::pclmul
                                                                                  : ClmulKernel::portable;
    return best;
}

std::size_t middle_product_words(std::size_t words) {
    assert(words >= 1);
    unsigned k = 0;
    while ((words + (std::size_t{1} << k) - 1) >> k > BASE_WORDS) ++k;
    return ((words + (std::size_t{1} << k) - 1) >> k) << k;
}

double middle_product_cost(std::size_t q) {
    double cost = 1;
    for (; q > BASE_WORDS; q /= 2) cost *= 3;
    return cost * static_cast<double>(q * (q + 1));
}

std::size_t middle_product_scratch_words(std::size_t q) {
    std::size_t words = 0;
    for (; q > BASE_WORDS; q /= 2) words += 2 * q;
    return words;
}

void middle_product(const std::uint64_t* a, const std::uint64_t* x, std::uint64_t* z, std::size_t q,
                    std::uint64_t* scratch, ClmulKernel kernel) {
    assert(q == middle_product_words(q) && clmul_kernel_supported(kernel));
    switch (kernel) {
#if defined(__x86_64__)
        case ClmulKernel::vpclmul:
            karatsuba_vpclmul(a, x, z, q, scratch);
            return;
        case ClmulKernel::pclmul:
            karatsuba_pclmul(a, x, z, q, scratch);
            return;
#endif
        default:
            karatsuba_portable(a, x, z, q, scratch);
            return;
    }
}

}  // namespace qkdlab::qkd
