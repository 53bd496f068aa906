#include "qkdlab/qsim/measures.h"

#include <Eigen/Dense>
#include <algorithm>
#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include "noise/partial_trace.h"
#include "qkdlab/core/error.h"

namespace qkdlab::qsim {
namespace {

using EigenMatrix = Eigen::MatrixXcd;

EigenMatrix to_eigen(const Matrix& m) {
    EigenMatrix e(m.dim(), m.dim());
    for (std::size_t r = 0; r < m.dim(); ++r)
        for (std::size_t c = 0; c < m.dim(); ++c)
            e(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = m(r, c);
    return e;
}

Eigen::VectorXd eigenvalues(const EigenMatrix& hermitian) {
    return Eigen::SelfAdjointEigenSolver<EigenMatrix>(hermitian, Eigen::EigenvaluesOnly).eigenvalues();
}

// The square root of a positive semidefinite matrix (negative rounding noise clamped to zero).
EigenMatrix sqrt_psd(const EigenMatrix& m) {
    const Eigen::SelfAdjointEigenSolver<EigenMatrix> solver(m);
    const Eigen::VectorXd roots = solver.eigenvalues().cwiseMax(0.0).cwiseSqrt();
    return solver.eigenvectors() * roots.asDiagonal() * solver.eigenvectors().adjoint();
}

void check_same_size(const Matrix& rho, const Matrix& sigma) {
    if (rho.dim() != sigma.dim()) {
        throw Error("density matrices of dimensions " + std::to_string(rho.dim()) + " and " +
                    std::to_string(sigma.dim()) + " cannot be compared");
    }
}

void check_two_qubits(const Matrix& rho) {
    if (rho.dim() != 4) throw Error("a two-qubit state is 4 x 4, got dimension " + std::to_string(rho.dim()));
}

const Matrix& pauli(int k) {  // k = 0, 1, 2: X, Y, Z
    static const Matrix paulis[3] = {Matrix(2, {0, 1, 1, 0}), Matrix(2, {0, Complex(0, -1), Complex(0, 1), 0}),
                                     Matrix(2, {1, 0, 0, -1})};
    return paulis[k];
}

std::array<double, 3> unit(const Eigen::Vector3d& v) {
    const Eigen::Vector3d u = v.norm() > 0 ? Eigen::Vector3d(v.normalized()) : Eigen::Vector3d(0, 0, 1);
    return {u(0), u(1), u(2)};
}

}  // namespace

double fidelity(const Matrix& rho, const Matrix& sigma) {
    check_same_size(rho, sigma);
    const EigenMatrix root = sqrt_psd(to_eigen(rho));
    const EigenMatrix inner = root * to_eigen(sigma) * root;
    const double trace = eigenvalues(inner).cwiseMax(0.0).cwiseSqrt().sum();
    return std::min(1.0, trace * trace);
}

double fidelity(const Matrix& rho, std::span<const Complex> psi) {
    if (psi.size() != rho.dim()) {
        throw Error("a state of " + std::to_string(psi.size()) + " amplitudes against a density matrix of dimension " +
                    std::to_string(rho.dim()));
    }
    Complex sum = 0;
    for (std::size_t r = 0; r < rho.dim(); ++r)
        for (std::size_t c = 0; c < rho.dim(); ++c) sum += std::conj(psi[r]) * rho(r, c) * psi[c];
    return sum.real();
}

double trace_distance(const Matrix& rho, const Matrix& sigma) {
    check_same_size(rho, sigma);
    return 0.5 * eigenvalues(to_eigen(rho) - to_eigen(sigma)).cwiseAbs().sum();
}

double purity(const Matrix& rho) {
    double sum = 0;
    for (const Complex& z : rho.data()) sum += std::norm(z);
    return sum;
}

double von_neumann_entropy(const Matrix& rho) {
    double entropy = 0;
    for (const double lambda : eigenvalues(to_eigen(rho)))
        if (lambda > 1e-15) entropy -= lambda * std::log2(lambda);
    return entropy;
}

Matrix partial_trace(const Matrix& rho, std::span<const Qubit> keep) {
    const std::size_t dim = rho.dim();
    if (dim == 0 || !std::has_single_bit(dim)) {
        throw Error("a state of qubits has dimension 2^n, got " + std::to_string(dim));
    }
    return partial_trace_of(static_cast<std::size_t>(std::countr_zero(dim)), keep,
                            [&](Index r, Index c) { return rho(r, c); });
}

double concurrence(const Matrix& rho) {
    check_two_qubits(rho);
    // Wootters: the square roots of the eigenvalues of rho (Y⊗Y) rho* (Y⊗Y), which are those of
    // sqrt(sqrt(rho) rho~ sqrt(rho)), in decreasing order: C = max(0, l1 - l2 - l3 - l4).
    const EigenMatrix r = to_eigen(rho);
    const EigenMatrix yy = to_eigen(pauli(1).kron(pauli(1)));
    const EigenMatrix tilde = yy * r.conjugate() * yy;
    const EigenMatrix root = sqrt_psd(r);
    Eigen::VectorXd l = eigenvalues(root * tilde * root).cwiseMax(0.0).cwiseSqrt();
    std::sort(l.data(), l.data() + l.size(), std::greater<>());
    return std::max(0.0, l(0) - l(1) - l(2) - l(3));
}

double negativity(const Matrix& rho) {
    check_two_qubits(rho);
    // Partial transpose on Bob's qubit (bit 1): entry (a + 2b, a' + 2b') <- (a + 2b', a' + 2b).
    EigenMatrix transposed(4, 4);
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c) transposed((r & 1) | (c & 2), (c & 1) | (r & 2)) = rho(r, c);
    double sum = 0;
    for (const double lambda : eigenvalues(transposed))
        if (lambda < 0) sum -= lambda;
    return sum;
}

ChshSettings max_chsh(const Matrix& rho) {
    check_two_qubits(rho);
    // T_ij = Tr(rho sigma_i(Alice) sigma_j(Bob)); Alice is the low bit, so the operator is B ⊗ A.
    Eigen::Matrix3d t;
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
            const Matrix op = pauli(j).kron(pauli(i));
            Complex trace = 0;
            for (std::size_t r = 0; r < 4; ++r)
                for (std::size_t k = 0; k < 4; ++k) trace += rho(r, k) * op(k, r);
            t(i, j) = trace.real();
        }
    const Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> solver(t.transpose() * t);  // ascending
    const double u1 = std::max(0.0, solver.eigenvalues()(2)), u2 = std::max(0.0, solver.eigenvalues()(1));
    const Eigen::Vector3d c = solver.eigenvectors().col(2), c_prime = solver.eigenvectors().col(1);
    // B + B' = 2 cos(theta) c and B - B' = 2 sin(theta) c' with tan(theta) = sqrt(u2 / u1); Alice
    // measures along T c and T c'. Then <CHSH> = 2 (cos(theta) sqrt(u1) + sin(theta) sqrt(u2)).
    const double theta = std::atan2(std::sqrt(u2), std::sqrt(u1));
    ChshSettings s;
    s.value = 2 * std::sqrt(u1 + u2);
    s.a = unit(t * c);
    s.a_prime = unit(t * c_prime);
    s.b = unit(std::cos(theta) * c + std::sin(theta) * c_prime);
    s.b_prime = unit(std::cos(theta) * c - std::sin(theta) * c_prime);
    return s;
}

}  // namespace qkdlab::qsim
