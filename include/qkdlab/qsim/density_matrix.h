#pragma once
// A mixed state of n qubits as its 2^n x 2^n density matrix rho, with the same gate, measurement
// and reset interface as StateVector plus Kraus channels.
//
// rho is stored as the vector vec(rho) of 4^n amplitudes of a 2n-qubit StateVector: entry
// rho[r][c] sits at index r + 2^n c, so qubit q of the row is qubit q of the vector and qubit q of
// the column is qubit n + q. An operation on k qubits is then an operation on 2k qubits of the
// vector: a gate U becomes U ⊗ conj(U), a channel its superoperator sum_k K ⊗ conj(K). With
// k <= 2 that is one dense (or diagonal) kernel pass over rho; nothing is ever a 4^n x 4^n product.

#include <span>
#include <vector>

#include "qkdlab/core/rng.h"
#include "qkdlab/qsim/gate.h"
#include "qkdlab/qsim/kraus_channel.h"
#include "qkdlab/qsim/matrix.h"
#include "qkdlab/qsim/pauli_string.h"
#include "qkdlab/qsim/state_vector.h"
#include "qkdlab/qsim/types.h"

namespace qkdlab::qsim {

// vec(rho) of n qubits is a state vector of 2n qubits, so n is at most half of that bound (memory is
// 16 * 4^n bytes: n = 13 is 1 GiB).
inline constexpr unsigned MAX_DENSITY_MATRIX_QUBITS = MAX_STATE_VECTOR_QUBITS / 2;

class DensityMatrix {
  public:
    // |0...0><0...0| on `num_qubits` qubits.
    explicit DensityMatrix(unsigned num_qubits);
    // |psi><psi|.
    explicit DensityMatrix(const StateVector& psi);

    unsigned num_qubits() const { return num_qubits_; }
    Index dim() const { return Index{1} << num_qubits_; }
    Complex element(Index row, Index column) const { return vec_.amplitude(row + (column << num_qubits_)); }
    // rho as a dense matrix (for tests and small states; at most 14 qubits).
    Matrix to_matrix() const;

    // Gates, as on StateVector: U rho U^dagger.
    void apply_gate(GateKind kind, std::span<const Qubit> qubits, std::span<const double> params = {});
    void apply_matrix(const Matrix& matrix, std::span<const Qubit> targets, std::span<const Qubit> controls = {});
    // rho -> sum_k K_k rho K_k^dagger on `qubits` (as many as the channel has).
    void apply_channel(const KrausChannel& channel, std::span<const Qubit> qubits);
    // A gate and then a channel on the same qubits, in one pass over rho when they act on at most
    // two qubits: the product of their superoperators.
    void apply_gate_then_channel(GateKind kind, std::span<const Qubit> qubits, std::span<const double> params,
                                 const KrausChannel& channel);

    // Measure in the computational basis: collapse and renormalise; returns 0 or 1.
    int measure(Qubit qubit, core::Rng& rng);
    // Project onto |outcome> and renormalise; qkdlab::Error if the outcome has probability zero.
    void project(Qubit qubit, int outcome);
    // Put the qubit in |0> (the reset channel: deterministic on a density matrix, so the generator
    // of StateVector's interface is not used).
    void reset(Qubit qubit, core::Rng& rng);

    double probability_one(Qubit qubit) const;
    // The diagonal of rho: the probability of every basis state.
    std::vector<double> probabilities() const;
    // Tr(P rho).
    double expectation(const PauliString& pauli) const;
    double trace() const;
    // Tr(rho^2): 1 for a pure state, 2^-n for the maximally mixed one.
    double purity() const;
    // <psi| rho |psi>: the fidelity with a pure state.
    double fidelity(const StateVector& psi) const;
    // The reduced density matrix of `qubits` (little-endian over the list), tracing out the rest.
    Matrix reduced_density_matrix(std::span<const Qubit> qubits) const;

  private:
    // Apply a 4^k-dimensional superoperator on the 2k vector qubits of `qubits`.
    void apply_superoperator(const Matrix& superoperator, std::span<const Qubit> qubits);
    void check_qubits(std::span<const Qubit> qubits) const;

    unsigned num_qubits_;
    StateVector vec_;  // vec(rho): 2 n qubits
};

}  // namespace qkdlab::qsim
