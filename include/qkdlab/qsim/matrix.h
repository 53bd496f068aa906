#pragma once
// A small dense square complex matrix, row-major: the operator data of gates and of fused blocks.
// For a k-qubit operator on qubits (q_0, ..., q_{k-1}), row and column indices are little-endian in
// that list: bit j of an index is the state of q_j.

#include <cstddef>
#include <initializer_list>
#include <span>
#include <vector>

#include "qkdlab/qsim/types.h"

namespace qkdlab::qsim {

class Matrix {
  public:
    Matrix() = default;
    // The zero matrix of dimension `dim`.
    explicit Matrix(std::size_t dim);
    // From `dim * dim` entries in row-major order; throws qkdlab::Error if the count is wrong.
    Matrix(std::size_t dim, std::vector<Complex> row_major);
    Matrix(std::size_t dim, std::initializer_list<Complex> row_major);

    static Matrix identity(std::size_t dim);

    std::size_t dim() const { return dim_; }
    Complex& operator()(std::size_t row, std::size_t col) { return data_[row * dim_ + col]; }
    Complex operator()(std::size_t row, std::size_t col) const { return data_[row * dim_ + col]; }
    std::span<const Complex> data() const { return data_; }
    std::span<Complex> data() { return data_; }

    Matrix adjoint() const;
    // this * other
    Matrix operator*(const Matrix& other) const;
    Matrix& operator*=(Complex factor);
    Matrix operator+(const Matrix& other) const;
    // Kronecker product this ⊗ other: `other` acts on the low bits of the index.
    Matrix kron(const Matrix& other) const;
    // Largest absolute entry-wise difference.
    double max_abs_diff(const Matrix& other) const;
    bool is_unitary(double tolerance = 1e-10) const;
    // True if every off-diagonal entry is exactly zero.
    bool is_diagonal() const;

  private:
    std::size_t dim_ = 0;
    std::vector<Complex> data_;
};

}  // namespace qkdlab::qsim
