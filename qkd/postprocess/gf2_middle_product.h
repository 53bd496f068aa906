#pragma once
// The middle product of polynomials over GF(2), packed 64 coefficients to a word (bit i of word w is
// the coefficient of t^(64 w + i)): for a of 2q words and x of q words, z = words q ... 2q - 1 of the
// product a x. Bit i of z is xor_j a[64 q + i - j] x[j]: z is the q x q Toeplitz matrix whose
// diagonals a holds (its bit 0 is never read) times x, the product that Toeplitz hashing needs.
//
// Transposed Karatsuba (Hanrot, Quercia and Zimmermann, "The middle product algorithm I", Appl.
// Algebra Eng. Commun. Comput. 14, 415 (2004); as a Toeplitz matrix-vector product, Fan and Hasan,
// IEEE Trans. Comput. 56, 224 (2007)): with q = 2h, the matrix [B0 B-1; B1 B0] of h x h Toeplitz
// blocks, and x = (x0, x1),
//   P0 = B0 (x0 + x1),  P1 = (B-1 + B0) x1,  P2 = (B1 + B0) x0,  z = (P0 + P1, P0 + P2):
// three half-size products, as the three of Karatsuba's product, and half the work of the full
// product of a and x. Up to 32 words, a schoolbook middle product on carry-less 64 x 64-bit
// multiplications: PCLMULQDQ, VPCLMULQDQ on 512-bit vectors, or a portable loop, chosen by the
// processor (all three tested against each other).

#include <cstddef>
#include <cstdint>

namespace qkdlab::qkd {

enum class ClmulKernel : std::uint8_t { portable, pclmul, vpclmul };

// Whether this processor runs `kernel` (portable: always).
[[nodiscard]] bool clmul_kernel_supported(ClmulKernel kernel);

// The fastest kernel this processor runs.
[[nodiscard]] ClmulKernel best_clmul_kernel();

// The sizes middle_product handles are q = b 2^k with 1 <= b <= 32 (the schoolbook size); this
// returns the smallest such q >= words (words >= 1).
[[nodiscard]] std::size_t middle_product_words(std::size_t words);

// Base-case carry-less products of a middle product of q words (the cost model of tilings: the
// schoolbook base runs 3^k times, each b (b + 1) products).
[[nodiscard]] double middle_product_cost(std::size_t q);

// The scratch words middle_product needs for q.
[[nodiscard]] std::size_t middle_product_scratch_words(std::size_t q);

// z[0, q) ^= words q ... 2q - 1 of a x, with a[0, 2q), x[0, q), q = middle_product_words(q), and
// scratch[0, middle_product_scratch_words(q)) (left holding sums of x: wipe it if x is secret). z must
// not overlap the others.
void middle_product(const std::uint64_t* a, const std::uint64_t* x, std::uint64_t* z, std::size_t q,
                    std::uint64_t* scratch, ClmulKernel kernel);

}  // namespace qkdlab::qkd
