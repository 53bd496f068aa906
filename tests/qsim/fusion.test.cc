#include "qkdlab/qsim/fusion.h"

#include <gtest/gtest.h>

#include <boost/random/uniform_int_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <numbers>

#include "qkdlab/core/error.h"
#include "qkdlab/qsim/circuit_library.h"
#include "support.h"

namespace qkdlab::qsim {
namespace {

using testing::max_abs_diff;
using testing::random_qubits;
using testing::random_state;
using testing::random_unitary;

// A random circuit over every gate kind, controlled unitaries of 1 to 5 targets, and barriers.
Circuit mixed_circuit(unsigned n, unsigned length, core::Rng& rng) {
    Circuit c(n);
    boost::random::uniform_real_distribution<double> angle(-4, 4);
    const auto kinds = all_gate_kinds();
    for (unsigned step = 0; step < length; ++step) {
        if (step % 13 == 12) {
            const unsigned k = 1 + step % std::min(5u, n - 1);
            const std::vector<Qubit> qubits = random_qubits(k + 1, n, rng);
            c.append_unitary(random_unitary(k, rng), std::span<const Qubit>(qubits).first(k),
                             std::span<const Qubit>(qubits).last(1));
            continue;
        }
        if (step % 17 == 16) {
            const std::vector<Qubit> qubits = random_qubits(2, n, rng);
            c.append_barrier(qubits);
            continue;
        }
        const GateKind kind = kinds[boost::random::uniform_int_distribution<std::size_t>(0, kinds.size() - 1)(rng)];
        std::vector<double> params(gate_info(kind).num_params);
        for (double& p : params) p = angle(rng);
        c.append_gate(kind, random_qubits(gate_info(kind).num_qubits, n, rng), params);
    }
    return c;
}

// Each gate applied on its own with StateVector's kernels: the one-pass-per-gate result.
StateVector gate_by_gate(const Circuit& c, StateVector psi) {
    for (const Operation& op : c.operations()) {
        if (op.kind == OpKind::gate) psi.apply_gate(op.gate, op.qubits, op.params);
        if (op.kind == OpKind::unitary) psi.apply_matrix(op.matrix, op.qubits, op.controls);
    }
    return psi;
}

}  // namespace

TEST(fusion, every_mode_gives_the_gate_by_gate_state) {
    core::Rng rng(31);
    for (unsigned n : {3u, 9u, 12u, 15u}) {
        const Circuit c = mixed_circuit(n, 300, rng);
        const StateVector start = random_state(n, rng);
        const StateVector want = gate_by_gate(c, start);
        for (bool merge : {false, true}) {
            for (bool blocking : {false, true}) {
                for (unsigned block_qubits : {8u, 10u}) {
                    FusionOptions options;
                    options.merge_single_qubit_gates = merge;
                    options.cache_blocking = blocking;
                    options.block_qubits = block_qubits;
                    const FusedProgram program(c.operations(), n, options);
                    StateVector psi = start;
                    program.run(psi);
                    EXPECT_LE(max_abs_diff(psi.amplitudes(), want.amplitudes()), 1e-12)
                        << "n=" << n << " merge=" << merge << " blocking=" << blocking << " B=" << block_qubits;
                }
            }
        }
    }
}

TEST(fusion, layered_circuit_needs_fewer_passes_than_gates) {
    core::Rng rng(5);
    const unsigned n = 20;
    const Circuit c = random_layered_circuit(n, 10, rng);
    FusionOptions none;
    none.merge_single_qubit_gates = false;
    none.cache_blocking = false;
    const FusedProgram plain(c.operations(), n, none);
    const FusedProgram fused(c.operations(), n);
    EXPECT_EQ(plain.stats().gates, c.operations().size());
    EXPECT_EQ(plain.stats().passes, c.operations().size());
    EXPECT_EQ(fused.stats().gates, c.operations().size());
    // RY and RZ on a qubit merge into one matrix (and with the next layer's on a qubit that the
    // brick pattern leaves out): at least 10 n fewer operations.
    EXPECT_LE(fused.stats().kernel_ops, c.operations().size() - 10 * n);
    EXPECT_LT(fused.stats().passes * 10, fused.stats().gates);
    StateVector a(n), b(n);
    plain.run(a);
    fused.run(b);
    EXPECT_LE(max_abs_diff(a.amplitudes(), b.amplitudes()), 1e-12);
}

TEST(fusion, rejects_what_it_cannot_fuse) {
    Circuit c(2, 1);
    c.h(0).measure(0, 0);
    EXPECT_THROW(FusedProgram(c.operations(), 2), Error);
    Circuit h(3);
    h.h(2);
    EXPECT_THROW(FusedProgram(h.operations(), 2), Error);  // qubit out of range
    FusionOptions tiny;
    tiny.block_qubits = 4;
    EXPECT_THROW(FusedProgram(h.operations(), 3, tiny), Error);
    const FusedProgram ok(h.operations(), 3);
    StateVector wrong(4);
    EXPECT_THROW(ok.run(wrong), Error);
}

}  // namespace qkdlab::qsim
