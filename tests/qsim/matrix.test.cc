#include "qkdlab/qsim/matrix.h"

#include <gtest/gtest.h>

#include "qkdlab/core/error.h"

namespace qkdlab::qsim {

TEST(matrix, product_and_adjoint) {
    const Complex i{0, 1};
    const Matrix a(2, {1, i, 0, 2});
    const Matrix b(2, {0, 1, 1, 0});
    const Matrix ab = a * b;
    EXPECT_EQ(ab(0, 0), i);
    EXPECT_EQ(ab(0, 1), Complex(1));
    EXPECT_EQ(ab(1, 0), Complex(2));
    EXPECT_EQ(ab(1, 1), Complex(0));
    const Matrix ad = a.adjoint();
    EXPECT_EQ(ad(1, 0), -i);
    EXPECT_EQ(ad(0, 1), Complex(0));
}

TEST(matrix, kron_puts_the_right_factor_on_the_low_bits) {
    const Matrix x(2, {0, 1, 1, 0});
    const Matrix id = Matrix::identity(2);
    // (I ⊗ X) flips bit 0: row 1 <- column 0.
    const Matrix ix = id.kron(x);
    EXPECT_EQ(ix(1, 0), Complex(1));
    EXPECT_EQ(ix(2, 0), Complex(0));
    const Matrix xi = x.kron(id);
    EXPECT_EQ(xi(2, 0), Complex(1));
}

TEST(matrix, unitarity_and_diagonality) {
    const double r = 1 / std::sqrt(2.0);
    EXPECT_TRUE(Matrix(2, {r, r, r, -r}).is_unitary());
    EXPECT_FALSE(Matrix(2, {1, 1, 0, 1}).is_unitary());
    EXPECT_TRUE(Matrix(2, {1, 0, 0, Complex(0, 1)}).is_diagonal());
    EXPECT_FALSE(Matrix(2, {1, 1e-30, 0, 1}).is_diagonal());
}

TEST(matrix, wrong_sizes_are_errors) {
    EXPECT_THROW(Matrix(2, {1, 0, 0}), Error);
    EXPECT_THROW(Matrix::identity(2) * Matrix::identity(4), Error);
    EXPECT_THROW(Matrix::identity(2) + Matrix::identity(4), Error);
}

}  // namespace qkdlab::qsim
