#pragma once
// Measures of quantum states given as density matrices (qsim::Matrix, Hermitian with trace 1;
// DensityMatrix::to_matrix or reduced_density_matrix give them). Sizes are checked; a matrix that
// is not a density matrix gives meaningless numbers, not an error.

#include <array>
#include <span>

#include "qkdlab/qsim/matrix.h"
#include "qkdlab/qsim/types.h"

namespace qkdlab::qsim {

// Uhlmann fidelity (Tr sqrt(sqrt(rho) sigma sqrt(rho)))^2, in [0, 1].
double fidelity(const Matrix& rho, const Matrix& sigma);
// <psi| rho |psi>: the fidelity with a pure state.
double fidelity(const Matrix& rho, std::span<const Complex> psi);
// (1/2) sum |eigenvalues of rho - sigma|, in [0, 1].
double trace_distance(const Matrix& rho, const Matrix& sigma);
// Tr(rho^2).
double purity(const Matrix& rho);
// -sum lambda log2 lambda over the eigenvalues of rho, in bits.
double von_neumann_entropy(const Matrix& rho);
// The partial trace of a state of n qubits (dimension 2^n) keeping `keep` (little-endian over the
// list), tracing out the rest.
Matrix partial_trace(const Matrix& rho, std::span<const Qubit> keep);

// Two-qubit states (4 x 4; qubit 0 is Alice's, the low bit of the index, qubit 1 Bob's).
// Wootters' concurrence, in [0, 1].
double concurrence(const Matrix& rho);
// Sum of the magnitudes of the negative eigenvalues of the partial transpose, in [0, 1/2].
double negativity(const Matrix& rho);

// The largest value of the CHSH operator A ⊗ (B + B') + A' ⊗ (B - B') over all spin measurements
// A = a.sigma, ... on the two qubits (Horodecki, Horodecki and Horodecki, Phys. Lett. A 200, 340
// (1995)): 2 sqrt(u1 + u2), u1 >= u2 the two largest eigenvalues of T^T T with
// T_ij = Tr(rho sigma_i ⊗ sigma_j). Above 2 the state violates the CHSH inequality; 2 sqrt(2) is
// the most quantum mechanics allows. The unit vectors reach that value.
struct ChshSettings {
    double value = 0;
    std::array<double, 3> a{}, a_prime{}, b{}, b_prime{};
};
ChshSettings max_chsh(const Matrix& rho);

}  // namespace qkdlab::qsim
