#include "statevector/reference_kernel.h"

#include <vector>

namespace qkdlab::qsim::kernels {

void reference_apply(const Matrix& matrix, std::span<const Qubit> targets, std::span<const Qubit> controls,
                     Complex* state, Index dim) {
    Index target_mask = 0, control_mask = 0;
    for (Qubit q : targets) target_mask |= Index{1} << q;
    for (Qubit q : controls) control_mask |= Index{1} << q;
    const std::size_t k = targets.size();
    std::vector<Complex> in(std::size_t{1} << k);
    for (Index base = 0; base < dim; ++base) {
        if ((base & target_mask) != 0 || (base & control_mask) != control_mask) continue;
        const auto index_of = [&](std::size_t r) {
            Index i = base;
            for (std::size_t j = 0; j < k; ++j)
                if ((r >> j) & 1) i |= Index{1} << targets[j];
            return i;
        };
        for (std::size_t r = 0; r < in.size(); ++r) in[r] = state[index_of(r)];
        for (std::size_t r = 0; r < in.size(); ++r) {
            Complex sum = 0;
            for (std::size_t c = 0; c < in.size(); ++c) sum += matrix(r, c) * in[c];
            state[index_of(r)] = sum;
        }
    }
}

}  // namespace qkdlab::qsim::kernels
