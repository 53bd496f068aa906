#include "qkdlab/qsim/circuit.h"

#include <algorithm>
#include <string>

#include "circuit/check_qubits.h"
#include "qkdlab/core/error.h"

namespace qkdlab::qsim {
namespace {

void check_register_name(std::span<const Register> regs, const std::string& name) {
    if (name.empty()) throw Error("a register needs a name");
    for (const auto& r : regs)
        if (r.name == name) throw Error("register '" + name + "' is already declared");
}

}  // namespace

Circuit::Circuit(std::size_t num_qubits, std::size_t num_clbits) : num_qubits_(num_qubits), num_clbits_(num_clbits) {}

std::size_t Circuit::add_qreg(const std::string& name, std::size_t size) {
    check_register_name(qregs_, name);
    if (size == 0) throw Error("quantum register '" + name + "' must have at least one qubit");
    qregs_.push_back({name, num_qubits_, size});
    num_qubits_ += size;
    return qregs_.back().offset;
}

std::size_t Circuit::add_creg(const std::string& name, std::size_t size) {
    check_register_name(cregs_, name);
    if (size == 0) throw Error("classical register '" + name + "' must have at least one bit");
    cregs_.push_back({name, num_clbits_, size});
    num_clbits_ += size;
    return cregs_.back().offset;
}

void Circuit::check_condition(const std::optional<Condition>& condition) const {
    if (!condition) return;
    if (condition->creg >= cregs_.size()) {
        throw Error("condition on classical register #" + std::to_string(condition->creg) + ", but the circuit has " +
                    std::to_string(cregs_.size()));
    }
    const std::size_t size = cregs_[condition->creg].size;
    if (size < 64 && (condition->value >> size) != 0) {
        throw Error("condition value " + std::to_string(condition->value) + " does not fit in register '" +
                    cregs_[condition->creg].name + "' of " + std::to_string(size) + " bit(s)");
    }
}

void Circuit::append_gate(GateKind kind, std::span<const Qubit> qubits, std::span<const double> params,
                          std::optional<Condition> condition) {
    const GateInfo& info = gate_info(kind);
    if (qubits.size() != info.num_qubits) {
        throw Error("gate " + std::string(info.name) + " acts on " + std::to_string(info.num_qubits) +
                    " qubit(s), got " + std::to_string(qubits.size()));
    }
    if (params.size() != info.num_params) {
        throw Error("gate " + std::string(info.name) + " takes " + std::to_string(info.num_params) + " angle(s), got " +
                    std::to_string(params.size()));
    }
    check_qubits(qubits, num_qubits_, "the circuit");
    check_condition(condition);
    Operation op;
    op.kind = OpKind::gate;
    op.gate = kind;
    op.qubits.assign(qubits.begin(), qubits.end());
    op.params.assign(params.begin(), params.end());
    op.condition = condition;
    ops_.push_back(std::move(op));
}

void Circuit::append_unitary(Matrix matrix, std::span<const Qubit> targets, std::span<const Qubit> controls,
                             std::optional<Condition> condition) {
    if (targets.empty()) throw Error("a unitary needs at least one target qubit");
    if (targets.size() >= 32 || matrix.dim() != (std::size_t{1} << targets.size())) {
        throw Error("a unitary on " + std::to_string(targets.size()) + " qubit(s) needs a matrix of dimension " +
                    std::to_string(std::size_t{1} << std::min<std::size_t>(targets.size(), 31)) + ", got " +
                    std::to_string(matrix.dim()));
    }
    if (!matrix.is_unitary(1e-8))
        throw Error("the matrix is not unitary (U^dagger U differs from I by more than 1e-8)");
    std::vector<Qubit> all(controls.begin(), controls.end());
    all.insert(all.end(), targets.begin(), targets.end());
    check_qubits(all, num_qubits_, "the circuit");
    check_condition(condition);
    Operation op;
    op.kind = OpKind::unitary;
    op.qubits.assign(targets.begin(), targets.end());
    op.controls.assign(controls.begin(), controls.end());
    op.matrix = std::move(matrix);
    op.condition = condition;
    ops_.push_back(std::move(op));
}

void Circuit::append_measure(Qubit qubit, std::size_t clbit, std::optional<Condition> condition) {
    const Qubit q[] = {qubit};
    check_qubits(q, num_qubits_, "the circuit");
    if (clbit >= num_clbits_) {
        throw Error("classical bit " + std::to_string(clbit) + " is out of range: the circuit has " +
                    std::to_string(num_clbits_) + " bit(s)");
    }
    check_condition(condition);
    Operation op;
    op.kind = OpKind::measure;
    op.qubits = {qubit};
    op.clbits = {clbit};
    op.condition = condition;
    ops_.push_back(std::move(op));
}

void Circuit::append_reset(Qubit qubit, std::optional<Condition> condition) {
    const Qubit q[] = {qubit};
    check_qubits(q, num_qubits_, "the circuit");
    check_condition(condition);
    Operation op;
    op.kind = OpKind::reset;
    op.qubits = {qubit};
    op.condition = condition;
    ops_.push_back(std::move(op));
}

void Circuit::append_barrier(std::span<const Qubit> qubits) {
    check_qubits(qubits, num_qubits_, "the circuit");
    Operation op;
    op.kind = OpKind::barrier;
    op.qubits.assign(qubits.begin(), qubits.end());
    ops_.push_back(std::move(op));
}

std::optional<std::size_t> Circuit::creg_of(std::size_t clbit) const {
    for (std::size_t r = 0; r < cregs_.size(); ++r)
        if (clbit >= cregs_[r].offset && clbit < cregs_[r].offset + cregs_[r].size) return r;
    return std::nullopt;
}

bool Circuit::holds(const Condition& condition, const std::vector<bool>& bits) const {
    const Register& reg = cregs_.at(condition.creg);
    std::uint64_t value = 0;
    for (std::size_t k = 0; k < reg.size && k < 64; ++k)
        if (bits.at(reg.offset + k)) value |= std::uint64_t{1} << k;
    return value == condition.value;
}

Circuit& Circuit::h(Qubit q) {
    const Qubit qs[] = {q};
    append_gate(GateKind::h, qs);
    return *this;
}

Circuit& Circuit::x(Qubit q) {
    const Qubit qs[] = {q};
    append_gate(GateKind::x, qs);
    return *this;
}

Circuit& Circuit::cx(Qubit control, Qubit target) {
    const Qubit qs[] = {control, target};
    append_gate(GateKind::cx, qs);
    return *this;
}

Circuit& Circuit::measure(Qubit q, std::size_t clbit) {
    append_measure(q, clbit);
    return *this;
}

}  // namespace qkdlab::qsim
