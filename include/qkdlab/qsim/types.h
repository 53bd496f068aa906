#pragma once
// The integer and number types of qsim, in one place (after PyMatching's ints.h).
//  - Qubit: an index into the qubits of a circuit or state, 32 bits (no state has 2^32 qubits).
//  - Index: a basis-state index of a state vector. 64 bits: n = 30 qubits already has 2^30 entries,
//    and bit q of an Index is qubit q (little-endian, as in OpenQASM and Qiskit).
//  - Complex: amplitudes and matrix entries, double precision.

#include <complex>
#include <cstdint>

namespace qkdlab::qsim {

using Qubit = std::uint32_t;
using Index = std::uint64_t;
using Complex = std::complex<double>;

// The most qubits a state vector may have; 2^40 amplitudes would be 16 TiB.
inline constexpr unsigned MAX_STATE_VECTOR_QUBITS = 40;

}  // namespace qkdlab::qsim
