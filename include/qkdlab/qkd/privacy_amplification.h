#pragma once
// Privacy amplification by Toeplitz hashing: an n-bit reconciled key x is compressed to m <= n bits
// y = T x over GF(2), where T is the m x n Toeplitz matrix T[i][j] = seed[i - j + n - 1] of a public
// seed of n + m - 1 uniformly random bits. Toeplitz matrices form a two-universal family (Krawczyk,
// CRYPTO '94, LNCS 839, p. 129): for x != x', Pr_seed[T x = T x'] = 2^-m, which the leftover hash
// lemma turns into an epsilon_sec-secret key when m is the finite-key length (finite_key.h).
//
// Computed two ways with bit-identical results: word-wise on the packed bits (each set bit of x
// xors a shifted window of the seed into y), and, for large blocks, as middle products of GF(2)
// polynomials: y_i is coefficient i + n - 1 of the product seed(t) x(t), and tiles of T are Toeplitz
// matrix-vector products by transposed Karatsuba over carry-less multiplications (gf2_middle_product.h
// in the sources).

#include <cstddef>

#include "qkdlab/core/bit_vector.h"
#include "qkdlab/core/rng.h"

namespace qkdlab::qkd {

// The largest n + m - 1 handled (2^26 bits: 8 MiB of seed; the working memory grows with it).
inline constexpr std::size_t TOEPLITZ_MAX_SEED_BITS = std::size_t{1} << 26;

// n + m - 1. Throws Error unless 1 <= output_bits <= input_bits and the seed fits
// TOEPLITZ_MAX_SEED_BITS.
[[nodiscard]] std::size_t toeplitz_seed_bits(std::size_t input_bits, std::size_t output_bits);

// A uniformly random seed of toeplitz_seed_bits(input_bits, output_bits) bits, for simulations
// (a deployment draws it from its cryptographic entropy source and sends it over the authenticated
// channel; it is public).
[[nodiscard]] core::BitVector draw_toeplitz_seed(std::size_t input_bits, std::size_t output_bits, core::Rng& rng);

// y = T x with T[i][j] = seed[i - j + n - 1], n = key.size(), m = output_bits. Chooses the faster of
// the two methods below by size. Throws Error if the sizes do not fit (see toeplitz_seed_bits, and
// seed.size() must equal n + m - 1). Temporary copies of the key are wiped before they are freed.
[[nodiscard]] core::BitVector toeplitz_hash(const core::BitVector& key, std::size_t output_bits,
                                            const core::BitVector& seed);

// The same product word-wise: O(n m / 64) word operations. The reference for the other method.
[[nodiscard]] core::BitVector toeplitz_hash_direct(const core::BitVector& key, std::size_t output_bits,
                                                   const core::BitVector& seed);

// The same product by transposed Karatsuba: O(m^0.58 n) carry-less word products (m^1.58 for m = n).
[[nodiscard]] core::BitVector toeplitz_hash_karatsuba(const core::BitVector& key, std::size_t output_bits,
                                                      const core::BitVector& seed);

}  // namespace qkdlab::qkd
