#pragma once
// A pure state of n qubits as 2^n complex amplitudes (little-endian: bit q of a basis index is
// qubit q). Gates act in place with OpenMP threads and allocate nothing; the amplitudes live in one
// 64-byte aligned buffer, so memory is 16 * 2^n bytes plus a small constant.

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "qkdlab/core/rng.h"
#include "qkdlab/qsim/gate.h"
#include "qkdlab/qsim/matrix.h"
#include "qkdlab/qsim/pauli_string.h"
#include "qkdlab/qsim/types.h"

namespace qkdlab::qsim {

class StateVector {
  public:
    // |0...0> on `num_qubits` qubits (0 to MAX_STATE_VECTOR_QUBITS). Throws qkdlab::Error if the
    // count is out of range, std::bad_alloc if memory is short.
    explicit StateVector(unsigned num_qubits);
    StateVector(const StateVector& other);
    StateVector& operator=(const StateVector& other);
    StateVector(StateVector&&) noexcept = default;
    StateVector& operator=(StateVector&&) noexcept = default;
    ~StateVector() = default;

    unsigned num_qubits() const { return num_qubits_; }
    Index dim() const { return Index{1} << num_qubits_; }
    std::span<const Complex> amplitudes() const { return {data_.get(), static_cast<std::size_t>(dim())}; }
    // Raw access for kernels; keeps the norm the caller's responsibility.
    std::span<Complex> mutable_amplitudes() { return {data_.get(), static_cast<std::size_t>(dim())}; }
    Complex amplitude(Index basis_state) const { return data_[basis_state]; }

    void set_basis_state(Index basis_state);
    // Copies `amplitudes` (2^n of them, norm 1 within 1e-10, else qkdlab::Error).
    void set_amplitudes(std::span<const Complex> amplitudes);

    // Gates. Qubits in the gate's order (controls first); they must be distinct and in range.
    void apply_gate(GateKind kind, std::span<const Qubit> qubits, std::span<const double> params = {});
    // Any 2^k x 2^k matrix on k target qubits (little-endian over `targets`), applied to the
    // subspace where every control qubit is 1. The matrix is not checked for unitarity.
    void apply_matrix(const Matrix& matrix, std::span<const Qubit> targets, std::span<const Qubit> controls = {});

    // Measure one qubit in the computational basis; collapses and renormalises. Returns 0 or 1.
    int measure(Qubit qubit, core::Rng& rng);
    // Put the qubit into |0> (measure, then flip if 1).
    void reset(Qubit qubit, core::Rng& rng);
    // Project the qubit onto |outcome> and renormalise. Throws qkdlab::Error if that outcome has
    // probability zero.
    void project(Qubit qubit, int outcome);

    // P(qubit = 1).
    double probability_one(Qubit qubit) const;
    // |amplitude|^2 of every basis state.
    std::vector<double> probabilities() const;
    // Marginal distribution of `qubits`: entry j has bit k of j equal to the state of qubits[k].
    std::vector<double> probabilities(std::span<const Qubit> qubits) const;
    // `shots` samples of the basis state of the whole register, without collapse: one sort of
    // uniform numbers and one sweep over the amplitudes. Returned in random order.
    std::vector<Index> sample(std::size_t shots, core::Rng& rng) const;

    // <psi| P |psi> (real, since P is Hermitian). The string may be shorter than n qubits.
    double expectation(const PauliString& pauli) const;
    // Reduced density matrix of `qubits` (little-endian over the list), tracing out the rest.
    Matrix reduced_density_matrix(std::span<const Qubit> qubits) const;
    // <this|other>; both must have the same number of qubits.
    Complex inner_product(const StateVector& other) const;
    // |<this|other>|^2.
    double fidelity(const StateVector& other) const;
    double norm_squared() const;

  private:
    struct FreeDeleter {
        void operator()(Complex* p) const;
    };

    unsigned num_qubits_;
    std::unique_ptr<Complex[], FreeDeleter> data_;
};

}  // namespace qkdlab::qsim
