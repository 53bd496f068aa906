#include "qkdlab/qsim/noisy_program.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace qkdlab::qsim {
namespace {

std::string_view operation_name(const Operation& op) {
    switch (op.kind) {
        case OpKind::gate:
            return gate_info(op.gate).name;
        case OpKind::measure:
            return "measure";
        case OpKind::reset:
            return "reset";
        case OpKind::unitary:
        case OpKind::barrier:
            break;
    }
    return "default";
}

bool follows(const GateNoise& noise, const Operation& op) {
    if (noise.gates.empty()) return true;
    if (op.kind != OpKind::gate) return false;
    return std::any_of(noise.gates.begin(), noise.gates.end(),
                       [&](const std::string& name) { return gate_by_name(name) == op.gate; });
}

bool listed(const std::vector<Qubit>& qubits, Qubit q) {
    return qubits.empty() || std::find(qubits.begin(), qubits.end(), q) != qubits.end();
}

}  // namespace

NoisyProgram add_noise(const Circuit& circuit, const NoiseModel& model) {
    const std::size_t n = circuit.num_qubits();
    NoisyProgram program;
    std::vector<double> free_at(n, 0.0), busy(n, 0.0), idle(n, 0.0);
    std::vector<double> creg_ready(circuit.cregs().size(), 0.0);

    // Qubit q waits from its last operation's end to `until`: relaxation for that long.
    const auto wait = [&](Qubit q, double until) {
        const double t = until - free_at[q];
        if (t <= 0) return;
        idle[q] += t;
        free_at[q] = until;
        const auto relaxation = model.relaxation(q);
        if (!model.idle_noise() || !relaxation) return;
        program.steps.push_back({std::nullopt,
                                 KrausChannel::thermal_relaxation(relaxation->t1_us * 1e3, relaxation->t2_us * 1e3, t),
                                 {q},
                                 std::nullopt,
                                 until - t});
    };

    for (const Operation& op : circuit.operations()) {
        std::vector<Qubit> qubits = op.controls;
        qubits.insert(qubits.end(), op.qubits.begin(), op.qubits.end());
        double start = 0;
        for (Qubit q : qubits) start = std::max(start, free_at[q]);
        if (op.condition) start = std::max(start, creg_ready[op.condition->creg]);
        for (Qubit q : qubits) wait(q, start);
        if (op.kind == OpKind::barrier) continue;

        program.steps.push_back({op, std::nullopt, {}, op.condition, start});
        if (op.kind == OpKind::gate || op.kind == OpKind::unitary) {
            for (const GateNoise& noise : model.gate_noise()) {
                if (!follows(noise, op)) continue;
                if (noise.channel.num_qubits() == 1) {
                    for (Qubit q : qubits)
                        if (listed(noise.qubits, q))
                            program.steps.push_back({std::nullopt, noise.channel, {q}, op.condition, start});
                } else if (noise.channel.num_qubits() == qubits.size() &&
                           std::all_of(qubits.begin(), qubits.end(),
                                       [&](Qubit q) { return listed(noise.qubits, q); })) {
                    program.steps.push_back({std::nullopt, noise.channel, qubits, op.condition, start});
                }
            }
        }
        const double duration = model.duration_ns(operation_name(op));
        for (Qubit q : qubits) {
            busy[q] += duration;
            free_at[q] = start + duration;
        }
        if (op.kind == OpKind::measure)
            if (const auto creg = circuit.creg_of(op.clbits[0]))
                creg_ready[*creg] = std::max(creg_ready[*creg], start + duration);
    }

    program.duration_ns = 0;
    for (double t : free_at) program.duration_ns = std::max(program.duration_ns, t);
    for (Qubit q = 0; q < n; ++q) wait(q, program.duration_ns);

    for (Qubit q = 0; q < n; ++q) {
        QubitDecoherence d;
        d.qubit = q;
        d.busy_ns = busy[q];
        d.idle_ns = idle[q];
        if (const auto relaxation = model.relaxation(q); relaxation && model.idle_noise()) {
            d.t1_decay = std::exp(-idle[q] / (relaxation->t1_us * 1e3));
            d.t2_decay = std::exp(-idle[q] / (relaxation->t2_us * 1e3));
            // Average fidelity of thermal relaxation: 1/2 + e^{-t/T2}/3 + e^{-t/T1}/6 (from its Pauli
            // transfer matrix diag(1, e^{-t/T2}, e^{-t/T2}, e^{-t/T1}): F = (2 F_e + 1)/3).
            d.fidelity_lost = 1 - (0.5 + d.t2_decay / 3 + d.t1_decay / 6);
        }
        program.decoherence.push_back(d);
    }
    return program;
}

}  // namespace qkdlab::qsim
