#include "circuit/check_qubits.h"

#include <string>

#include "qkdlab/core/error.h"

namespace qkdlab::qsim {

void check_qubits(std::span<const Qubit> qubits, std::size_t num_qubits, std::string_view holder) {
    for (std::size_t k = 0; k < qubits.size(); ++k) {
        if (qubits[k] >= num_qubits) {
            throw Error("qubit " + std::to_string(qubits[k]) + " is out of range: " + std::string(holder) + " has " +
                        std::to_string(num_qubits) + " qubit(s)");
        }
        for (std::size_t j = 0; j < k; ++j)
            if (qubits[j] == qubits[k])
                throw Error("qubit " + std::to_string(qubits[k]) + " is used twice in one operation");
    }
}

}  // namespace qkdlab::qsim
