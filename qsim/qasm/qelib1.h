#pragma once
// The gates that OpenQASM 2.0 knows without a definition in the program: the primitives U and CX,
// always there, and the standard library that `include "qelib1.inc"` brings (Qiskit's qelib1.inc,
// plus iswap and ryy). A gate maps to a native GateKind where one exists; csx, c3x, c3sqrtx and c4x
// to a controlled target matrix; u0 to the identity; and the relative-phase Toffolis rccx and rc3x,
// which have no native form, keep their qelib1.inc definitions, given as OpenQASM source.

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "qkdlab/qsim/circuit.h"

namespace qkdlab::qsim::qasm {

// One application of a gate: its evaluated angles, its qubits in OpenQASM order (controls first)
// and the condition of an `if` around it.
struct GateCall {
    std::span<const double> params;
    std::span<const Qubit> qubits;
    std::optional<Condition> condition;
};

struct BuiltinGate {
    std::string name;
    std::size_t num_params = 0;
    std::size_t num_qubits = 0;
    // Appends the gate to the circuit; the call has `num_params` angles and `num_qubits` distinct qubits.
    std::function<void(Circuit&, const GateCall&)> append;
};

// U(theta, phi, lambda) and CX.
std::span<const BuiltinGate> primitive_gates();

// The gates of qelib1.inc that have a native form.
std::span<const BuiltinGate> qelib1_native_gates();

// The rest of qelib1.inc as `gate` definitions in OpenQASM source, written in terms of the native
// gates, to be parsed after those are declared.
std::string_view qelib1_defined_gates();

}  // namespace qkdlab::qsim::qasm
