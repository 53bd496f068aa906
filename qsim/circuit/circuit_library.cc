#include "qkdlab/qsim/circuit_library.h"

#include <boost/random/uniform_real_distribution.hpp>
#include <cmath>
#include <numbers>

namespace qkdlab::qsim {

Circuit ghz_circuit(unsigned num_qubits) {
    Circuit c(num_qubits);
    c.h(0);
    for (Qubit q = 1; q < num_qubits; ++q) c.cx(q - 1, q);
    return c;
}

Circuit qft_circuit(unsigned num_qubits) {
    Circuit c(num_qubits);
    for (Qubit j = num_qubits; j-- > 0;) {
        c.h(j);
        for (Qubit k = j; k-- > 0;) {
            const Qubit qubits[] = {k, j};
            const double phase[] = {std::ldexp(std::numbers::pi, -static_cast<int>(j - k))};
            c.append_gate(GateKind::cp, qubits, phase);
        }
    }
    for (Qubit q = 0; q < num_qubits / 2; ++q) {
        const Qubit qubits[] = {q, num_qubits - 1 - q};
        c.append_gate(GateKind::swap, qubits);
    }
    return c;
}

Circuit random_layered_circuit(unsigned num_qubits, unsigned layers, core::Rng& rng) {
    Circuit c(num_qubits);
    boost::random::uniform_real_distribution<double> angle(0, 2 * std::numbers::pi);
    for (unsigned layer = 0; layer < layers; ++layer) {
        for (Qubit q = 0; q < num_qubits; ++q) {
            const Qubit qubit[] = {q};
            const double ry[] = {angle(rng)}, rz[] = {angle(rng)};
            c.append_gate(GateKind::ry, qubit, ry);
            c.append_gate(GateKind::rz, qubit, rz);
        }
        for (Qubit q = layer % 2; q + 1 < num_qubits; q += 2) c.cx(q, q + 1);
    }
    return c;
}

}  // namespace qkdlab::qsim
