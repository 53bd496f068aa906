// Speed of the faithful emulator (qubit mode): every pulse is simulated, every photon a qsim qubit.
// Counters: pulses_per_second (pulses emulated per second of wall time on one thread) and
// detections_per_second. The links are the metro-25km preset (decoy BB84: efficiency 0.2, 0.2
// dB/km plus 1 dB, e_d 0.01, signal 0.5 / decoy 0.1 / vacuum, 10 ns dead time, 0.5% afterpulses) at
// 25 km and at 0 km, and the entangled-50km preset (BBM92, mean pair number 0.04, source in the
// middle), plus the same with mean pair number 1, where multi-pair Dicke states are common.
// Run: build-<dir>/bench/qubit_mode.perf (OMP_NUM_THREADS=1: the states here are far too small
// for threads to help).

#include "qkdlab/qkd/qubit_mode.h"

#include <benchmark/benchmark.h>

#include <cstdint>

#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/link.h"

namespace {

using namespace qkdlab;

void run(benchmark::State& state, const qkd::Link& link) {
    const auto pulses = static_cast<std::uint64_t>(state.range(0));
    core::Rng rng(2024);
    std::uint64_t total = 0, detections = 0;
    for (auto _ : state) {
        const qkd::RawRecords records = qkd::emulate_qubits(link, pulses, rng);
        benchmark::DoNotOptimize(records.tags.data());
        total += pulses;
        detections += records.detections();
    }
    state.counters["pulses_per_second"] = benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
    state.counters["detections_per_second"] =
        benchmark::Counter(static_cast<double>(detections), benchmark::Counter::kIsRate);
}

void decoy_bb84_25km(benchmark::State& state) { run(state, qkd::link_preset("metro-25km")); }

void decoy_bb84_0km(benchmark::State& state) {
    qkd::Link link = qkd::link_preset("metro-25km");
    link.channel.length_km = 0;
    run(state, link);
}

void bbm92_50km(benchmark::State& state) { run(state, qkd::link_preset("entangled-50km")); }

void bbm92_50km_multi_pair(benchmark::State& state) {
    qkd::Link link = qkd::link_preset("entangled-50km");
    link.source.mean_pair_number = 1;
    run(state, link);
}

BENCHMARK(decoy_bb84_25km)->Name("qubit_mode/decoy_bb84/25km")->Arg(1 << 22)->Unit(benchmark::kMillisecond);
BENCHMARK(decoy_bb84_0km)->Name("qubit_mode/decoy_bb84/0km")->Arg(1 << 22)->Unit(benchmark::kMillisecond);
BENCHMARK(bbm92_50km)->Name("qubit_mode/bbm92/50km")->Arg(1 << 22)->Unit(benchmark::kMillisecond);
BENCHMARK(bbm92_50km_multi_pair)->Name("qubit_mode/bbm92/50km/pairs1")->Arg(1 << 18)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
