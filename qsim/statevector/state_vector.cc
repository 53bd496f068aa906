#include "qkdlab/qsim/state_vector.h"

#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
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
    const auto n = static_cast<std::int64_t>(dim());
    Complex* dst = data_.get();
    const Complex* src = other.data_.get();
#pragma omp parallel for schedule(static) if (n >= (1 << 16))
    for (std::int64_t i = 0; i < n; ++i) dst[i] = src[i];
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
    const auto n = static_cast<std::int64_t>(dim());
    Complex* s = data_.get();
#pragma omp parallel for schedule(static) if (n >= (1 << 16))
    for (std::int64_t i = 0; i < n; ++i) s[i] = 0;
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
    std::vector<Qubit> all(targets.begin(), targets.end());
    all.insert(all.end(), controls.begin(), controls.end());
    check_qubits(all, num_qubits_, "the state");
    if (targets.size() <= kernels::MAX_TARGETS) {
        kernels::apply(kernels::make_kernel_op(matrix, targets, mask_of(controls)), data_.get(), dim());
    } else {
        kernels::apply_dense_any(matrix, targets, mask_of(controls), data_.get(), dim());
    }
}

double StateVector::probability_one(Qubit qubit) const {
    const Qubit q[] = {qubit};
    check_qubits(q, num_qubits_, "the state");
    const auto half = static_cast<std::int64_t>(dim() / 2);
    const Complex* s = data_.get();
    const Index bit = Index{1} << qubit;
    double sum = 0;
#pragma omp parallel for schedule(static) reduction(+ : sum) if (half >= (1 << 15))
    for (std::int64_t i = 0; i < half; ++i) sum += std::norm(s[insert_zero_bit(static_cast<Index>(i), qubit) | bit]);
    return sum;
}

int StateVector::measure(Qubit qubit, core::Rng& rng) {
    const double p1 = probability_one(qubit);
    const double p0 = std::max(0.0, norm_squared() - p1);
    const int outcome = boost::random::uniform_01<double>()(rng) * (p0 + p1) < p1 ? 1 : 0;
    project(qubit, outcome);
    return outcome;
}

void StateVector::project(Qubit qubit, int outcome) {
    const double p1 = probability_one(qubit);
    const double p = outcome == 1 ? p1 : std::max(0.0, norm_squared() - p1);
    if (!(p > 0)) {
        throw Error("cannot project qubit " + std::to_string(qubit) + " onto |" + std::to_string(outcome) +
                    ">: it has probability zero");
    }
    kernels::KernelOp collapse;
    collapse.shape = kernels::Shape::diagonal;
    collapse.num_targets = 1;
    collapse.targets[0] = qubit;
    collapse.data[outcome == 1 ? 1 : 0] = 1 / std::sqrt(p);
    collapse.data[outcome == 1 ? 0 : 1] = 0;
    kernels::apply(collapse, data_.get(), dim());
}

void StateVector::reset(Qubit qubit, core::Rng& rng) {
    if (measure(qubit, rng) == 1) apply_gate(GateKind::x, std::span<const Qubit>(&qubit, 1));
}

std::vector<double> StateVector::probabilities() const {
    std::vector<double> probs(dim());
    const auto n = static_cast<std::int64_t>(dim());
    const Complex* s = data_.get();
#pragma omp parallel for schedule(static) if (n >= (1 << 16))
    for (std::int64_t i = 0; i < n; ++i) probs[i] = std::norm(s[i]);
    return probs;
}

std::vector<double> StateVector::probabilities(std::span<const Qubit> qubits) const {
    check_qubits(qubits, num_qubits_, "the state");
    if (qubits.size() >= 32) throw Error("a marginal over " + std::to_string(qubits.size()) + " qubits is too large");
    const std::size_t outcomes = std::size_t{1} << qubits.size();
    std::vector<double> probs(outcomes, 0.0);
    const auto n = static_cast<std::int64_t>(dim());
    const Complex* s = data_.get();
#pragma omp parallel if (n >= (1 << 16))
    {
        std::vector<double> local(outcomes, 0.0);
#pragma omp for schedule(static) nowait
        for (std::int64_t i = 0; i < n; ++i) local[gather_bits(static_cast<Index>(i), qubits)] += std::norm(s[i]);
#pragma omp critical
        for (std::size_t k = 0; k < outcomes; ++k) probs[k] += local[k];
    }
    return probs;
}

std::vector<Index> StateVector::sample(std::size_t shots, core::Rng& rng) const {
    // Blocks of amplitudes with their probability mass, summed in parallel; then one ordered sweep
    // of sorted uniform numbers through the blocks that hold at least one of them.
    constexpr Index BLOCK = Index{1} << 12;
    const Index blocks = (dim() + BLOCK - 1) / BLOCK;
    std::vector<double> mass(blocks);
    const Complex* s = data_.get();
    const auto nb = static_cast<std::int64_t>(blocks);
#pragma omp parallel for schedule(static) if (nb >= 16)
    for (std::int64_t b = 0; b < nb; ++b) {
        double sum = 0;
        const Index end = std::min(dim(), static_cast<Index>(b + 1) * BLOCK);
        for (Index i = static_cast<Index>(b) * BLOCK; i < end; ++i) sum += std::norm(s[i]);
        mass[b] = sum;
    }
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
    const auto n = static_cast<std::int64_t>(dim());
    const Complex* s = data_.get();
    double re = 0, im = 0;
#pragma omp parallel for schedule(static) reduction(+ : re, im) if (n >= (1 << 16))
    for (std::int64_t i = 0; i < n; ++i) {
        const Index ii = static_cast<Index>(i);
        Complex term = std::conj(s[ii ^ xmask]) * s[ii];
        if (std::popcount(ii & zmask) & 1) term = -term;
        re += term.real();
        im += term.imag();
    }
    static constexpr Complex I_POWERS[4] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
    const Complex value = Complex(re, im) * I_POWERS[num_y % 4];
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
    const auto n = static_cast<std::int64_t>(dim());
    const Complex* s = data_.get();
#pragma omp parallel if (n >= (1 << 14))
    {
        Matrix local(d);
#pragma omp for schedule(static) nowait
        for (std::int64_t i = 0; i < n; ++i) {
            const Index rest = static_cast<Index>(i);
            if (rest & keep) continue;
            for (std::size_t r = 0; r < d; ++r) {
                const Complex a = s[rest | offsets[r]];
                if (a == Complex{}) continue;
                for (std::size_t c = 0; c < d; ++c) local(r, c) += a * std::conj(s[rest | offsets[c]]);
            }
        }
#pragma omp critical
        rho = rho + local;
    }
    return rho;
}

Complex StateVector::inner_product(const StateVector& other) const {
    if (other.num_qubits_ != num_qubits_) {
        throw Error("inner product of states of " + std::to_string(num_qubits_) + " and " +
                    std::to_string(other.num_qubits_) + " qubits");
    }
    const auto n = static_cast<std::int64_t>(dim());
    const Complex* a = data_.get();
    const Complex* b = other.data_.get();
    double re = 0, im = 0;
#pragma omp parallel for schedule(static) reduction(+ : re, im) if (n >= (1 << 16))
    for (std::int64_t i = 0; i < n; ++i) {
        const Complex t = std::conj(a[i]) * b[i];
        re += t.real();
        im += t.imag();
    }
    return {re, im};
}

double StateVector::fidelity(const StateVector& other) const { return std::norm(inner_product(other)); }

double StateVector::norm_squared() const {
    const auto n = static_cast<std::int64_t>(dim());
    const Complex* s = data_.get();
    double sum = 0;
#pragma omp parallel for schedule(static) reduction(+ : sum) if (n >= (1 << 16))
    for (std::int64_t i = 0; i < n; ++i) sum += std::norm(s[i]);
    return sum;
}

}  // namespace qkdlab::qsim
