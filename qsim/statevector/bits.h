#pragma once
// Bit tricks on basis indices shared by the kernels, the fused executor and the state vector.

#include <span>

#include "qkdlab/qsim/types.h"

namespace qkdlab::qsim {

// The basis-index bits of `qubits`.
inline Index mask_of(std::span<const Qubit> qubits) {
    Index mask = 0;
    for (Qubit q : qubits) mask |= Index{1} << q;
    return mask;
}

// i with a zero bit inserted at `position`: the bits at and above it move up by one.
inline Index insert_zero_bit(Index i, unsigned position) {
    const Index low = i & ((Index{1} << position) - 1);
    return ((i ^ low) << 1) | low;
}

}  // namespace qkdlab::qsim
