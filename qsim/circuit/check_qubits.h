#pragma once
// The one check of a list of qubits that every entry point makes before touching anything.

#include <cstddef>
#include <span>
#include <string_view>

#include "qkdlab/qsim/types.h"

namespace qkdlab::qsim {

// Throws qkdlab::Error unless every qubit is below `num_qubits` and none appears twice. `holder`
// names what has the qubits in the message ("the circuit", "the state").
void check_qubits(std::span<const Qubit> qubits, std::size_t num_qubits, std::string_view holder);

}  // namespace qkdlab::qsim
