#include "qkdlab/qsim/run.h"

#include <unistd.h>

#include <algorithm>
#include <boost/random/binomial_distribution.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <variant>

#include "circuit/apply_operation.h"
#include "circuit/terminal_scan.h"
#include "qkdlab/core/error.h"

namespace qkdlab::qsim {

struct CircuitRunner::Step {
    std::variant<FusedProgram, Operation> action;
};

namespace {

// Physical memory of the machine (0 if unknown).
double physical_memory_bytes() {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0.0;
}

// The state and bits after a measurement or reset came out as `outcome`.
void apply_outcome(const Operation& op, int outcome, StateVector& state, ClassicalBits& bits) {
    state.project(op.qubits[0], outcome);
    if (op.kind == OpKind::measure) {
        bits[op.clbits[0]] = outcome == 1;
    } else if (outcome == 1) {
        state.apply_gate(GateKind::x, op.qubits);
    }
}

}  // namespace

std::string format_clbits(const Circuit& circuit, const ClassicalBits& bits) {
    std::string key;
    if (circuit.cregs().empty()) {
        for (std::size_t k = bits.size(); k-- > 0;) key += bits[k] ? '1' : '0';
        return key;
    }
    for (std::size_t r = circuit.cregs().size(); r-- > 0;) {
        const Register& reg = circuit.cregs()[r];
        if (!key.empty()) key += ' ';
        for (std::size_t k = reg.size; k-- > 0;) key += bits[reg.offset + k] ? '1' : '0';
    }
    return key;
}

CircuitRunner::CircuitRunner(const Circuit& circuit, const FusionOptions& options, std::size_t branch_memory_bytes)
    : circuit_(circuit) {
    if (circuit.num_qubits() > MAX_STATE_VECTOR_QUBITS) {
        throw Error("the circuit has " + std::to_string(circuit.num_qubits()) +
                    " qubits; a state vector holds at most " + std::to_string(MAX_STATE_VECTOR_QUBITS));
    }
    const auto ops = circuit.operations();
    const std::size_t n = circuit.num_qubits();

    // Memory: the state must fit; shot branching may fill a quarter of the machine with copies.
    const double state_bytes = std::ldexp(static_cast<double>(sizeof(Complex)), static_cast<int>(n));
    const double memory = physical_memory_bytes();
    if (memory > 0 && state_bytes > memory) {
        std::ostringstream message;
        message << "a state vector of " << n << " qubits needs " << state_bytes / (1 << 30)
                << " GiB of memory; this machine has " << memory / (1 << 30) << " GiB";
        throw std::runtime_error(message.str());
    }
    const double budget = branch_memory_bytes > 0 ? static_cast<double>(branch_memory_bytes)
                          : memory > 0            ? memory / 4
                                                  : std::ldexp(1.0, 30);
    max_copies_ = static_cast<unsigned>(std::min(64.0, budget / state_bytes));

    // Terminal measurements, found walking backwards.
    std::vector<bool> terminal(ops.size(), false);
    TerminalScan scan(circuit);
    for (std::size_t i = ops.size(); i-- > 0;) terminal[i] = scan.visit(ops[i]);

    // The body, simplified where the outcome is known before running: a reset of a qubit nothing
    // has touched does nothing, and a register nothing has written reads 0.
    std::vector<Operation> body;
    std::vector<bool> touched(n, false), written(circuit.cregs().size(), false);
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const Operation& op = ops[i];
        if (terminal[i]) {
            terminal_.push_back({op.qubits[0], op.clbits[0]});
            continue;
        }
        if (op.kind == OpKind::barrier) continue;
        Operation simplified = op;
        if (op.condition && !written[op.condition->creg]) {
            if (op.condition->value != 0) continue;
            simplified.condition.reset();
        }
        if (op.kind == OpKind::reset && !touched[op.qubits[0]]) continue;
        for (Qubit q : op.qubits) touched[q] = true;
        for (Qubit q : op.controls) touched[q] = true;
        for (std::size_t c : op.clbits)
            if (const auto creg = circuit.creg_of(c)) written[*creg] = true;
        if (op.kind == OpKind::measure || op.kind == OpKind::reset) random_body_ = true;
        body.push_back(std::move(simplified));
    }

    // Unitary stretches become fused programs; everything else stays a single operation.
    std::size_t start = 0;
    const auto is_plain_unitary = [](const Operation& op) {
        return (op.kind == OpKind::gate || op.kind == OpKind::unitary) && !op.condition;
    };
    while (start < body.size()) {
        std::size_t end = start;
        while (end < body.size() && is_plain_unitary(body[end])) ++end;
        if (end > start) {
            body_.push_back({FusedProgram(std::span<const Operation>(body).subspan(start, end - start),
                                          static_cast<unsigned>(n), options)});
            start = end;
        } else {
            body_.push_back({std::move(body[start])});
            ++start;
        }
    }
}

CircuitRunner::CircuitRunner(CircuitRunner&&) noexcept = default;
CircuitRunner::~CircuitRunner() = default;

bool CircuitRunner::samples_from_one_simulation() const { return !random_body_; }
bool CircuitRunner::final_state_is_deterministic() const { return !random_body_; }

std::size_t CircuitRunner::passes() const {
    std::size_t passes = 0;
    for (const Step& step : body_)
        passes +=
            std::holds_alternative<FusedProgram>(step.action) ? std::get<FusedProgram>(step.action).stats().passes : 1;
    return passes;
}

ClassicalBits CircuitRunner::run_body(StateVector& state, core::Rng& rng) const {
    state.set_basis_state(0);
    ClassicalBits bits(circuit_.num_clbits(), false);
    for (const Step& step : body_) {
        if (const auto* program = std::get_if<FusedProgram>(&step.action)) {
            program->run(state);
            continue;
        }
        const Operation& op = std::get<Operation>(step.action);
        if (op.condition && !circuit_.holds(*op.condition, bits)) {
            continue;
        }
        apply_operation(op, state, bits, rng, [](Qubit, int outcome) { return outcome == 1; });
    }
    return bits;
}

ClassicalBits CircuitRunner::run(StateVector& state, core::Rng& rng) const {
    if (state.num_qubits() != circuit_.num_qubits()) {
        throw Error("the circuit has " + std::to_string(circuit_.num_qubits()) + " qubits, the state " +
                    std::to_string(state.num_qubits()));
    }
    ClassicalBits bits = run_body(state, rng);
    for (const TerminalMeasure& m : terminal_) bits[m.clbit] = state.measure(m.qubit, rng) == 1;
    return bits;
}

StateVector CircuitRunner::final_state(core::Rng& rng) const {
    StateVector state(static_cast<unsigned>(circuit_.num_qubits()));
    run_body(state, rng);
    return state;
}

void CircuitRunner::count_terminal_samples(const StateVector& state, const ClassicalBits& bits, std::size_t shots,
                                           core::Rng& rng, Counts& counts) const {
    std::vector<Index> samples = state.sample(shots, rng);
    std::sort(samples.begin(), samples.end());
    for (std::size_t i = 0; i < samples.size();) {
        std::size_t j = i;
        while (j < samples.size() && samples[j] == samples[i]) ++j;
        ClassicalBits shot_bits = bits;
        for (const TerminalMeasure& m : terminal_) shot_bits[m.clbit] = ((samples[i] >> m.qubit) & 1) != 0;
        counts[format_clbits(circuit_, shot_bits)] += j - i;
        i = j;
    }
}

// `shots` shots that share their history up to body step `first_step`, in `state` with `bits`.
// `depth` copies of the state are alive above this call; branching makes one more while that
// leaves room for the scratch copy that one-at-a-time shots need.
void CircuitRunner::branch(std::size_t first_step, StateVector& state, ClassicalBits bits, std::size_t shots,
                           unsigned depth, core::Rng& rng, Counts& counts) const {
    for (std::size_t i = first_step; i < body_.size(); ++i) {
        if (const auto* program = std::get_if<FusedProgram>(&body_[i].action)) {
            program->run(state);
            continue;
        }
        const Operation& op = std::get<Operation>(body_[i].action);
        if (op.condition && !circuit_.holds(*op.condition, bits)) {
            continue;
        }
        if (op.kind == OpKind::gate) {
            state.apply_gate(op.gate, op.qubits, op.params);
        } else if (op.kind == OpKind::unitary) {
            state.apply_matrix(op.matrix, op.qubits, op.controls);
        } else if (op.kind == OpKind::measure || op.kind == OpKind::reset) {
            const double p1 = std::clamp(state.probability_one(op.qubits[0]) / state.norm_squared(), 0.0, 1.0);
            const auto ones = static_cast<std::size_t>(
                boost::random::binomial_distribution<long long>(static_cast<long long>(shots), p1)(rng));
            if (ones == 0 || ones == shots) {
                apply_outcome(op, ones == 0 ? 0 : 1, state, bits);
                continue;
            }
            if (depth + 2 > max_copies_) {  // no room for another branch: one shot at a time
                for (std::size_t shot = 0; shot < shots; ++shot) {
                    StateVector scratch = state;
                    branch(i, scratch, bits, 1, depth + 1, rng, counts);
                }
                return;
            }
            StateVector one = state;
            ClassicalBits one_bits = bits;
            apply_outcome(op, 1, one, one_bits);
            branch(i + 1, one, std::move(one_bits), ones, depth + 1, rng, counts);
            apply_outcome(op, 0, state, bits);
            shots -= ones;
        }
    }
    count_terminal_samples(state, bits, shots, rng, counts);
}

Counts CircuitRunner::counts(std::size_t shots, core::Rng& rng) const {
    Counts counts;
    StateVector state(static_cast<unsigned>(circuit_.num_qubits()));
    if (!random_body_) {
        count_terminal_samples(state, run_body(state, rng), shots, rng, counts);
    } else if (max_copies_ >= 1) {
        state.set_basis_state(0);
        branch(0, state, ClassicalBits(circuit_.num_clbits(), false), shots, 0, rng, counts);
    } else {  // no memory for a second state: every shot from the start
        for (std::size_t shot = 0; shot < shots; ++shot) ++counts[format_clbits(circuit_, run(state, rng))];
    }
    return counts;
}

}  // namespace qkdlab::qsim
