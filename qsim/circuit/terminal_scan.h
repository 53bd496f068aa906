#pragma once
// Which measurements of a circuit are terminal, found walking its operations from the last to the
// first: a measurement is terminal when nothing acts on its qubit afterwards, no later condition
// reads its register and no later measurement that is not terminal writes its bit. Shared by the
// runners that sample terminal measurements from one simulation.

#include <vector>

#include "qkdlab/qsim/circuit.h"

namespace qkdlab::qsim {

class TerminalScan {
  public:
    explicit TerminalScan(const Circuit& circuit)
        : circuit_(&circuit),
          qubit_used_(circuit.num_qubits(), false),
          creg_read_(circuit.cregs().size(), false),
          clbit_written_(circuit.num_clbits(), false) {}

    // The next operation, going backwards; true if it is a terminal measurement.
    bool visit(const Operation& op) {
        if (op.kind == OpKind::barrier) return false;
        if (op.kind == OpKind::measure && !op.condition) {
            const auto creg = circuit_->creg_of(op.clbits[0]);
            if (!qubit_used_[op.qubits[0]] && !clbit_written_[op.clbits[0]] && !(creg && creg_read_[*creg]))
                return true;
        }
        for (Qubit q : op.qubits) qubit_used_[q] = true;
        for (Qubit q : op.controls) qubit_used_[q] = true;
        if (op.condition) read(*op.condition);
        for (std::size_t c : op.clbits) clbit_written_[c] = true;
        return false;
    }

    // A condition that something later reads (a channel after a conditioned gate, say).
    void read(const Condition& condition) { creg_read_[condition.creg] = true; }

  private:
    const Circuit* circuit_;
    std::vector<bool> qubit_used_, creg_read_, clbit_written_;
};

}  // namespace qkdlab::qsim
