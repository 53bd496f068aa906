#include "qkdlab/qsim/trajectory.h"

#include <algorithm>
#include <array>
#include <boost/random/uniform_01.hpp>
#include <cmath>
#include <string>

#include "circuit/check_qubits.h"
#include "qkdlab/core/error.h"
#include "statevector/bits.h"
#include "statevector/kernels.h"
#include "statevector/threads.h"

namespace qkdlab::qsim {
namespace {

// Channels on up to this many qubits run without touching the heap: their reduced state and their
// operator fit in fixed-size storage (the kernels' largest matrix, 16 x 16).
constexpr unsigned MAX_LOCAL_QUBITS = kernels::MAX_TARGETS;

// p_k = Tr(K rho K^dagger) = sum_{i,c,r} K[i][c] rho[c][r] conj(K[i][r]), with rho(c, r) reading the
// reduced state of the channel's qubits.
template <class Rho>
double branch_probability(const Matrix& k, Rho&& rho) {
    const std::size_t d = k.dim();
    double p = 0;
    for (std::size_t i = 0; i < d; ++i)
        for (std::size_t c = 0; c < d; ++c) {
            const Complex kic = k(i, c);
            if (kic == Complex{}) continue;
            Complex row = 0;
            for (std::size_t r = 0; r < d; ++r) row += rho(c, r) * std::conj(k(i, r));
            p += (kic * row).real();
        }
    return std::max(0.0, p);
}

// The reduced state of K qubits, row-major, in fixed-size storage.
template <unsigned K>
struct ReducedState {
    static constexpr unsigned D = 1u << K;
    std::array<Complex, D * D> rho{};

    Complex operator()(std::size_t r, std::size_t c) const { return rho[r * D + c]; }
    ReducedState& operator+=(const ReducedState& other) {
        for (unsigned i = 0; i < D * D; ++i) rho[i] += other.rho[i];
        return *this;
    }
};

// rho_q = Tr_rest |psi><psi| over `qubits` (K of them, little-endian in list order): one pass.
template <unsigned K>
ReducedState<K> reduced_state(const StateVector& psi, std::span<const Qubit> qubits) {
    constexpr unsigned D = 1u << K;
    std::array<Index, D> offsets{};
    for (unsigned r = 0; r < D; ++r)
        for (unsigned j = 0; j < K; ++j)
            if ((r >> j) & 1) offsets[r] |= Index{1} << qubits[j];
    std::array<Qubit, K> ascending;
    std::copy(qubits.begin(), qubits.end(), ascending.begin());
    std::sort(ascending.begin(), ascending.end());
    const Complex* s = psi.amplitudes().data();
    // D products per amplitude: the pass counts as D passes over the state.
    return sum_over_ranges<ReducedState<K>>(psi.dim() >> K, psi.dim() * D, [&](Index begin, Index end) {
        ReducedState<K> part;
        for (Index i = begin; i < end; ++i) {
            Index rest = i;
            for (const Qubit q : ascending) rest = insert_zero_bit(rest, q);
            std::array<Complex, D> a;
            for (unsigned r = 0; r < D; ++r) a[r] = s[rest | offsets[r]];
            for (unsigned r = 0; r < D; ++r)
                for (unsigned c = 0; c < D; ++c) part.rho[r * D + c] += a[r] * std::conj(a[c]);
        }
        return part;
    });
}

struct Branch {
    std::size_t index = 0;
    double probability = 1;  // p_index / sum_k p_k
};

// Draws branch k with probability p(k) / sum_j p(j), never a branch of probability zero.
template <class Probability>
Branch draw_branch(std::size_t count, Probability&& p, core::Rng& rng) {
    double total = 0;
    for (std::size_t k = 0; k < count; ++k) total += p(k);
    double u = boost::random::uniform_01<double>()(rng) * total;
    std::size_t branch = 0;
    for (double pb = p(0); branch + 1 < count && (u >= pb || pb == 0); pb = p(branch)) {
        u -= pb;
        ++branch;
    }
    while (p(branch) == 0 && branch > 0) --branch;  // rounding past the last branch
    return {branch, p(branch) / total};
}

template <unsigned K>
Branch draw_from_state(const StateVector& psi, std::span<const Matrix> operators, std::span<const Qubit> qubits,
                       core::Rng& rng) {
    const ReducedState<K> rho = reduced_state<K>(psi, qubits);
    return draw_branch(
        operators.size(), [&](std::size_t k) { return branch_probability(operators[k], rho); }, rng);
}

// K_branch / sqrt(p) on `qubits`: one kernel pass, the operator scaled inside the kernel's own storage.
void apply_scaled(StateVector& psi, const Matrix& k, double scale, std::span<const Qubit> qubits) {
    kernels::KernelOp op = kernels::make_kernel_op(k, qubits, 0);
    if (scale != 1) {
        if (op.shape == kernels::Shape::x || op.shape == kernels::Shape::swap) {  // a permutation has no factor
            op.shape = kernels::Shape::dense;
            std::copy(k.data().begin(), k.data().end(), op.data.begin());
        }
        const std::size_t entries = op.shape == kernels::Shape::diagonal ? k.dim() : k.dim() * k.dim();
        for (std::size_t i = 0; i < entries; ++i) op.data[i] *= scale;
    }
    kernels::apply(op, psi.mutable_amplitudes().data(), psi.dim());
}

}  // namespace

std::size_t apply_channel_trajectory(StateVector& psi, const KrausChannel& channel, std::span<const Qubit> qubits,
                                     core::Rng& rng) {
    if (qubits.size() != channel.num_qubits()) {
        throw Error("a channel on " + std::to_string(channel.num_qubits()) + " qubit(s) was given " +
                    std::to_string(qubits.size()));
    }
    check_qubits(qubits, psi.num_qubits(), "the state");
    const auto operators = channel.operators();
    const auto weights = channel.mixture_weights();
    Branch branch;
    if (!weights.empty()) {
        branch = draw_branch(
            weights.size(), [&](std::size_t k) { return weights[k]; }, rng);
    } else {
        switch (qubits.size()) {
            case 1:
                branch = draw_from_state<1>(psi, operators, qubits, rng);
                break;
            case 2:
                branch = draw_from_state<2>(psi, operators, qubits, rng);
                break;
            case 3:
                branch = draw_from_state<3>(psi, operators, qubits, rng);
                break;
            case 4:
                branch = draw_from_state<4>(psi, operators, qubits, rng);
                break;
            default: {
                const Matrix rho = psi.reduced_density_matrix(qubits);
                branch = draw_branch(
                    operators.size(),
                    [&](std::size_t k) {
                        return branch_probability(operators[k],
                                                  [&](std::size_t r, std::size_t c) { return rho(r, c); });
                    },
                    rng);
            }
        }
    }
    const double scale = 1 / std::sqrt(branch.probability);
    if (qubits.size() <= MAX_LOCAL_QUBITS) {
        apply_scaled(psi, operators[branch.index], scale, qubits);
    } else {
        Matrix k = operators[branch.index];
        k *= scale;
        psi.apply_matrix(k, qubits);
    }
    return branch.index;
}

}  // namespace qkdlab::qsim
