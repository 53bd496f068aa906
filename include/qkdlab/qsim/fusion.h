#pragma once
// Running a unitary stretch of a circuit with fewer passes over memory than it has gates.
//
// Two stages. (1) Runs of one-qubit gates on the same qubit are multiplied into one 2x2 matrix.
// (2) Cache blocking: the gates are partitioned, in dependency order, into blocks that each touch
// at most `block_qubits` qubits; a block runs in one pass over the state, one cache-sized chunk
// (2^block_qubits amplitudes) at a time: gather the chunk, apply every gate of the block to it
// while it sits in cache, scatter it back. The lowest qubits are always in a block, so chunks are
// gathered in runs of whole cache lines. Without blocking, each gate is one pass.

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "qkdlab/qsim/circuit.h"
#include "qkdlab/qsim/state_vector.h"

namespace qkdlab::qsim {

struct FusionOptions {
    bool merge_single_qubit_gates = true;
    bool cache_blocking = true;
    // Qubits per block: a chunk is 16 * 2^block_qubits bytes per thread (14: 256 KiB, half the
    // smallest per-core L2 we target). States of at most this many qubits are not blocked.
    unsigned block_qubits = 14;
};

struct FusionStats {
    std::size_t gates = 0;       // gates and unitaries given
    std::size_t kernel_ops = 0;  // operations after merging one-qubit gates
    std::size_t passes = 0;      // passes over the whole state per run
};

class FusedProgram {
  public:
    // `ops` must be gates and unitaries without conditions (barriers are skipped); anything else
    // is a qkdlab::Error.
    FusedProgram(std::span<const Operation> ops, unsigned num_qubits, const FusionOptions& options = {});
    FusedProgram(FusedProgram&&) noexcept;
    FusedProgram& operator=(FusedProgram&&) noexcept;
    ~FusedProgram();

    // Apply the program to `state`, which must have the program's number of qubits.
    void run(StateVector& state) const;
    const FusionStats& stats() const { return stats_; }

  private:
    struct Step;
    unsigned num_qubits_;
    unsigned block_qubits_;
    std::vector<Step> steps_;
    FusionStats stats_;
};

}  // namespace qkdlab::qsim
