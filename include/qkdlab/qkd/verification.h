#pragma once
// Error verification after reconciliation (docs/postprocessing.md, "Error verification"): Alice and
// Bob hash their keys with the same freshly drawn epsilon-almost universal hash, Alice discloses her
// tag, and the block is kept only if Bob's tag equals it. Equal keys always pass; unequal keys pass
// with probability at most eps_cor, whatever the errors are, because the hash is drawn after the keys
// are fixed.
//
// The hash: polynomial evaluation over GF(2^64) = GF(2)[x] / (x^64 + x^4 + x^3 + x + 1) (the field of
// NIST SP 800-38B's 64-bit CMAC). A key of n bits is cut into L = ceil(n / 64) words m_1..m_L (bit i
// of the key is bit i % 64 of word i / 64, as in core::BitVector) and, at a random point s,
//   P(s) = m_1 s^{L+1} + m_2 s^L + ... + m_L s^2 + n s.
// Two different keys (different bits, or different lengths: then the s coefficient n differs) give a
// nonzero difference polynomial D of degree at most L + 1 without constant term. A part of the tag
// keeps the low b <= 64 bits of P(s); it collides iff D(s) lies in the set V of the 2^{64 - b} field
// elements whose low b bits are zero, and D(s) - v is nonzero of degree <= L + 1 for every v in V
// (v = 0: D itself; v != 0: its constant term is v), so it has at most L + 1 roots:
//   Pr[collision of one part] <= 2^{64 - b} (L + 1) / 2^64 = (L + 1) / 2^b.
// The tag is several parts, each at its own independent point, all 64 bits but the last, and the
// collision probability is the product. The tag length is the smallest that brings the product to
// eps_cor or below (for n = 10^6 bits and eps_cor = 1e-15: 64 bits, bound 8.5e-16).
//
// The evaluation points are drawn from a core::Rng here (a simulation); a deployment takes them from
// pre-shared or earlier key material. The tag bits Alice discloses are counted as leaked.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "qkdlab/core/bit_vector.h"
#include "qkdlab/core/rng.h"

namespace qkdlab::qkd {

// The product a b in GF(2^64) above (bit i of a word is the coefficient of x^i), bit by bit: the
// reference the table-driven hash is tested against.
std::uint64_t gf64_multiply(std::uint64_t a, std::uint64_t b);

// The polynomial above at one fixed point s, by Horner's rule with multiplication by s done by eight
// lookups in a 16 KiB table (s times each byte value at each byte position). Also the hash of the
// message authentication (authentication.h), which feeds it words one at a time.
class PolynomialHash {
  public:
    explicit PolynomialHash(std::uint64_t point);
    // One Horner step: (acc + word) s. From acc = 0, stepping through m_1..m_L and then n gives P(s).
    std::uint64_t step(std::uint64_t acc, std::uint64_t word) const {
        const std::uint64_t a = acc ^ word;
        std::uint64_t r = 0;
        for (std::size_t j = 0; j < 8; ++j) r ^= table_[j][a >> (8 * j) & 0xff];
        return r;
    }
    // P(s) = m_1 s^{L+1} + ... + m_L s^2 + n s of the words m_1..m_L and the length coefficient n.
    std::uint64_t operator()(std::span<const std::uint64_t> words, std::uint64_t length) const;

  private:
    std::array<std::array<std::uint64_t, 256>, 8> table_;
};

// The smallest tag length whose collision probability for keys of up to max_key_bits is <= eps_cor.
// Throws Error unless 0 < eps_cor < 1.
std::size_t verification_tag_bits(std::size_t max_key_bits, double eps_cor);
// The collision probability bound of a tag of tag_bits bits for keys of up to max_key_bits (<= 1).
double verification_collision_bound(std::size_t max_key_bits, std::size_t tag_bits);

struct VerificationHash {
    std::vector<std::uint64_t> points;  // one evaluation point per part of the tag
    std::size_t tag_bits = 0;
    std::size_t max_key_bits = 0;
    double collision_bound = 1;  // verification_collision_bound(max_key_bits, tag_bits)
};
// Draws a hash for keys of up to max_key_bits bits with collision probability <= eps_cor.
VerificationHash draw_verification_hash(std::size_t max_key_bits, double eps_cor, core::Rng& rng);
// The tag of a key (tag_bits bits). Throws Error if the key is longer than hash.max_key_bits.
core::BitVector verification_tag(const core::BitVector& key, const VerificationHash& hash);

struct VerificationResult {
    bool passed = false;
    std::size_t disclosed_bits = 0;  // Alice's tag
    double collision_bound = 1;      // the chance that unequal keys passed
};
// The exchange in process: a hash for the longer key drawn from `rng`, both tags, compared. Keys of
// different lengths fail (through the hash, which encodes the length). A failed block is to be
// discarded by the caller.
[[nodiscard]] VerificationResult verify_keys(const core::BitVector& alice_key, const core::BitVector& bob_key,
                                             double eps_cor, core::Rng& rng);

}  // namespace qkdlab::qkd
