#include "qkdlab/qkd/verification.h"

#include <algorithm>
#include <bit>
#include <boost/random/uniform_int_distribution.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "qkdlab/core/error.h"

namespace qkdlab::qkd {
namespace {

constexpr std::uint64_t REDUCTION = 0x1b;  // x^64 = x^4 + x^3 + x + 1
constexpr std::size_t PART_BITS = 64;
constexpr std::size_t MAX_TAG_BITS = 64 * PART_BITS;

// log2 of the bound (L + 1) / 2^b per part, parts of 64 bits but the last.
double log2_collision_bound(std::size_t max_key_bits, std::size_t tag_bits) {
    const double log2_degree = std::log2(static_cast<double>(core::BitVector::words_for(max_key_bits)) + 1);
    double sum = 0;
    for (std::size_t done = 0; done < tag_bits; done += PART_BITS) {
        const auto bits = static_cast<double>(std::min(PART_BITS, tag_bits - done));
        sum += std::min(0.0, log2_degree - bits);
    }
    return sum;
}

}  // namespace

PolynomialHash::PolynomialHash(std::uint64_t point) {
    // s a = sum_j s (a_j x^{8j}) for the bytes a_j of a, by linearity.
    std::uint64_t power = point;  // s x^{8j + b}, one doubling per bit
    for (std::size_t j = 0; j < 8; ++j) {
        table_[j][0] = 0;
        for (unsigned b = 0; b < 8; ++b) {
            table_[j][1u << b] = power;
            power = power << 1 ^ (power >> 63 ? REDUCTION : 0);
        }
        for (unsigned v = 1; v < 256; ++v) table_[j][v] = table_[j][v & (v - 1)] ^ table_[j][v & -v];
    }
}

std::uint64_t PolynomialHash::operator()(std::span<const std::uint64_t> words, std::uint64_t length) const {
    std::uint64_t acc = 0;  // Horner: ((m_1 s + m_2) s + ... + m_L) s, then (.. + n) s
    for (std::uint64_t word : words) acc = step(acc, word);
    return step(acc, length);
}

std::uint64_t gf64_multiply(std::uint64_t a, std::uint64_t b) {
    std::uint64_t r = 0;
    for (int i = 0; i < 64; ++i) {
        if (b >> i & 1u) r ^= a;
        const bool carry = a >> 63;
        a <<= 1;
        if (carry) a ^= REDUCTION;
    }
    return r;
}

std::size_t verification_tag_bits(std::size_t max_key_bits, double eps_cor) {
    if (!(eps_cor > 0 && eps_cor < 1)) {
        throw Error("verification: eps_cor " + std::to_string(eps_cor) + "; expected a value in (0, 1)");
    }
    const double target = std::log2(eps_cor);
    for (std::size_t bits = 1; bits <= MAX_TAG_BITS; ++bits) {
        if (log2_collision_bound(max_key_bits, bits) <= target) return bits;
    }
    throw Error("verification: no tag of up to " + std::to_string(MAX_TAG_BITS) + " bits reaches eps_cor " +
                std::to_string(eps_cor) + " for keys of " + std::to_string(max_key_bits) + " bits");
}

double verification_collision_bound(std::size_t max_key_bits, std::size_t tag_bits) {
    return std::exp2(log2_collision_bound(max_key_bits, tag_bits));
}

VerificationHash draw_verification_hash(std::size_t max_key_bits, double eps_cor, core::Rng& rng) {
    VerificationHash hash;
    hash.max_key_bits = max_key_bits;
    hash.tag_bits = verification_tag_bits(max_key_bits, eps_cor);
    hash.collision_bound = verification_collision_bound(max_key_bits, hash.tag_bits);
    boost::random::uniform_int_distribution<std::uint64_t> point(0, std::numeric_limits<std::uint64_t>::max());
    for (std::size_t done = 0; done < hash.tag_bits; done += PART_BITS) hash.points.push_back(point(rng));
    return hash;
}

core::BitVector verification_tag(const core::BitVector& key, const VerificationHash& hash) {
    if (key.size() > hash.max_key_bits) {
        throw Error("verification_tag: a key of " + std::to_string(key.size()) + " bits for a hash of keys up to " +
                    std::to_string(hash.max_key_bits) + " bits");
    }
    core::BitVector tag(hash.tag_bits);
    for (std::size_t part = 0; part < hash.points.size(); ++part) {
        const std::uint64_t acc = PolynomialHash(hash.points[part])(key.words(), key.size());
        const std::size_t begin = part * PART_BITS, bits = std::min(PART_BITS, hash.tag_bits - begin);
        for (std::size_t i = 0; i < bits; ++i) tag[begin + i] = acc >> i & 1u;
    }
    return tag;
}

VerificationResult verify_keys(const core::BitVector& alice_key, const core::BitVector& bob_key, double eps_cor,
                               core::Rng& rng) {
    const VerificationHash hash = draw_verification_hash(std::max(alice_key.size(), bob_key.size()), eps_cor, rng);
    VerificationResult result;
    result.disclosed_bits = hash.tag_bits;
    result.collision_bound = hash.collision_bound;
    result.passed = verification_tag(alice_key, hash) == verification_tag(bob_key, hash);
    return result;
}

}  // namespace qkdlab::qkd
