#include "qkdlab/qsim/matrix.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "qkdlab/core/error.h"

namespace qkdlab::qsim {

Matrix::Matrix(std::size_t dim) : dim_(dim), data_(dim * dim) {}

Matrix::Matrix(std::size_t dim, std::vector<Complex> row_major) : dim_(dim), data_(std::move(row_major)) {
    if (data_.size() != dim * dim) {
        throw Error("a matrix of dimension " + std::to_string(dim) + " needs " + std::to_string(dim * dim) +
                    " entries, got " + std::to_string(data_.size()));
    }
}

Matrix::Matrix(std::size_t dim, std::initializer_list<Complex> row_major)
    : Matrix(dim, std::vector<Complex>(row_major)) {}

Matrix Matrix::identity(std::size_t dim) {
    Matrix m(dim);
    for (std::size_t i = 0; i < dim; ++i) m(i, i) = 1.0;
    return m;
}

Matrix Matrix::adjoint() const {
    Matrix m(dim_);
    for (std::size_t r = 0; r < dim_; ++r)
        for (std::size_t c = 0; c < dim_; ++c) m(c, r) = std::conj((*this)(r, c));
    return m;
}

Matrix Matrix::operator*(const Matrix& other) const {
    if (other.dim_ != dim_)
        throw Error("matrix product of dimensions " + std::to_string(dim_) + " and " + std::to_string(other.dim_));
    Matrix m(dim_);
    for (std::size_t r = 0; r < dim_; ++r)
        for (std::size_t k = 0; k < dim_; ++k) {
            const Complex a = (*this)(r, k);
            if (a == Complex{}) continue;
            for (std::size_t c = 0; c < dim_; ++c) m(r, c) += a * other(k, c);
        }
    return m;
}

Matrix& Matrix::operator*=(Complex factor) {
    for (auto& z : data_) z *= factor;
    return *this;
}

Matrix Matrix::operator+(const Matrix& other) const {
    if (other.dim_ != dim_)
        throw Error("matrix sum of dimensions " + std::to_string(dim_) + " and " + std::to_string(other.dim_));
    Matrix m(*this);
    for (std::size_t i = 0; i < data_.size(); ++i) m.data_[i] += other.data_[i];
    return m;
}

Matrix Matrix::kron(const Matrix& other) const {
    const std::size_t d = dim_ * other.dim_;
    Matrix m(d);
    for (std::size_t r1 = 0; r1 < dim_; ++r1)
        for (std::size_t c1 = 0; c1 < dim_; ++c1)
            for (std::size_t r2 = 0; r2 < other.dim_; ++r2)
                for (std::size_t c2 = 0; c2 < other.dim_; ++c2)
                    m(r1 * other.dim_ + r2, c1 * other.dim_ + c2) = (*this)(r1, c1) * other(r2, c2);
    return m;
}

double Matrix::max_abs_diff(const Matrix& other) const {
    if (other.dim_ != dim_) return INFINITY;
    double worst = 0;
    for (std::size_t i = 0; i < data_.size(); ++i) worst = std::max(worst, std::abs(data_[i] - other.data_[i]));
    return worst;
}

bool Matrix::is_unitary(double tolerance) const {
    return (adjoint() * *this).max_abs_diff(identity(dim_)) <= tolerance;
}

bool Matrix::is_diagonal() const {
    for (std::size_t r = 0; r < dim_; ++r)
        for (std::size_t c = 0; c < dim_; ++c)
            if (r != c && (*this)(r, c) != Complex{}) return false;
    return true;
}

}  // namespace qkdlab::qsim
