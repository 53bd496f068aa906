#include "qkdlab/qsim/circuit.h"

#include <gtest/gtest.h>

#include "qkdlab/core/error.h"

namespace qkdlab::qsim {

TEST(circuit, registers_are_laid_out_in_declaration_order) {
    Circuit c;
    EXPECT_EQ(c.add_qreg("a", 2), 0u);
    EXPECT_EQ(c.add_qreg("b", 3), 2u);
    EXPECT_EQ(c.add_creg("m", 4), 0u);
    EXPECT_EQ(c.num_qubits(), 5u);
    EXPECT_EQ(c.num_clbits(), 4u);
    EXPECT_EQ(c.qregs()[1].name, "b");
    EXPECT_THROW(c.add_qreg("a", 1), Error);
    EXPECT_THROW(c.add_creg("z", 0), Error);
}

TEST(circuit, operations_keep_their_arguments) {
    Circuit c(3, 3);
    const Qubit qs[] = {2, 0};
    const double angle[] = {0.25};
    c.append_gate(GateKind::crx, qs, angle);
    c.h(1).cx(1, 2).measure(2, 1);
    c.append_reset(0);
    const Qubit all[] = {0, 1, 2};
    c.append_barrier(all);
    ASSERT_EQ(c.operations().size(), 6u);
    const Operation& op = c.operations()[0];
    EXPECT_EQ(op.kind, OpKind::gate);
    EXPECT_EQ(op.gate, GateKind::crx);
    EXPECT_EQ(op.qubits, (std::vector<Qubit>{2, 0}));
    EXPECT_EQ(op.params, (std::vector<double>{0.25}));
    EXPECT_EQ(c.operations()[3].kind, OpKind::measure);
    EXPECT_EQ(c.operations()[3].clbits, (std::vector<std::size_t>{1}));
    EXPECT_EQ(c.operations()[4].kind, OpKind::reset);
    EXPECT_EQ(c.operations()[5].kind, OpKind::barrier);
}

TEST(circuit, bad_arguments_are_errors) {
    Circuit c(2, 1);
    c.add_creg("c", 2);
    const Qubit out_of_range[] = {2}, twice[] = {1, 1}, one[] = {0};
    EXPECT_THROW(c.append_gate(GateKind::h, out_of_range), Error);
    EXPECT_THROW(c.append_gate(GateKind::cx, twice), Error);
    EXPECT_THROW(c.append_gate(GateKind::cx, one), Error);
    EXPECT_THROW(c.append_gate(GateKind::rx, one), Error);  // no angle
    EXPECT_THROW(c.append_measure(0, 3), Error);
    EXPECT_THROW(c.append_gate(GateKind::x, one, {}, Condition{1, 0}), Error);  // no register #1
    EXPECT_THROW(c.append_gate(GateKind::x, one, {}, Condition{0, 4}), Error);  // 4 needs 3 bits
    EXPECT_THROW(c.append_unitary(Matrix(2, {1, 1, 0, 1}), one), Error);        // not unitary
    EXPECT_THROW(c.append_unitary(Matrix::identity(4), one), Error);            // wrong size
    const Qubit target[] = {1}, control[] = {1};
    EXPECT_THROW(c.append_unitary(Matrix::identity(2), target, control), Error);
    EXPECT_TRUE(c.operations().empty());
}

}  // namespace qkdlab::qsim
