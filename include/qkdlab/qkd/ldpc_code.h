#pragma once
// Low-density parity-check codes for one-way error reconciliation: a sparse parity-check matrix
// held in both adjacency directions (compact offset/index arrays), the variable-node degree
// distributions it is built from, and the progressive-edge-growth (PEG) construction of Hu,
// Eleftheriou and Arnold ("Regular and irregular progressive edge-growth Tanner graphs", IEEE
// Trans. Inf. Theory 51, 386 (2005)), deterministic from a seed. Built codes are cached in-process
// (ldpc_code()), so the many frames of a key, and Bob who rebuilds the code from its parameters,
// share one build.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "qkdlab/core/bit_vector.h"

namespace qkdlab::qkd {

// A variable-node degree distribution from the edge perspective: edge_fractions[i] of the edges
// end at variables of degree degrees[i] (Richardson and Urbanke's lambda_i). Check degrees are
// concentrated (the two integers around the mean), which PEG's lowest-degree-first choice yields.
struct LdpcDegreeDistribution {
    std::vector<std::uint32_t> degrees;
    std::vector<double> edge_fractions;
};

// The variable degree distribution used for a code of design rate `rate` (1 - checks / bits), in
// [0.3, 0.98]; see ldpc_code.cc for its source. Throws qkdlab::Error outside that range.
LdpcDegreeDistribution ldpc_degree_distribution(double rate);

// The degree of each of `bits` variables (ascending), realising the distribution of the design
// rate 1 - checks / bits: node counts lambda_i / i normalised, rounded by largest remainder.
std::vector<std::uint32_t> ldpc_variable_degrees(std::size_t bits, std::size_t checks);

// What names a code: both sides build the same code from these.
struct LdpcCodeParameters {
    std::uint32_t bits = 0;    // N, the code length
    std::uint32_t checks = 0;  // M, the number of parity checks (rows)
    std::uint64_t seed = 0;    // drives every random tie-break of the construction
    auto operator<=>(const LdpcCodeParameters&) const = default;
};

// Throws qkdlab::Error unless 16 <= bits <= 2^24 and the design rate 1 - checks / bits lies in
// [0.3, 0.98].
void check(const LdpcCodeParameters& parameters);

// The parity-check matrix H (checks x bits) of one code. Row c lists the variables of check c
// ascending; column v the checks of variable v ascending.
class LdpcCode {
  public:
    // The PEG construction (Hu et al. 2005): variables in ascending degree; each new edge of a
    // variable goes to a check of the lowest current degree among those farthest from it in the
    // graph built so far. The breadth-first search always covers distance 2 (so no 4-cycle is
    // made while any check lies farther) and goes deeper only while its work stays under a budget
    // (PEG_BFS_BUDGET edges), which keeps a 10^5-bit build within a second or two.
    static LdpcCode peg(const LdpcCodeParameters& parameters);

    const LdpcCodeParameters& parameters() const { return parameters_; }
    std::size_t bits() const { return parameters_.bits; }
    std::size_t checks() const { return parameters_.checks; }
    std::size_t edges() const { return check_variables_.size(); }

    std::span<const std::uint32_t> check_variables(std::size_t check) const {
        return {check_variables_.data() + check_offsets_[check], check_offsets_[check + 1] - check_offsets_[check]};
    }
    std::span<const std::uint32_t> variable_checks(std::size_t variable) const {
        return {variable_checks_.data() + variable_offsets_[variable],
                variable_offsets_[variable + 1] - variable_offsets_[variable]};
    }
    // Row offsets (checks + 1 of them) into all_check_variables().
    std::span<const std::uint32_t> check_offsets() const { return check_offsets_; }
    std::span<const std::uint32_t> all_check_variables() const { return check_variables_; }

    // Variables that can be punctured together, in the order to take them: untainted puncturing
    // (Elkouss, Martinez-Mateo and Martin, "Untainted puncturing for irregular low-density
    // parity-check codes", IEEE Wireless Commun. Lett. 1, 585 (2012)): no check has two of them,
    // so each is recovered in one step, and the columns of any prefix have full column rank.
    std::span<const std::uint32_t> puncturing_order() const { return puncturing_order_; }

    // H word: the syndrome of a `bits`-bit word.
    core::BitVector syndrome(const core::BitVector& word) const;

  private:
    LdpcCode() = default;
    void index_columns();

    LdpcCodeParameters parameters_;
    std::vector<std::uint32_t> check_offsets_, check_variables_;
    std::vector<std::uint32_t> variable_offsets_, variable_checks_;
    std::vector<std::uint32_t> puncturing_order_;
};

// The code of these parameters, built once per process and shared (thread-safe; concurrent
// callers of the same parameters wait for one build).
std::shared_ptr<const LdpcCode> ldpc_code(const LdpcCodeParameters& parameters);

// A lower bound on the rank over GF(2) of the columns `punctured` of H, proven by peeling: a check
// with exactly one of the remaining columns shows that column independent of the others, which are
// then peeled on. Returns the number of columns peeled (punctured.size() proves full column rank).
std::size_t peeled_column_rank(const LdpcCode& code, std::span<const std::uint32_t> punctured);

}  // namespace qkdlab::qkd
