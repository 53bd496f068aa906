#include "qkdlab/qsim/pauli_string.h"

#include <gtest/gtest.h>

#include "qkdlab/core/error.h"

namespace qkdlab::qsim {

TEST(pauli_string, parses_sign_and_letters_qubit_k_at_character_k) {
    const PauliString p = PauliString::parse("-XI_YZ");
    EXPECT_TRUE(p.negative);
    ASSERT_EQ(p.paulis.size(), 5u);
    EXPECT_EQ(p.paulis[0], Pauli::x);
    EXPECT_EQ(p.paulis[1], Pauli::i);
    EXPECT_EQ(p.paulis[2], Pauli::i);
    EXPECT_EQ(p.paulis[3], Pauli::y);
    EXPECT_EQ(p.paulis[4], Pauli::z);
    EXPECT_EQ(p.str(), "-XIIYZ");
    EXPECT_EQ(PauliString::parse("+ZZ").str(), "+ZZ");
    EXPECT_EQ(PauliString::parse("ZZ").str(), "+ZZ");
}

TEST(pauli_string, bad_character_names_its_column) {
    try {
        (void)PauliString::parse("XQZ");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("column 2"), std::string::npos) << e.what();
    }
}

}  // namespace qkdlab::qsim
