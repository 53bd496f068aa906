#pragma once
// Standard circuits built in code: for examples, tests and benchmarks.

#include "qkdlab/core/rng.h"
#include "qkdlab/qsim/circuit.h"

namespace qkdlab::qsim {

// H on qubit 0, then a CX chain: (|0...0> + |1...1>) / sqrt(2). No measurements.
Circuit ghz_circuit(unsigned num_qubits);

// The quantum Fourier transform |x> -> 2^{-n/2} sum_k exp(2 pi i x k / 2^n) |k> (little-endian
// x and k), as H and controlled phases followed by the swaps that restore the qubit order.
Circuit qft_circuit(unsigned num_qubits);

// `layers` layers of RY and RZ with uniformly random angles on every qubit, then CX on a brick
// pattern (pairs (0,1), (2,3), ... on even layers, (1,2), (3,4), ... on odd ones).
Circuit random_layered_circuit(unsigned num_qubits, unsigned layers, core::Rng& rng);

}  // namespace qkdlab::qsim
