#pragma once
// Flat, allocation-free kernels over a raw amplitude array (after Qulacs): every operation on a
// state vector ends here. Argument order is fixed: the operation (targets, controls, operator
// data), then the state, then its dimension. Each kernel has a parallel entry point (OpenMP over
// the whole array) and a serial one (for the cache-blocked executor, which runs its own threads).
// reference_kernel.h holds the plain scalar kernel they are all tested against.

#include <array>
#include <cstddef>
#include <span>

#include "qkdlab/qsim/matrix.h"
#include "qkdlab/qsim/types.h"

namespace qkdlab::qsim::kernels {

// The most targets of an operation with fixed-size storage (a dense 16 x 16 matrix: 4 KiB).
inline constexpr unsigned MAX_TARGETS = 4;

enum class Shape {
    dense,     // data: the 2^k x 2^k matrix, row-major, little-endian over targets
    diagonal,  // data: the 2^k diagonal entries
    x,         // X on the single target (a permutation); data unused
    swap,      // SWAP of the two targets (a permutation); data unused
};

// One operation in the form the kernels take: at most MAX_TARGETS targets, any number of controls
// (as a mask of basis-index bits that must all be 1).
struct KernelOp {
    Shape shape = Shape::dense;
    unsigned num_targets = 0;
    std::array<Qubit, MAX_TARGETS> targets{};
    Index control_mask = 0;
    std::array<Complex, (1u << (2 * MAX_TARGETS))> data{};

    std::span<const Qubit> target_list() const { return {targets.data(), num_targets}; }
};

// A KernelOp from a matrix on `targets` (at most MAX_TARGETS of them), choosing the diagonal or X
// shape when the matrix has it.
KernelOp make_kernel_op(const Matrix& matrix, std::span<const Qubit> targets, Index control_mask);
// The same from `dim * dim` row-major entries, without allocating.
KernelOp make_kernel_op(std::span<const Complex> row_major, std::span<const Qubit> targets, Index control_mask);

// Apply `op` to `state` of dimension `dim` (a power of two covering every qubit of op).
void apply(const KernelOp& op, Complex* state, Index dim);
void apply_serial(const KernelOp& op, Complex* state, Index dim);

// Any dense matrix on any number of targets, with controls (for matrices above MAX_TARGETS).
void apply_dense_any(const Matrix& matrix, std::span<const Qubit> targets, Index control_mask, Complex* state,
                     Index dim);

}  // namespace qkdlab::qsim::kernels
