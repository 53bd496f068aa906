// Speed of the fast emulator (photon mode): geometric skipping over the pulses without a click, so
// the cost grows with detections, not pulses. The target: at least 1e9 emulated pulses per
// second of wall time on one core at 50 km, and faster than real time for a 1 GHz link (>= 1e9
// pulses/s) at every distance 0..200 km.
// Counters (rates over wall time, UseRealTime): pulses_per_second (pulses emulated per second, one thread),
// detections_per_second and record_bytes_per_detection (the heap of the records, reserved capacity
// included, per detection). Links: the metro-25km preset (decoy BB84: signal 0.5 / decoy 0.1 /
// vacuum with p 0.8 / 0.15 / 0.05, efficiency 0.2, 0.2 dB/km plus 1 dB, dark 1e-6, e_d 0.01, 10 ns
// dead time at 1 GHz, 0.5% afterpulses) with its length set to 0, 25, 50, 100 and 200 km, and the
// entangled-50km preset (BBM92).
// Run: build-<dir>/bench/photon_mode.perf

#include "qkdlab/qkd/photon_mode.h"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/link.h"
#include "run_benchmarks.h"

namespace {

using namespace qkdlab;

constexpr std::int64_t PULSES = std::int64_t{1} << 28;

void run(benchmark::State& state, const qkd::Link& link) {
    const auto pulses = static_cast<std::uint64_t>(state.range(0));
    core::Rng rng(2024);
    std::uint64_t total = 0, detections = 0, bytes = 0;
    for (auto _ : state) {
        const qkd::RawRecords records = qkd::emulate_photons(link, pulses, rng);
        benchmark::DoNotOptimize(records.tags.data());
        total += pulses;
        detections += records.detections();
        bytes += records.record_bytes();
    }
    state.counters["pulses_per_second"] = benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
    state.counters["detections_per_second"] =
        benchmark::Counter(static_cast<double>(detections), benchmark::Counter::kIsRate);
    state.counters["record_bytes_per_detection"] =
        detections > 0 ? static_cast<double>(bytes) / static_cast<double>(detections) : 0.0;
}

qkd::Link metro_at(double length_km) {
    qkd::Link link = qkd::link_preset("metro-25km");
    link.channel.length_km = length_km;
    return link;
}

}  // namespace

int main(int argc, char** argv) {
    for (int km : {0, 25, 50, 100, 200}) {
        const std::string name = "photon_mode/decoy_bb84/" + std::to_string(km) + "km";
        benchmark::RegisterBenchmark(name.c_str(), [km](benchmark::State& state) { run(state, metro_at(km)); })
            ->Arg(PULSES)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
    }
    benchmark::RegisterBenchmark("photon_mode/bbm92/entangled-50km",
                                 [](benchmark::State& state) { run(state, qkd::link_preset("entangled-50km")); })
        ->Arg(PULSES)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    return bench::run_registered_benchmarks(argc, argv);
}
