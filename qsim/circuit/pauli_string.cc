#include "qkdlab/qsim/pauli_string.h"

#include "qkdlab/core/error.h"

namespace qkdlab::qsim {

PauliString PauliString::parse(std::string_view text) {
    PauliString result;
    std::size_t k = 0;
    if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
        result.negative = text[0] == '-';
        k = 1;
    }
    for (; k < text.size(); ++k) {
        switch (text[k]) {
            case 'I':
            case '_':
                result.paulis.push_back(Pauli::i);
                break;
            case 'X':
                result.paulis.push_back(Pauli::x);
                break;
            case 'Y':
                result.paulis.push_back(Pauli::y);
                break;
            case 'Z':
                result.paulis.push_back(Pauli::z);
                break;
            default:
                throw Error("Pauli string '" + std::string(text) + "', column " + std::to_string(k + 1) +
                            ": expected one of I X Y Z _");
        }
    }
    return result;
}

std::string PauliString::str() const {
    std::string s(1, negative ? '-' : '+');
    for (Pauli p : paulis) s += "IXYZ"[static_cast<int>(p)];
    return s;
}

PauliString::Masks PauliString::masks() const {
    Masks m;
    for (std::size_t q = 0; q < paulis.size(); ++q) {
        const Pauli p = paulis[q];
        if (p == Pauli::x || p == Pauli::y) m.x |= Index{1} << q;
        if (p == Pauli::z || p == Pauli::y) m.z |= Index{1} << q;
        if (p == Pauli::y) ++m.num_y;
    }
    return m;
}

}  // namespace qkdlab::qsim
