// Speed of the state-vector engine against this machine's in-place update bandwidth.
//
// The first benchmark measures the limit: a read-modify-write pass over a 1 GiB array with all
// OpenMP threads. Every benchmark after it reports the bytes it moves per second (one pass over
// the state reads and writes 2 * 16 * 2^n bytes), its share of that limit, and the peak RSS of the
// process against the size of the state. Circuits report passes over the state and the time per
// gate, fused against one pass per gate.
// Gates are timed on a dense state: this machine moves all-zero cache lines about 10% faster.
// Run: see bench/RESULTS.md for the command lines and the figures.

#include "qkdlab/qsim/state_vector.h"

#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "memory_limit.h"
#include "qkdlab/core/rng.h"
#include "qkdlab/qsim/circuit_library.h"
#include "qkdlab/qsim/fusion.h"

namespace {

using namespace qkdlab;
using qsim::GateKind;
using qsim::Index;
using qsim::Qubit;
using namespace qkdlab::bench;

// Counters for `passes` read-modify-write passes over the state per iteration, timed by the caller.
void report(benchmark::State& state, double seconds, double passes, unsigned n, double same_memory_limit) {
    const double gb_per_s = 2 * state_bytes(n) * passes * static_cast<double>(state.iterations()) / seconds / 1e9;
    state.counters["GB/s"] = gb_per_s;
    if (g_limit_gb_per_s > 0) state.counters["share"] = gb_per_s / g_limit_gb_per_s;
    state.counters["share_same_mem"] = gb_per_s / same_memory_limit;
    state.counters["state_MiB"] = state_bytes(n) / (1 << 20);
    state.counters["peak_rss_MiB"] = peak_rss_mib();
}

// The state's own memory as doubles, for same_memory_limit_gb_per_s.
double same_memory_limit(qsim::StateVector& psi) {
    return same_memory_limit_gb_per_s(reinterpret_cast<double*>(psi.mutable_amplitudes().data()),
                                      static_cast<std::int64_t>(2 * psi.dim()));
}

BENCHMARK(bandwidth_inplace)->Name("bandwidth/inplace_rmw/1GiB")->UseRealTime()->Unit(benchmark::kMillisecond);

// One gate applied repeatedly to an n-qubit state.
template <GateKind KIND>
void gate(benchmark::State& state, const char* where) {
    const auto n = static_cast<unsigned>(state.range(0));
    reset_peak_rss();
    qsim::StateVector psi(n);
    // A dense state (every amplitude non-zero and different): memory moves zeros measurably faster
    // on this machine, so timing gates on |0...0> would flatter them.
    for (Qubit q = 0; q < n; ++q) {
        const Qubit target[] = {q};
        const double angle[] = {0.1 + 0.05 * q};
        psi.apply_gate(GateKind::ry, target, angle);
    }
    const bool highest = std::string_view(where) == "highest";
    const Qubit q = highest ? n - 1 : 0;
    std::vector<Qubit> qubits = {q};
    if (qsim::gate_info(KIND).num_qubits == 2) qubits = {n / 2 - 1, n / 2};
    const std::vector<double> params(qsim::gate_info(KIND).num_params, 0.3);
    const double limit = same_memory_limit(psi);
    double seconds = 0;
    for (auto _ : state) {
        const auto start = Clock::now();
        psi.apply_gate(KIND, qubits, params);
        seconds += std::chrono::duration<double>(Clock::now() - start).count();
    }
    // CX moves only the amplitudes whose control is 1: half a pass.
    report(state, seconds, KIND == GateKind::cx ? 0.5 : 1.0, n, limit);
}

void gate_1q_lowest(benchmark::State& s) { gate<GateKind::h>(s, "lowest"); }
void gate_1q_highest(benchmark::State& s) { gate<GateKind::h>(s, "highest"); }
void gate_2q_dense(benchmark::State& s) { gate<GateKind::rxx>(s, "middle"); }
void gate_2q_cx(benchmark::State& s) { gate<GateKind::cx>(s, "middle"); }

#define GATE_SIZES ->Arg(20)->Arg(24)->Arg(26)->Arg(28)->UseRealTime()->Unit(benchmark::kMillisecond)
BENCHMARK(gate_1q_lowest)->Name("gate_1q/h/lowest") GATE_SIZES;
BENCHMARK(gate_1q_highest)->Name("gate_1q/h/highest") GATE_SIZES;
BENCHMARK(gate_2q_dense)->Name("gate_2q/rxx/middle") GATE_SIZES;
BENCHMARK(gate_2q_cx)->Name("gate_2q/cx/middle") GATE_SIZES;

// mode 0: one pass per gate; 1: one-qubit gates merged; 2: merged and cache-blocked (the default).
void run_circuit(benchmark::State& state, const qsim::Circuit& circuit, std::int64_t mode) {
    const auto n = static_cast<unsigned>(circuit.num_qubits());
    qsim::FusionOptions options;
    options.merge_single_qubit_gates = mode >= 1;
    options.cache_blocking = mode >= 2;
    const qsim::FusedProgram program(circuit.operations(), n, options);
    reset_peak_rss();
    qsim::StateVector psi(n);
    const double limit = same_memory_limit(psi);
    double seconds = 0;
    for (auto _ : state) {
        const auto start = Clock::now();
        program.run(psi);
        seconds += std::chrono::duration<double>(Clock::now() - start).count();
    }
    const auto& stats = program.stats();
    report(state, seconds, static_cast<double>(stats.passes), n, limit);
    state.counters["ms_one_pass_at_limit"] = 1e3 * 2 * state_bytes(n) / (limit * 1e9);
    state.counters["gates"] = static_cast<double>(stats.gates);
    state.counters["passes"] = static_cast<double>(stats.passes);
    state.counters["ms_per_gate"] =
        1e3 * seconds / static_cast<double>(state.iterations()) / static_cast<double>(stats.gates);
}

void random_layers(benchmark::State& state) {
    core::Rng rng(7);
    run_circuit(state, qsim::random_layered_circuit(static_cast<unsigned>(state.range(0)), 10, rng), state.range(1));
}
void qft(benchmark::State& state) {
    run_circuit(state, qsim::qft_circuit(static_cast<unsigned>(state.range(0))), state.range(1));
}

#define CIRCUIT_SIZES                        \
    ->ArgsProduct({{20, 24, 26}, {0, 1, 2}}) \
        ->ArgNames({"n", "mode"})            \
        ->Iterations(1)                      \
        ->UseRealTime()                      \
        ->Unit(benchmark::kSecond)
BENCHMARK(random_layers)->Name("random_circuit/10_layers") CIRCUIT_SIZES;
BENCHMARK(qft)->Name("qft") CIRCUIT_SIZES;

}  // namespace

BENCHMARK_MAIN();
