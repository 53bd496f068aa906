#pragma once
// One operation of a circuit applied to a state: the same for every engine (StateVector,
// DensityMatrix), which all have apply_gate, apply_matrix, measure and reset. A measurement's
// outcome passes through `record` (the readout of a noise model, or none) into its bit.

#include <vector>

#include "qkdlab/core/rng.h"
#include "qkdlab/qsim/circuit.h"

namespace qkdlab::qsim {

template <class State, class Record>
void apply_operation(const Operation& op, State& state, std::vector<bool>& bits, core::Rng& rng, Record&& record) {
    switch (op.kind) {
        case OpKind::gate:
            state.apply_gate(op.gate, op.qubits, op.params);
            break;
        case OpKind::unitary:
            state.apply_matrix(op.matrix, op.qubits, op.controls);
            break;
        case OpKind::measure:
            bits[op.clbits[0]] = record(op.qubits[0], state.measure(op.qubits[0], rng));
            break;
        case OpKind::reset:
            state.reset(op.qubits[0], rng);
            break;
        case OpKind::barrier:
            break;
    }
}

}  // namespace qkdlab::qsim
