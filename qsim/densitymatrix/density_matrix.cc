#include "qkdlab/qsim/density_matrix.h"

#include <bit>
#include <boost/random/uniform_01.hpp>
#include <cmath>
#include <string>

#include "circuit/check_qubits.h"
#include "noise/partial_trace.h"
#include "qkdlab/core/error.h"

namespace qkdlab::qsim {
namespace {

unsigned checked_size(unsigned num_qubits) {
    if (num_qubits > MAX_DENSITY_MATRIX_QUBITS) {
        throw Error("a density matrix of " + std::to_string(num_qubits) + " qubits is too large (at most " +
                    std::to_string(MAX_DENSITY_MATRIX_QUBITS) + ")");
    }
    return num_qubits;
}

std::vector<Qubit> shifted(std::span<const Qubit> qubits, unsigned by) {
    std::vector<Qubit> out(qubits.begin(), qubits.end());
    for (Qubit& q : out) q += by;
    return out;
}

Matrix conjugate(const Matrix& m) {
    Matrix out(m.dim());
    for (std::size_t r = 0; r < m.dim(); ++r)
        for (std::size_t c = 0; c < m.dim(); ++c) out(r, c) = std::conj(m(r, c));
    return out;
}

}  // namespace

DensityMatrix::DensityMatrix(unsigned num_qubits) : num_qubits_(checked_size(num_qubits)), vec_(2 * num_qubits) {}

DensityMatrix::DensityMatrix(const StateVector& psi)
    : num_qubits_(checked_size(psi.num_qubits())), vec_(2 * psi.num_qubits()) {
    const auto a = psi.amplitudes();
    const auto rho = vec_.mutable_amplitudes();
    for (Index c = 0; c < dim(); ++c)
        for (Index r = 0; r < dim(); ++r) rho[r + (c << num_qubits_)] = a[r] * std::conj(a[c]);
}

void DensityMatrix::check_qubits(std::span<const Qubit> qubits) const {
    qsim::check_qubits(qubits, num_qubits_, "the density matrix");
}

Matrix DensityMatrix::to_matrix() const {
    if (num_qubits_ > 12) throw Error("a dense copy of a density matrix is limited to 12 qubits");
    Matrix m(dim());
    for (Index r = 0; r < dim(); ++r)
        for (Index c = 0; c < dim(); ++c) m(r, c) = element(r, c);
    return m;
}

void DensityMatrix::apply_superoperator(const Matrix& superoperator, std::span<const Qubit> qubits) {
    std::vector<Qubit> targets(qubits.begin(), qubits.end());
    const std::vector<Qubit> columns = shifted(qubits, num_qubits_);
    targets.insert(targets.end(), columns.begin(), columns.end());
    vec_.apply_matrix(superoperator, targets);
}

void DensityMatrix::apply_gate(GateKind kind, std::span<const Qubit> qubits, std::span<const double> params) {
    const GateInfo& info = gate_info(kind);
    if (qubits.size() != info.num_qubits) {
        throw Error("gate " + std::string(info.name) + " acts on " + std::to_string(info.num_qubits) +
                    " qubit(s), got " + std::to_string(qubits.size()));
    }
    check_qubits(qubits);
    if (qubits.size() <= 2) {  // one pass: U ⊗ conj(U) over the gate's qubits, controls included
        apply_superoperator(KrausChannel({gate_matrix(kind, params)}).superoperator(), qubits);
        return;
    }
    apply_matrix(gate_target_matrix(kind, params), qubits.subspan(info.num_controls), qubits.first(info.num_controls));
}

void DensityMatrix::apply_matrix(const Matrix& matrix, std::span<const Qubit> targets,
                                 std::span<const Qubit> controls) {
    std::vector<Qubit> all(targets.begin(), targets.end());
    all.insert(all.end(), controls.begin(), controls.end());
    check_qubits(all);
    if (controls.empty() && targets.size() <= 2) {
        apply_superoperator(KrausChannel({matrix}).superoperator(), targets);
        return;
    }
    // Two passes: U on the row qubits, conj(U) on the column qubits.
    vec_.apply_matrix(matrix, targets, controls);
    vec_.apply_matrix(conjugate(matrix), shifted(targets, num_qubits_), shifted(controls, num_qubits_));
}

void DensityMatrix::apply_channel(const KrausChannel& channel, std::span<const Qubit> qubits) {
    if (qubits.size() != channel.num_qubits()) {
        throw Error("a channel on " + std::to_string(channel.num_qubits()) + " qubit(s) was given " +
                    std::to_string(qubits.size()));
    }
    check_qubits(qubits);
    apply_superoperator(channel.superoperator(), qubits);
}

void DensityMatrix::apply_gate_then_channel(GateKind kind, std::span<const Qubit> qubits,
                                            std::span<const double> params, const KrausChannel& channel) {
    if (qubits.size() > 2 || channel.num_qubits() != qubits.size()) {
        apply_gate(kind, qubits, params);
        apply_channel(channel, qubits);
        return;
    }
    if (qubits.size() != gate_info(kind).num_qubits) {
        throw Error("gate " + std::string(gate_info(kind).name) + " acts on " +
                    std::to_string(gate_info(kind).num_qubits) + " qubit(s), got " + std::to_string(qubits.size()));
    }
    check_qubits(qubits);
    const Matrix gate = KrausChannel({gate_matrix(kind, params)}).superoperator();
    apply_superoperator(channel.superoperator() * gate, qubits);
}

double DensityMatrix::probability_one(Qubit qubit) const {
    const Qubit q[] = {qubit};
    check_qubits(q);
    double sum = 0;
    for (Index r = 0; r < dim(); ++r)
        if ((r >> qubit) & 1) sum += element(r, r).real();
    return sum;
}

int DensityMatrix::measure(Qubit qubit, core::Rng& rng) {
    const double p1 = probability_one(qubit);
    const double total = trace();
    const int outcome = boost::random::uniform_01<double>()(rng) * total < p1 ? 1 : 0;
    project(qubit, outcome);
    return outcome;
}

void DensityMatrix::project(Qubit qubit, int outcome) {
    const double p1 = probability_one(qubit);
    const double p = outcome == 1 ? p1 : trace() - p1;
    if (!(p > 0)) {
        throw Error("cannot project qubit " + std::to_string(qubit) + " onto |" + std::to_string(outcome) +
                    ">: it has probability zero");
    }
    // Keep rho[r][c] where both the row and the column bit equal the outcome: a diagonal over
    // (row bit, column bit) = local index r + 2 c.
    Matrix keep(4);
    keep(outcome == 1 ? 3 : 0, outcome == 1 ? 3 : 0) = 1 / p;
    const Qubit q[] = {qubit};
    apply_superoperator(keep, q);
}

void DensityMatrix::reset(Qubit qubit, core::Rng&) {
    const Qubit q[] = {qubit};
    apply_channel(KrausChannel::reset_error(1, 0), q);
}

std::vector<double> DensityMatrix::probabilities() const {
    std::vector<double> p(dim());
    for (Index r = 0; r < dim(); ++r) p[r] = element(r, r).real();
    return p;
}

double DensityMatrix::expectation(const PauliString& pauli) const {
    if (pauli.paulis.size() > num_qubits_) {
        throw Error("Pauli string of " + std::to_string(pauli.paulis.size()) + " qubits on a density matrix of " +
                    std::to_string(num_qubits_));
    }
    const auto [xmask, zmask, num_y] = pauli.masks();
    // P|k> = i^{#Y} (-1)^{|k & zmask|} |k ^ xmask>, so Tr(P rho) = sum_k phase(k) rho[k][k ^ xmask].
    Complex sum = 0;
    for (Index k = 0; k < dim(); ++k) {
        const Complex term = element(k, k ^ xmask);
        sum += (std::popcount(k & zmask) & 1) ? -term : term;
    }
    static constexpr Complex I_POWERS[4] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
    const double value = (sum * I_POWERS[num_y % 4]).real();
    return pauli.negative ? -value : value;
}

double DensityMatrix::trace() const {
    double sum = 0;
    for (Index r = 0; r < dim(); ++r) sum += element(r, r).real();
    return sum;
}

double DensityMatrix::purity() const { return vec_.norm_squared(); }

double DensityMatrix::fidelity(const StateVector& psi) const {
    if (psi.num_qubits() != num_qubits_) {
        throw Error("fidelity of a density matrix of " + std::to_string(num_qubits_) + " qubits with a state of " +
                    std::to_string(psi.num_qubits()));
    }
    const auto a = psi.amplitudes();
    Complex sum = 0;
    for (Index c = 0; c < dim(); ++c) {
        if (a[c] == Complex{}) continue;
        Complex row = 0;
        for (Index r = 0; r < dim(); ++r) row += std::conj(a[r]) * element(r, c);
        sum += row * a[c];
    }
    return sum.real();
}

Matrix DensityMatrix::reduced_density_matrix(std::span<const Qubit> qubits) const {
    return partial_trace_of(num_qubits_, qubits, [&](Index r, Index c) { return element(r, c); });
}

}  // namespace qkdlab::qsim
