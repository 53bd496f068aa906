#pragma once
// The scalar reference kernel: a matrix with controls applied by the definition, one basis index at
// a time, with no cleverness. Tests hold every optimised kernel and the fused executor to it.

#include <span>

#include "qkdlab/qsim/matrix.h"
#include "qkdlab/qsim/types.h"

namespace qkdlab::qsim::kernels {

void reference_apply(const Matrix& matrix, std::span<const Qubit> targets, std::span<const Qubit> controls,
                     Complex* state, Index dim);

}  // namespace qkdlab::qsim::kernels
