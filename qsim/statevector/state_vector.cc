#include "qkdlab/qsim/state_vector.h"

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <bit>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <cmath>
#include <cstdlib>
#include <new>
#include <string>

#include "circuit/check_qubits.h"
#include "qkdlab/core/error.h"
#include "statevector/bits.h"
#include "statevector/kernels.h"
#include "statevector/threads.h"

namespace qkdlab::qsim {
namespace {

// States of 2 MiB and more are aligned to 2 MiB and offered to the kernel as transparent huge
// pages: first touch of a 2 GiB state takes about 0.1 s instead of 0.4 s here, and passes over
// high qubits need far fewer TLB entries.
constexpr std::size_t HUGE_PAGE_BYTES = std::size_t{1} << 21;

Complex* allocate_amplitudes(Index dim) {
    const std::size_t bytes = std::max<std::size_t>(64, static_cast<std::size_t>(dim) * sizeof(Complex));
    const bool huge = bytes >= HUGE_PAGE_BYTES;
    void* p = std::aligned_alloc(huge ? HUGE_PAGE_BYTES : 64, bytes);
    if (p == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    if (huge) ::madvise(p, bytes, MADV_HUGEPAGE);  // advice only: failure changes nothing
#endif
    return static_cast<Complex*>(p);
}

// The basis index bits of `qubits`, packed little-endian in list order.
inline std::size_t gather_bits(Index i, std::span<const Qubit> qubits) {
    std::size_t packed = 0;
    for (std::size_t k = 0; k < qubits.size(); ++k) packed |= static_cast<std::size_t>((i >> qubits[k]) & 1) << k;
    return packed;
}

// The probabilities of 0 and of 1 for one qubit (unnormalised: they add up to the norm squared).
struct QubitMasses {
    double zero = 0;
    double one = 0;
    QubitMasses& operator+=(const QubitMasses& other) {
        zero += other.zero;
        one += other.one;
        return *this;
    }
};

// One pass: the masses of both outcomes of `qubit`.
QubitMasses qubit_masses(const Complex* s, Index dim, Qubit qubit) {
    const Index bit = Index{1} << qubit;
    return sum_over_ranges<QubitMasses>(dim / 2, dim, [&](Index begin, Index end) {
        QubitMasses m;
        for (Index i = begin; i < end; ++i) {
            const Index i0 = insert_zero_bit(i, qubit);
            m.zero += std::norm(s[i0]);
            m.one += std::norm(s[i0 | bit]);
        }
        return m;
    });
}

// Projects `qubit` onto `outcome`, whose mass is `p` > 0, and renormalises: one diagonal pass.
void collapse(Complex* s, Index dim, Qubit qubit, int outcome, double p) {
    kernels::KernelOp op;
    op.shape = kernels::Shape::diagonal;
    op.num_targets = 1;
    op.targets[0] = qubit;
    op.data[outcome == 1 ? 1 : 0] = 1 / std::sqrt(p);
    op.data[outcome == 1 ? 0 : 1] = 0;
    kernels::apply(op, s, dim);
}

}  // namespace

void StateVector::FreeDeleter::operator()(Complex* p) const { std::free(p); }

StateVector::StateVector(unsigned num_qubits) : num_qubits_(num_qubits) {
    if (num_qubits > MAX_STATE_VECTOR_QUBITS) {
        throw Error("a state vector of " + std::to_string(num_qubits) + " qubits is too large (at most " +
                    std::to_string(MAX_STATE_VECTOR_QUBITS) + ")");
    }
    data_.reset(allocate_amplitudes(dim()));
    set_basis_state(0);
}

StateVector::StateVector(const StateVector& other) : num_qubits_(other.num_qubits_) {
    data_.reset(allocate_amplitudes(dim()));
    Complex* dst = data_.get();
    const Complex* src = other.data_.get();
    for_each_range(dim(), dim(), [&](Index begin, Index end) { std::copy(src + begin, src + end, dst + begin); });
}

StateVector& StateVector::operator=(const StateVector& other) {
    if (this != &other) *this = StateVector(other);
    return *this;
}

void StateVector::set_basis_state(Index basis_state) {
    if (basis_state >= dim()) {
        throw Error("basis state " + std::to_string(basis_state) + " is out of range for " +
                    std::to_string(num_qubits_) + " qubit(s)");
    }
    Complex* s = data_.get();
    for_each_range(dim(), dim(), [&](Index begin, Index end) { std::fill(s + begin, s + end, Complex{}); });
    s[basis_state] = 1;
}

void StateVector::set_amplitudes(std::span<const Complex> amplitudes) {
    if (amplitudes.size() != dim()) {
        throw Error("a state of " + std::to_string(num_qubits_) + " qubit(s) needs " + std::to_string(dim()) +
                    " amplitudes, got " + std::to_string(amplitudes.size()));
    }
    double norm = 0;
    for (const Complex& a : amplitudes) norm += std::norm(a);
    if (std::abs(norm - 1) > 1e-10) throw Error("amplitudes must have norm 1, got " + std::to_string(norm));
    std::copy(amplitudes.begin(), amplitudes.end(), data_.get());
}

void StateVector::apply_gate(GateKind kind, std::span<const Qubit> qubits, std::span<const double> params) {
    const GateInfo& info = gate_info(kind);
    if (qubits.size() != info.num_qubits) {
        throw Error("gate " + std::string(info.name) + " acts on " + std::to_string(info.num_qubits) +
                    " qubit(s), got " + std::to_string(qubits.size()));
    }
    check_qubits(qubits, num_qubits_, "the state");
    const auto controls = qubits.first(info.num_controls);
    const auto targets = qubits.subspan(info.num_controls);
    std::array<Complex, 16> entries;
    const std::size_t d = write_gate_target_matrix(kind, params, entries);
    const kernels::KernelOp op =
        kernels::make_kernel_op(std::span<const Complex>(entries).first(d * d), targets, mask_of(controls));
    kernels::apply(op, data_.get(), dim());
}

void StateVector::apply_matrix(const Matrix& matrix, std::span<const Qubit> targets, std::span<const Qubit> controls) {
    if (targets.empty() || targets.size() >= 32 || matrix.dim() != (std::size_t{1} << targets.size())) {
        throw Error("a matrix on " + std::to_string(targets.size()) + " target qubit(s) must have dimension 2^" +
                    std::to_string(targets.size()) + ", got " + std::to_string(matrix.dim()));
    }
    check_qubits(targets, num_qubits_, "the state");
    check_qubits(controls, num_qubits_, "the state");
    if (const Index both = mask_of(targets) & mask_of(controls); both != 0) {
        throw Error("qubit " + std::to_string(std::countr_zero(both)) + " is used twice in one operation");
    }
    if (targets.size() <= kernels::MAX_TARGETS) {
        kernels::apply(kernels::make_kernel_op(matrix, targets, mask_of(controls)), data_.get(), dim());
    } else {
        kernels::apply_dense_any(matrix, targets, mask_of(controls), data_.get(), dim());
    }
}

double StateVector::probability_one(Qubit qubit) const {
    const Qubit q[] = {qubit};
    check_qubits(q, num_qubits_, "the state");
    const Complex* s = data_.get();
    const Index bit = Index{1} << qubit;
    return sum_over_ranges<double>(dim() / 2, dim(), [&](Index begin, Index end) {
        double sum = 0;
        for (Index i = begin; i < end; ++i) sum += std::norm(s[insert_zero_bit(i, qubit) | bit]);
        return sum;
    });
}

// measure and project take both outcome masses from one pass, then collapse in a second.
int StateVector::measure(Qubit qubit, core::Rng& rng) {
    const Qubit q[] = {qubit};
    check_qubits(q, num_qubits_, "the state");
    const QubitMasses m = qubit_masses(data_.get(), dim(), qubit);
    const int outcome = boost::random::uniform_01<double>()(rng) * (m.zero + m.one) < m.one ? 1 : 0;
    const double p = outcome == 1 ? m.one : m.zero;
    if (!(p > 0)) throw Error("cannot measure qubit " + std::to_string(qubit) + ": the state has norm zero");
    collapse(data_.get(), dim(), qubit, outcome, p);
    return outcome;
}

void StateVector::project(Qubit qubit, int outcome) {
    const Qubit q[] = {qubit};
    check_qubits(q, num_qubits_, "the state");
    const QubitMasses m = qubit_masses(data_.get(), dim(), qubit);
    const double p = outcome == 1 ? m.one : m.zero;
    if (!(p > 0)) {
        throw Error("cannot project qubit " + std::to_string(qubit) + " onto |" + std::to_string(outcome) +
                    ">: it has probability zero");
    }
    collapse(data_.get(), dim(), qubit, outcome, p);
}

void StateVector::reset(Qubit qubit, core::Rng& rng) {
    if (measure(qubit, rng) == 1) apply_gate(GateKind::x, std::span<const Qubit>(&qubit, 1));
}

std::vector<double> StateVector::probabilities() const {
    std::vector<double> probs(dim());
    const Complex* s = data_.get();
    for_each_range(dim(), dim(), [&](Index begin, Index end) {
        for (Index i = begin; i < end; ++i) probs[i] = std::norm(s[i]);
    });
    return probs;
}

std::vector<double> StateVector::probabilities(std::span<const Qubit> qubits) const {
    check_qubits(qubits, num_qubits_, "the state");
    if (qubits.size() >= 32) throw Error("a marginal over " + std::to_string(qubits.size()) + " qubits is too large");
    const std::size_t outcomes = std::size_t{1} << qubits.size();
    std::vector<double> probs(outcomes, 0.0);
    const Complex* s = data_.get();
    for_each_range(dim(), dim(), [&](Index begin, Index end) {
        std::vector<double> local(outcomes, 0.0);
        for (Index i = begin; i < end; ++i) local[gather_bits(i, qubits)] += std::norm(s[i]);
#pragma omp critical(qkdlab_qsim_marginal)
        for (std::size_t k = 0; k < outcomes; ++k) probs[k] += local[k];
    });
    return probs;
}

std::vector<Index> StateVector::sample(std::size_t shots, core::Rng& rng) const {
    // Blocks of amplitudes with their probability mass, summed in parallel; then one ordered sweep
    // of sorted uniform numbers through the blocks that hold at least one of them.
    constexpr Index BLOCK = Index{1} << 12;
    const Index blocks = (dim() + BLOCK - 1) / BLOCK;
    std::vector<double> mass(blocks);
    const Complex* s = data_.get();
    for_each_range(blocks, dim(), [&](Index first, Index last) {
        for (Index b = first; b < last; ++b) {
            double sum = 0;
            const Index end = std::min(dim(), (b + 1) * BLOCK);
            for (Index i = b * BLOCK; i < end; ++i) sum += std::norm(s[i]);
            mass[b] = sum;
        }
    });
    double total = 0;
    for (double m : mass) total += m;

    std::vector<double> u(shots);
    boost::random::uniform_01<double> uniform;
    for (double& x : u) x = uniform(rng) * total;
    std::sort(u.begin(), u.end());

    std::vector<Index> out(shots);
    Index last_nonzero = 0;
    for (Index i = dim(); i-- > 0;)
        if (std::norm(s[i]) > 0) {
            last_nonzero = i;
            break;
        }
    double before = 0;  // mass of the blocks before block b
    std::size_t k = 0;
    for (Index b = 0; b < blocks && k < shots; ++b) {
        if (u[k] >= before + mass[b] && b + 1 < blocks) {
            before += mass[b];
            continue;
        }
        double cumulative = before;
        const Index end = std::min(dim(), (b + 1) * BLOCK);
        for (Index i = b * BLOCK; i < end && k < shots; ++i) {
            cumulative += std::norm(s[i]);
            while (k < shots && u[k] < cumulative) out[k++] = i;
        }
        before += mass[b];
    }
    for (; k < shots; ++k) out[k] = last_nonzero;  // rounding at the very top of the distribution

    for (std::size_t i = shots; i > 1; --i) {
        const std::size_t j = boost::random::uniform_int_distribution<std::size_t>(0, i - 1)(rng);
        std::swap(out[i - 1], out[j]);
    }
    return out;
}

double StateVector::expectation(const PauliString& pauli) const {
    if (pauli.paulis.size() > num_qubits_) {
        throw Error("Pauli string of " + std::to_string(pauli.paulis.size()) + " qubits on a state of " +
                    std::to_string(num_qubits_));
    }
    const auto [xmask, zmask, num_y] = pauli.masks();
    // P|i> = i^{#Y} (-1)^{|i & zmask|} |i ^ xmask>, so <psi|P|psi> = sum_i conj(psi[i ^ xmask]) phase(i) psi[i].
    const Complex* s = data_.get();
    const Complex sum = sum_over_ranges<Complex>(dim(), dim(), [&](Index begin, Index end) {
        double re = 0, im = 0;
        for (Index i = begin; i < end; ++i) {
            Complex term = std::conj(s[i ^ xmask]) * s[i];
            if (std::popcount(i & zmask) & 1) term = -term;
            re += term.real();
            im += term.imag();
        }
        return Complex(re, im);
    });
    static constexpr Complex I_POWERS[4] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
    const Complex value = sum * I_POWERS[num_y % 4];
    return pauli.negative ? -value.real() : value.real();
}

Matrix StateVector::reduced_density_matrix(std::span<const Qubit> qubits) const {
    check_qubits(qubits, num_qubits_, "the state");
    if (qubits.size() > 14) throw Error("a reduced density matrix of more than 14 qubits is too large");
    const std::size_t d = std::size_t{1} << qubits.size();
    const Index keep = mask_of(qubits);
    std::vector<Index> offsets(d, 0);
    for (std::size_t r = 0; r < d; ++r)
        for (std::size_t j = 0; j < qubits.size(); ++j)
            if ((r >> j) & 1) offsets[r] |= Index{1} << qubits[j];
    Matrix rho(d);
    const Complex* s = data_.get();
    // d products per amplitude: the pass counts as d passes over the state.
    for_each_range(dim(), dim() * d, [&](Index begin, Index end) {
        Matrix local(d);
        for (Index rest = begin; rest < end; ++rest) {
            if (rest & keep) continue;
            for (std::size_t r = 0; r < d; ++r) {
                const Complex a = s[rest | offsets[r]];
                if (a == Complex{}) continue;
                for (std::size_t c = 0; c < d; ++c) local(r, c) += a * std::conj(s[rest | offsets[c]]);
            }
        }
#pragma omp critical(qkdlab_qsim_reduced_density_matrix)
        rho = rho + local;
    });
    return rho;
}

Complex StateVector::inner_product(const StateVector& other) const {
    if (other.num_qubits_ != num_qubits_) {
        throw Error("inner product of states of " + std::to_string(num_qubits_) + " and " +
                    std::to_string(other.num_qubits_) + " qubits");
    }
    const Complex* a = data_.get();
    const Complex* b = other.data_.get();
    return sum_over_ranges<Complex>(dim(), dim(), [&](Index begin, Index end) {
        double re = 0, im = 0;
        for (Index i = begin; i < end; ++i) {
            const Complex t = std::conj(a[i]) * b[i];
            re += t.real();
            im += t.imag();
        }
        return Complex(re, im);
    });
}

double StateVector::fidelity(const StateVector& other) const { return std::norm(inner_product(other)); }

double StateVector::norm_squared() const {
    const Complex* s = data_.get();
    return sum_over_ranges<double>(dim(), dim(), [&](Index begin, Index end) {
        double sum = 0;
        for (Index i = begin; i < end; ++i) sum += std::norm(s[i]);
        return sum;
    });
}

}  // namespace qkdlab::qsim
