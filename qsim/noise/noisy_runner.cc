#include "qkdlab/qsim/noisy_runner.h"

#include <algorithm>
#include <boost/random/uniform_01.hpp>
#include <string>
#include <type_traits>

#include "circuit/apply_operation.h"
#include "circuit/terminal_scan.h"
#include "qkdlab/core/error.h"
#include "qkdlab/qsim/trajectory.h"

namespace qkdlab::qsim {
namespace {

// What differs between the two engines: how a channel acts.
void apply_channel_to(DensityMatrix& rho, const KrausChannel& channel, std::span<const Qubit> qubits, core::Rng&) {
    rho.apply_channel(channel, qubits);
}
void apply_channel_to(StateVector& psi, const KrausChannel& channel, std::span<const Qubit> qubits, core::Rng& rng) {
    apply_channel_trajectory(psi, channel, qubits, rng);
}

}  // namespace

NoisyMethod default_noisy_method(std::size_t num_qubits) {
    return num_qubits <= DENSITY_DEFAULT_MAX_QUBITS ? NoisyMethod::density : NoisyMethod::trajectories;
}

NoisyRunner::NoisyRunner(const Circuit& circuit, const NoiseModel& model, NoisyMethod method)
    : circuit_(circuit), model_(model), method_(method), program_(add_noise(circuit, model)) {
    const std::size_t n = circuit.num_qubits();
    if (method == NoisyMethod::density && n > MAX_DENSITY_MATRIX_QUBITS) {
        throw Error("the density method holds at most " + std::to_string(MAX_DENSITY_MATRIX_QUBITS) +
                    " qubits; the circuit has " + std::to_string(n) + " (use trajectories)");
    }
    if (n > MAX_STATE_VECTOR_QUBITS) {
        throw Error("the circuit has " + std::to_string(n) + " qubits; at most " +
                    std::to_string(MAX_STATE_VECTOR_QUBITS) + " can be simulated");
    }
    // Terminal measurements, walking backwards; channels read no qubit and write no bit.
    const auto& steps = program_.steps;
    terminal_.assign(steps.size(), false);
    skipped_.assign(steps.size(), false);
    TerminalScan scan(circuit);
    for (std::size_t i = steps.size(); i-- > 0;) {
        if (steps[i].condition) scan.read(*steps[i].condition);
        if (!steps[i].operation) continue;
        terminal_[i] = scan.visit(*steps[i].operation);
        if (!terminal_[i] && steps[i].operation->kind == OpKind::measure) random_body_ = true;
    }
    // Relaxation of a qubit after its terminal measurement changes no recorded bit; the exact
    // distribution is taken before it.
    std::vector<bool> measured(n, false);
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (terminal_[i]) measured[steps[i].operation->qubits[0]] = true;
        if (steps[i].channel && steps[i].qubits.size() == 1 && measured[steps[i].qubits[0]]) skipped_[i] = true;
    }
}

bool NoisyRunner::exact_distribution() const { return method_ == NoisyMethod::density && !random_body_; }

bool NoisyRunner::record(Qubit qubit, int outcome, core::Rng& rng) const {
    const auto confusion = model_.readout(qubit);
    if (!confusion) return outcome == 1;
    const double flip = (*confusion)[outcome][1 - outcome];
    return boost::random::uniform_01<double>()(rng) < flip ? outcome == 0 : outcome == 1;
}

template <class State>
ClassicalBits NoisyRunner::run_steps(State& state, bool before_terminal, core::Rng& rng) const {
    ClassicalBits bits(circuit_.num_clbits(), false);
    for (std::size_t i = 0; i < program_.steps.size(); ++i) {
        if (before_terminal && (terminal_[i] || skipped_[i])) continue;
        const NoisyStep& step = program_.steps[i];
        if (step.condition && !circuit_.holds(*step.condition, bits)) continue;
        if (step.channel) {
            apply_channel_to(state, *step.channel, step.qubits, rng);
            continue;
        }
        const Operation& op = *step.operation;
        if constexpr (std::is_same_v<State, DensityMatrix>) {
            // A gate and the channel right after it on the same qubits: one pass over rho.
            const std::size_t next = i + 1;
            if (op.kind == OpKind::gate && next < program_.steps.size() && !skipped_[next] &&
                program_.steps[next].channel && program_.steps[next].qubits == op.qubits &&
                program_.steps[next].condition == step.condition) {
                state.apply_gate_then_channel(op.gate, op.qubits, op.params, *program_.steps[next].channel);
                ++i;
                continue;
            }
        }
        apply_operation(op, state, bits, rng, [&](Qubit q, int outcome) { return record(q, outcome, rng); });
    }
    return bits;
}

ClassicalBits NoisyRunner::run_shot(core::Rng& rng) const {
    const auto n = static_cast<unsigned>(circuit_.num_qubits());
    if (method_ == NoisyMethod::density) {
        DensityMatrix rho(n);
        return run_steps(rho, false, rng);
    }
    StateVector psi(n);
    return run_steps(psi, false, rng);
}

DensityMatrix NoisyRunner::final_density_matrix(core::Rng& rng) const {
    if (method_ != NoisyMethod::density) throw Error("the final density matrix needs the density method");
    DensityMatrix rho(static_cast<unsigned>(circuit_.num_qubits()));
    run_steps(rho, true, rng);
    return rho;
}

Counts NoisyRunner::counts(std::size_t shots, core::Rng& rng) const {
    Counts counts;
    if (!exact_distribution()) {
        for (std::size_t shot = 0; shot < shots; ++shot) ++counts[format_clbits(circuit_, run_shot(rng))];
        return counts;
    }
    // The distinct qubits measured at the end, their joint distribution with readout errors, and
    // shots sampled from it by one sweep of sorted uniform numbers.
    std::vector<Qubit> measured;
    std::vector<std::pair<std::size_t, std::size_t>> reads;  // (position in `measured`, clbit)
    for (std::size_t i = 0; i < program_.steps.size(); ++i) {
        if (!terminal_[i]) continue;
        const Operation& op = *program_.steps[i].operation;
        auto it = std::find(measured.begin(), measured.end(), op.qubits[0]);
        if (it == measured.end()) it = measured.insert(measured.end(), op.qubits[0]);
        reads.emplace_back(static_cast<std::size_t>(it - measured.begin()), op.clbits[0]);
    }
    const DensityMatrix rho = final_density_matrix(rng);
    const std::vector<double> diagonal = rho.probabilities();
    std::vector<double> p(std::size_t{1} << measured.size(), 0.0);
    for (Index i = 0; i < diagonal.size(); ++i) {
        std::size_t outcome = 0;
        for (std::size_t k = 0; k < measured.size(); ++k)
            outcome |= static_cast<std::size_t>((i >> measured[k]) & 1) << k;
        p[outcome] += diagonal[i];
    }
    for (std::size_t k = 0; k < measured.size(); ++k) {
        const auto confusion = model_.readout(measured[k]);
        if (!confusion) continue;
        for (std::size_t o = 0; o < p.size(); ++o) {
            if ((o >> k) & 1) continue;
            const std::size_t o1 = o | (std::size_t{1} << k);
            const double p0 = p[o], p1 = p[o1];
            p[o] = p0 * (*confusion)[0][0] + p1 * (*confusion)[1][0];
            p[o1] = p0 * (*confusion)[0][1] + p1 * (*confusion)[1][1];
        }
    }
    std::vector<double> u(shots);
    double total = 0;
    for (double x : p) total += x;
    for (double& x : u) x = boost::random::uniform_01<double>()(rng) * total;
    std::sort(u.begin(), u.end());
    std::size_t k = 0;
    double cumulative = 0;
    for (std::size_t o = 0; o < p.size() && k < shots; ++o) {
        cumulative += p[o];
        std::size_t hits = 0;
        while (k < shots && (u[k] < cumulative || o + 1 == p.size())) ++k, ++hits;
        if (hits == 0) continue;
        ClassicalBits bits(circuit_.num_clbits(), false);
        for (const auto& [position, clbit] : reads) bits[clbit] = ((o >> position) & 1) != 0;
        counts[format_clbits(circuit_, bits)] += hits;
    }
    return counts;
}

}  // namespace qkdlab::qsim
