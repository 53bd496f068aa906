#include "qasm/qelib1.h"

#include <vector>

namespace qkdlab::qsim::qasm {
namespace {

// The gates of qelib1.inc that are a GateKind of their own (cu1 is cp; iswap and ryy are extras).
constexpr std::string_view NATIVE_NAMES[] = {
    "u3",  "u2",  "u1",  "cx",  "id", "u",   "p",    "x",   "y",   "z",     "h",   "s",   "sdg",
    "t",   "tdg", "rx",  "ry",  "rz", "sx",  "sxdg", "cz",  "cy",  "swap",  "ch",  "ccx", "cswap",
    "crx", "cry", "crz", "cu1", "cp", "cu3", "cu",   "rxx", "rzz", "iswap", "ryy",
};

// A gate with the spelling, angles and qubits of its GateKind (aliases included: id, cu1, U, CX).
BuiltinGate native(std::string_view name) {
    const GateKind kind = gate_by_name(name).value();
    const GateInfo& info = gate_info(kind);
    return {std::string(name), info.num_params, info.num_qubits, [kind](Circuit& circuit, const GateCall& call) {
                circuit.append_gate(kind, call.qubits, call.params, call.condition);
            }};
}

// The target gate (no angles) on the last qubit, applied when the `num_controls` leading qubits are all 1.
BuiltinGate multi_controlled(std::string_view name, GateKind target, std::size_t num_controls) {
    return {std::string(name), 0, num_controls + 1, [target, num_controls](Circuit& circuit, const GateCall& call) {
                circuit.append_unitary(gate_target_matrix(target, {}), call.qubits.subspan(num_controls),
                                       call.qubits.first(num_controls), call.condition);
            }};
}

// u0(gamma) idles for gamma single-qubit gate lengths: the identity.
BuiltinGate idle() {
    return {"u0", 1, 1, [](Circuit& circuit, const GateCall& call) {
                circuit.append_gate(GateKind::i, call.qubits, {}, call.condition);
            }};
}

}  // namespace

std::span<const BuiltinGate> primitive_gates() {
    static const std::vector<BuiltinGate> gates = {native("U"), native("CX")};
    return gates;
}

std::span<const BuiltinGate> qelib1_native_gates() {
    static const std::vector<BuiltinGate> gates = [] {
        std::vector<BuiltinGate> all;
        for (const std::string_view name : NATIVE_NAMES) all.push_back(native(name));
        all.push_back(idle());
        all.push_back(multi_controlled("csx", GateKind::sx, 1));
        all.push_back(multi_controlled("c3x", GateKind::x, 3));
        // The 3-controlled SX, as Qiskit's C3SXGate; the body in qelib1.inc's text would give SX^dagger.
        all.push_back(multi_controlled("c3sqrtx", GateKind::sx, 3));
        all.push_back(multi_controlled("c4x", GateKind::x, 4));
        return all;
    }();
    return gates;
}

std::string_view qelib1_defined_gates() {
    // As in qelib1.inc: Margolus' relative-phase Toffoli and its three-control version.
    return R"(
gate rccx a,b,c
{
  u2(0,pi) c; u1(pi/4) c; cx b,c; u1(-pi/4) c; cx a,c; u1(pi/4) c; cx b,c; u1(-pi/4) c; u2(0,pi) c;
}
gate rc3x a,b,c,d
{
  u2(0,pi) d; u1(pi/4) d; cx c,d; u1(-pi/4) d; u2(0,pi) d;
  cx a,d; u1(pi/4) d; cx b,d; u1(-pi/4) d; cx a,d; u1(pi/4) d; cx b,d; u1(-pi/4) d;
  u2(0,pi) d; u1(pi/4) d; cx c,d; u1(-pi/4) d; u2(0,pi) d;
}
)";
}

}  // namespace qkdlab::qsim::qasm
