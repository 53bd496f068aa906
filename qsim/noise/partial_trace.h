#pragma once
// The partial trace over any way of reading the entries of a state of n qubits, shared by
// qsim::partial_trace (a Matrix) and DensityMatrix::reduced_density_matrix (vec(rho)).

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "qkdlab/core/error.h"
#include "qkdlab/qsim/matrix.h"
#include "qkdlab/qsim/types.h"

namespace qkdlab::qsim {

// rho_keep[a][b] = sum over the other qubits of rho[(a, rest)][(b, rest)]; `element(r, c)` reads
// rho. Throws qkdlab::Error for a qubit out of range or kept twice.
template <class Element>
Matrix partial_trace_of(std::size_t num_qubits, std::span<const Qubit> keep, Element element) {
    Index keep_mask = 0;
    for (Qubit q : keep) {
        if (q >= num_qubits || ((keep_mask >> q) & 1)) {
            throw Error("cannot keep qubit " + std::to_string(q) + " of a " + std::to_string(num_qubits) +
                        "-qubit state");
        }
        keep_mask |= Index{1} << q;
    }
    if (keep.size() > 14) throw Error("a reduced density matrix of more than 14 qubits is too large");
    const std::size_t d = std::size_t{1} << keep.size();
    std::vector<Index> offsets(d, 0);
    for (std::size_t a = 0; a < d; ++a)
        for (std::size_t j = 0; j < keep.size(); ++j)
            if ((a >> j) & 1) offsets[a] |= Index{1} << keep[j];
    Matrix reduced(d);
    const Index dim = Index{1} << num_qubits;
    for (Index rest = 0; rest < dim; ++rest) {
        if (rest & keep_mask) continue;
        for (std::size_t a = 0; a < d; ++a)
            for (std::size_t b = 0; b < d; ++b) reduced(a, b) += element(rest | offsets[a], rest | offsets[b]);
    }
    return reduced;
}

}  // namespace qkdlab::qsim
