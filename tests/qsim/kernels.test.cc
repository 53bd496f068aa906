// The optimised kernels against the scalar reference kernel, and the reference kernel against the
// dense embedding of the operator in the full space.

#include "statevector/kernels.h"

#include <gtest/gtest.h>

#include <boost/random/uniform_real_distribution.hpp>

#include "statevector/reference_kernel.h"
#include "support.h"

namespace qkdlab::qsim::kernels {
namespace {

using testing::max_abs_diff;
using testing::random_amplitudes;
using testing::random_qubits;
using testing::random_unitary;

Index mask_of(std::span<const Qubit> qubits) {
    Index mask = 0;
    for (Qubit q : qubits) mask |= Index{1} << q;
    return mask;
}

Matrix random_diagonal(unsigned k, core::Rng& rng) {
    boost::random::uniform_real_distribution<double> angle(-3.2, 3.2);
    Matrix m(std::size_t{1} << k);
    for (std::size_t r = 0; r < m.dim(); ++r) m(r, r) = std::polar(1.0, angle(rng));
    return m;
}

enum class Kind { dense, diagonal, x, swap };

Matrix operator_of(Kind kind, unsigned k, core::Rng& rng) {
    switch (kind) {
        case Kind::dense:
            return random_unitary(k, rng);
        case Kind::diagonal:
            return random_diagonal(k, rng);
        case Kind::x:
            return Matrix(2, {0, 1, 1, 0});
        case Kind::swap:
            return Matrix(4, {1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1});
    }
    return {};
}

// Every shape, target count, control count and placement, on states small (serial path) and large
// enough for the parallel path (passes over 2^16 amplitudes and more, statevector/threads.h).
void check_against_reference(bool serial) {
    core::Rng rng(2024);
    for (unsigned n : {1u, 2u, 3u, 5u, 8u, 18u}) {
        for (Kind kind : {Kind::dense, Kind::diagonal, Kind::x, Kind::swap}) {
            for (unsigned k = 1; k <= MAX_TARGETS && k <= n; ++k) {
                if ((kind == Kind::x && k != 1) || (kind == Kind::swap && k != 2)) continue;
                for (unsigned num_controls = 0; num_controls + k <= n && num_controls <= 2; ++num_controls) {
                    const std::vector<Qubit> qubits = random_qubits(k + num_controls, n, rng);
                    const std::span<const Qubit> targets(qubits.data(), k), controls(qubits.data() + k, num_controls);
                    const Matrix m = operator_of(kind, k, rng);
                    std::vector<Complex> want = random_amplitudes(n, rng), got = want;
                    reference_apply(m, targets, controls, want.data(), want.size());
                    const KernelOp op = make_kernel_op(m, targets, mask_of(controls));
                    if (serial) {
                        apply_serial(op, got.data(), got.size());
                    } else {
                        apply(op, got.data(), got.size());
                    }
                    EXPECT_LE(max_abs_diff(got, want), 1e-13) << "n=" << n << " kind=" << static_cast<int>(kind)
                                                              << " k=" << k << " controls=" << num_controls;
                }
            }
        }
    }
}

}  // namespace

TEST(kernels, parallel_kernels_match_reference) { check_against_reference(false); }

TEST(kernels, serial_kernels_match_reference) { check_against_reference(true); }

// Every ordered pair of targets of a dense two-qubit operator (the low-target block path among
// them), serial and parallel.
TEST(kernels, dense_two_qubit_operator_on_every_pair) {
    core::Rng rng(77);
    for (unsigned n : {6u, 17u}) {
        for (Qubit a = 0; a < n; ++a)
            for (Qubit b = 0; b < n; ++b) {
                if (a == b || (n > 6 && a > 4 && b > 4)) continue;
                const Qubit targets[] = {a, b};
                const Matrix m = random_unitary(2, rng);
                std::vector<Complex> want = random_amplitudes(n, rng), got = want;
                reference_apply(m, targets, {}, want.data(), want.size());
                apply(make_kernel_op(m, targets, 0), got.data(), got.size());
                EXPECT_LE(max_abs_diff(got, want), 1e-13) << "n=" << n << " targets " << a << "," << b;
            }
    }
}

TEST(kernels, shape_is_chosen_from_the_matrix) {
    const Qubit t[] = {0};
    EXPECT_EQ(make_kernel_op(Matrix(2, {0, 1, 1, 0}), t, 0).shape, Shape::x);
    EXPECT_EQ(make_kernel_op(Matrix(2, {1, 0, 0, -1}), t, 0).shape, Shape::diagonal);
    EXPECT_EQ(make_kernel_op(Matrix(2, {0, 1, -1, 0}), t, 0).shape, Shape::dense);
    const Qubit pair[] = {0, 1};
    EXPECT_EQ(make_kernel_op(Matrix(4, {1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1}), pair, 0).shape, Shape::swap);
    EXPECT_EQ(
        make_kernel_op(Matrix(4, {1, 0, 0, 0, 0, 0, Complex(0, 1), 0, 0, Complex(0, 1), 0, 0, 0, 0, 0, 1}), pair, 0)
            .shape,
        Shape::dense);  // iSWAP
}

TEST(kernels, large_dense_matrices_match_reference) {
    core::Rng rng(99);
    for (unsigned k : {5u, 6u}) {
        const unsigned n = 9;
        const std::vector<Qubit> qubits = random_qubits(k + 1, n, rng);
        const std::span<const Qubit> targets(qubits.data(), k), controls(qubits.data() + k, 1);
        const Matrix m = random_unitary(k, rng);
        std::vector<Complex> want = random_amplitudes(n, rng), got = want;
        reference_apply(m, targets, controls, want.data(), want.size());
        apply_dense_any(m, targets, mask_of(controls), got.data(), got.size());
        EXPECT_LE(max_abs_diff(got, want), 1e-13) << "k=" << k;
    }
}

TEST(kernels, reference_matches_dense_embedding) {
    core::Rng rng(5);
    const unsigned n = 5;
    for (unsigned k = 1; k <= 3; ++k) {
        const std::vector<Qubit> qubits = random_qubits(k + 1, n, rng);
        const std::span<const Qubit> targets(qubits.data(), k), controls(qubits.data() + k, 1);
        const Matrix m = random_unitary(k, rng);
        std::vector<Complex> state = random_amplitudes(n, rng);
        const std::vector<Complex> want = testing::multiply(testing::embed(m, targets, controls, n), state);
        reference_apply(m, targets, controls, state.data(), state.size());
        EXPECT_LE(max_abs_diff(state, want), 1e-14) << "k=" << k;
    }
}

}  // namespace qkdlab::qsim::kernels
