#pragma once
// A Pauli string with a sign, e.g. "-XIZ". As in Stim, character k acts on qubit k: "XIZ" is
// X on qubit 0 and Z on qubit 2 (note that this is the reverse of Qiskit's label order).

#include <string>
#include <string_view>
#include <vector>

#include "qkdlab/qsim/types.h"

namespace qkdlab::qsim {

enum class Pauli : unsigned char { i, x, y, z };

struct PauliString {
    bool negative = false;
    std::vector<Pauli> paulis;  // paulis[k] acts on qubit k

    // From text: an optional sign ('+' or '-') then one of I X Y Z (or '_' for I) per qubit.
    // Throws qkdlab::Error naming the column of a bad character.
    static PauliString parse(std::string_view text);
    std::string str() const;

    // The string as bit masks: P|k> = i^num_y (-1)^{|k & z|} |k ^ x> (before the sign).
    struct Masks {
        Index x = 0;
        Index z = 0;
        unsigned num_y = 0;
    };
    Masks masks() const;
};

}  // namespace qkdlab::qsim
