#pragma once
// A circuit is data: an ordered list of operations on numbered qubits and classical bits, with the
// named registers they came from. It is built by code or read from OpenQASM (qasm.h) and run by an
// engine (run.h); nothing here simulates anything.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "qkdlab/qsim/gate.h"
#include "qkdlab/qsim/matrix.h"
#include "qkdlab/qsim/types.h"

namespace qkdlab::qsim {

// A named range of qubits or classical bits: [offset, offset + size).
struct Register {
    std::string name;
    std::size_t offset = 0;
    std::size_t size = 0;
};

// `if (creg == value)`: the operation runs only when the classical register, read as an unsigned
// integer with its bit 0 least significant, equals `value`.
struct Condition {
    std::size_t creg = 0;  // index into Circuit::cregs()
    std::uint64_t value = 0;

    bool operator==(const Condition&) const = default;
};

enum class OpKind {
    gate,     // a standard gate: `gate`, `qubits` (controls first), `params`
    unitary,  // any matrix on `qubits` (little-endian), applied when every qubit of `controls` is 1
    measure,  // measure qubits[k] into clbits[k], in the computational basis, with collapse
    reset,    // put each of `qubits` into |0>
    barrier,  // no effect on the state; stops gates being moved across it
};

struct Operation {
    OpKind kind = OpKind::gate;
    GateKind gate = GateKind::i;
    std::vector<Qubit> qubits;
    std::vector<double> params;
    Matrix matrix;                    // unitary only
    std::vector<Qubit> controls;      // unitary only
    std::vector<std::size_t> clbits;  // measure only
    std::optional<Condition> condition;
};

class Circuit {
  public:
    // A circuit with anonymous qubits and classical bits (no registers).
    explicit Circuit(std::size_t num_qubits = 0, std::size_t num_clbits = 0);

    // Add a register; returns the index of its first qubit or bit. Throws on a duplicate name.
    std::size_t add_qreg(const std::string& name, std::size_t size);
    std::size_t add_creg(const std::string& name, std::size_t size);

    // Each append checks its arguments (qubits and bits in range and distinct, angle counts, a
    // unitary matrix of the right size) and throws qkdlab::Error on a fault.
    void append_gate(GateKind kind, std::span<const Qubit> qubits, std::span<const double> params = {},
                     std::optional<Condition> condition = std::nullopt);
    void append_unitary(Matrix matrix, std::span<const Qubit> targets, std::span<const Qubit> controls = {},
                        std::optional<Condition> condition = std::nullopt);
    void append_measure(Qubit qubit, std::size_t clbit, std::optional<Condition> condition = std::nullopt);
    void append_reset(Qubit qubit, std::optional<Condition> condition = std::nullopt);
    void append_barrier(std::span<const Qubit> qubits);

    // Shorthands for code that builds circuits.
    Circuit& h(Qubit q);
    Circuit& x(Qubit q);
    Circuit& cx(Qubit control, Qubit target);
    Circuit& measure(Qubit q, std::size_t clbit);

    std::size_t num_qubits() const { return num_qubits_; }
    std::size_t num_clbits() const { return num_clbits_; }
    std::span<const Operation> operations() const { return ops_; }
    // Registers in declaration order. Anonymous qubits or bits from the constructor have none.
    std::span<const Register> qregs() const { return qregs_; }
    std::span<const Register> cregs() const { return cregs_; }
    // The classical register holding bit `clbit` (an index into cregs()), if any.
    std::optional<std::size_t> creg_of(std::size_t clbit) const;
    // True when the condition holds for the classical bits `bits` (one per clbit).
    bool holds(const Condition& condition, const std::vector<bool>& bits) const;

  private:
    void check_condition(const std::optional<Condition>& condition) const;

    std::size_t num_qubits_;
    std::size_t num_clbits_;
    std::vector<Register> qregs_;
    std::vector<Register> cregs_;
    std::vector<Operation> ops_;
};

}  // namespace qkdlab::qsim
