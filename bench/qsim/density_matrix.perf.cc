// Speed of noisy simulation: density-matrix circuits with a depolarizing channel after every gate
// on the qubits it touched (rho of n qubits is 16 * 4^n bytes; every operation is a pass over it),
// the gate and its channel as two passes or fused into one, against this machine's in-place update
// bandwidth; and trajectories per second for a 20-qubit noisy circuit.
// Run: see bench/RESULTS.md for the command lines and the figures.

#include "qkdlab/qsim/density_matrix.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <vector>

#include "memory_limit.h"
#include "qkdlab/core/rng.h"
#include "qkdlab/qsim/circuit_library.h"
#include "qkdlab/qsim/noisy_runner.h"

namespace {

using namespace qkdlab;
using namespace qkdlab::bench;
using qsim::GateKind;
using qsim::Qubit;

BENCHMARK(bandwidth_inplace)->Name("bandwidth/inplace_rmw/1GiB")->UseRealTime()->Unit(benchmark::kMillisecond);

// One layer of the layered circuit (RY and RZ on every qubit, CX on a brick pattern), each gate
// followed by depolarizing noise: p = 0.001 after one-qubit gates, 0.01 (two-qubit) after CX.
void noisy_layer(benchmark::State& state) {
    const auto n = static_cast<unsigned>(state.range(0));
    const bool fused = state.range(1) != 0;
    core::Rng rng(11);
    const qsim::Circuit circuit = qsim::random_layered_circuit(n, 1, rng);
    const qsim::KrausChannel one = qsim::KrausChannel::depolarizing(0.001);
    const qsim::KrausChannel two = qsim::KrausChannel::depolarizing2(0.01);
    reset_peak_rss();
    qsim::DensityMatrix rho(n);
    double seconds = 0;
    for (auto _ : state) {
        const auto start = Clock::now();
        for (const qsim::Operation& op : circuit.operations()) {
            const qsim::KrausChannel& channel = op.qubits.size() == 1 ? one : two;
            if (fused) {
                rho.apply_gate_then_channel(op.gate, op.qubits, op.params, channel);
            } else {
                rho.apply_gate(op.gate, op.qubits, op.params);
                rho.apply_channel(channel, op.qubits);
            }
        }
        seconds += std::chrono::duration<double>(Clock::now() - start).count();
    }
    const double gates = static_cast<double>(circuit.operations().size());
    const double passes = fused ? gates : 2 * gates;
    const double per_iteration = seconds / static_cast<double>(state.iterations());
    const double gb_per_s = 2 * state_bytes(2 * n) * passes / per_iteration / 1e9;
    state.counters["noisy_gates"] = gates;
    state.counters["passes"] = passes;
    state.counters["ms_per_noisy_gate"] = 1e3 * per_iteration / gates;
    state.counters["ms_per_pass"] = 1e3 * per_iteration / passes;
    state.counters["GB/s"] = gb_per_s;
    if (g_limit_gb_per_s > 0) state.counters["share"] = gb_per_s / g_limit_gb_per_s;
    state.counters["rho_MiB"] = state_bytes(2 * n) / (1 << 20);
    state.counters["peak_rss_MiB"] = peak_rss_mib();
}
BENCHMARK(noisy_layer)
    ->Name("density_matrix/noisy_layer")
    ->ArgsProduct({{8, 10, 12, 13}, {0, 1}})
    ->ArgNames({"n", "fused"})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kSecond);

// Trajectories of a 20-qubit circuit: 2 layers with depolarizing noise after every gate and T1/T2
// relaxation of idle qubits, measured at the end; each shot is one trajectory.
void trajectories(benchmark::State& state) {
    const unsigned n = 20;
    core::Rng rng(12);
    qsim::Circuit circuit = qsim::random_layered_circuit(n, 2, rng);
    qsim::Circuit measured(0, 0);
    measured.add_qreg("q", n);
    measured.add_creg("c", n);
    for (const qsim::Operation& op : circuit.operations()) measured.append_gate(op.gate, op.qubits, op.params);
    for (Qubit q = 0; q < n; ++q) measured.measure(q, q);
    const qsim::NoiseModel model = qsim::NoiseModel::parse(R"({
      "qubits": {"default": {"t1_us": 100, "t2_us": 80}},
      "gate_durations_ns": {"default": 50, "cx": 300},
      "idle_noise": true,
      "after_gates": [{"gates": ["ry", "rz"], "channel": {"type": "depolarizing", "p": 0.001}},
                      {"gates": ["cx"], "channel": {"type": "depolarizing2", "p": 0.01}}]})");
    const qsim::NoisyRunner runner(measured, model, qsim::NoisyMethod::trajectories);
    const std::size_t shots = 16;
    double seconds = 0;
    for (auto _ : state) {
        const auto start = Clock::now();
        benchmark::DoNotOptimize(runner.counts(shots, rng));
        seconds += std::chrono::duration<double>(Clock::now() - start).count();
    }
    state.counters["trajectories_per_s"] = static_cast<double>(shots * state.iterations()) / seconds;
    state.counters["steps_per_trajectory"] = static_cast<double>(runner.program().steps.size());
}
BENCHMARK(trajectories)->Name("trajectories/20q_2layers")->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
