// The whole post-processing chain end to end (postprocess.h): Alice and Bob in two threads over the
// authenticated in-process channel, from raw records to confirmed keys, every stage included
// (sifting, estimation, reconciliation, verification, privacy amplification, confirmation,
// replenishment). Records are emulated and split into Alice's and Bob's halves (party_records) once
// per benchmark, outside the timing: each party of a real link reads its own detection log.
//
// chain/<method>/<sifted bits>/qber<p>pct: the test link of tests/qkd/test_links.h (5 km, p = 0.6 /
//   0.2 / 0.2, mu = 0.5 / 0.2 / 0) with the misalignment set to the QBER and the pulse count chosen
//   for about that many sifted key bits. Counters: sifted_mbit_per_s (sifted key bits per second of
//   wall-clock time, both threads working), f, frame_error_rate, round_trips, final_key_bits,
//   aborted (the share of iterations that ended without a key: small blocks end at privacy
//   amplification, the finite-key bound leaving nothing).
// realtime/metro-25km: one emulated second of the metro-25km preset (1 GHz, 25 km, decoy BB84);
//   realtime_factor = emulated seconds per second of post-processing, both parties sharing this
//   machine's cores; realtime_factor_per_core = emulated seconds per CPU second of the busier party
//   (each party of a real link has its own processor: >= 1 keeps up with the link on one core
//   each); and each stage's wall-clock seconds.
// Run: build/bench/postprocess.perf --benchmark_repetitions=3 --benchmark_report_aggregates_only=true

#include "qkdlab/qkd/postprocess.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/emulation.h"
#include "run_benchmarks.h"

namespace {

using namespace qkdlab;

// Sifted key bits per pulse of the test link (measured: 3.13e5 from 3e7 pulses).
constexpr double SIFTED_PER_PULSE = 0.0104;

qkd::Link test_link(double misalignment) {
    qkd::Link link = qkd::link_preset("metro-25km");
    link.channel.length_km = 5;
    link.detectors.dead_time_ns = 0;
    link.detectors.afterpulse_probability = 0;
    link.channel.misalignment = misalignment;
    link.source.intensities[0].probability = 0.6;
    link.source.intensities[1].probability = 0.2;
    link.source.intensities[1].mean_photon_number = 0.2;
    link.source.intensities[2].probability = 0.2;
    return link;
}

core::BitVector pool(std::uint64_t seed) {
    core::Rng rng(seed);
    core::BitVector key(std::size_t{1} << 22);
    for (auto& word : key.words()) word = rng();
    return key;
}

void run_chain(benchmark::State& state, const qkd::Link& link, std::uint64_t pulses,
               const qkd::PostprocessOptions& options) {
    core::Rng rng(2026);
    const qkd::RawRecords records = qkd::emulate(link, qkd::Fidelity::photon, pulses, rng, {});
    const qkd::PartyRecords alice_half = qkd::party_records(records, qkd::Party::alice);
    const qkd::PartyRecords bob_half = qkd::party_records(records, qkd::Party::bob);
    const core::BitVector pre_shared = pool(7);
    double alice_cpu = 0, bob_cpu = 0, sifted = 0, f = 0, frames = 0, frame_errors = 0, trips = 0, final_bits = 0,
           aborted = 0, n = 0;
    std::vector<std::pair<std::string, double>> stages;
    std::uint64_t seed = 1;
    for (auto _ : state) {
        auto [alice_end, bob_end] = qkd::in_process_channel_pair();
        qkd::AuthenticationKeyPool alice_pool(pre_shared), bob_pool(pre_shared);
        const qkd::PostprocessRun run = qkd::run_parties(*alice_end, *bob_end, alice_pool, bob_pool, alice_half,
                                                         bob_half, link, options, seed++);
        const qkd::BlockReport& a = run.alice.report;
        sifted += static_cast<double>(a.sifted_bits);
        alice_cpu += a.cpu_seconds;
        bob_cpu += run.bob.report.cpu_seconds;
        f += a.reconciliation_efficiency;
        frames += static_cast<double>(a.frames);
        frame_errors += static_cast<double>(a.frame_errors);
        trips += static_cast<double>(a.round_trips);
        final_bits += static_cast<double>(a.final_key_bits);
        aborted += a.aborted;
        n += 1;
        if (stages.empty())
            stages = a.stage_seconds;
        else
            for (std::size_t i = 0; i < stages.size() && i < a.stage_seconds.size(); ++i)
                stages[i].second += a.stage_seconds[i].second;
    }
    state.counters["sifted_bits"] = sifted / n;
    state.counters["sifted_mbit_per_s"] = benchmark::Counter(sifted / 1e6, benchmark::Counter::kIsRate);
    state.counters["f"] = f / n;
    state.counters["frame_error_rate"] = frames > 0 ? frame_errors / frames : 0;
    state.counters["round_trips"] = trips / n;
    state.counters["final_key_bits"] = final_bits / n;
    state.counters["aborted"] = aborted / n;
    const double emulated = static_cast<double>(pulses) / link.clock_hz;
    state.counters["realtime_factor"] = benchmark::Counter(n * emulated, benchmark::Counter::kIsRate);
    state.counters["alice_cpu_s"] = alice_cpu / n;
    state.counters["bob_cpu_s"] = bob_cpu / n;
    state.counters["realtime_factor_per_core"] = n * emulated / std::max(alice_cpu, bob_cpu);
    for (const auto& [stage, seconds] : stages) state.counters["s_" + stage] = seconds / n;
}

}  // namespace

int main(int argc, char** argv) {
    for (const auto& [method_name, method] : {std::pair{"cascade", qkd::ReconciliationMethod::cascade},
                                              std::pair{"ldpc", qkd::ReconciliationMethod::ldpc}}) {
        for (const auto& [size_name, bits] : {std::pair{"10k", 1e4}, std::pair{"100k", 1e5}, std::pair{"1M", 1e6}}) {
            for (int percent : {1, 2, 5, 8}) {
                const std::string name =
                    std::string("chain/") + method_name + "/" + size_name + "/qber" + std::to_string(percent) + "pct";
                qkd::PostprocessOptions options;
                options.reconciliation = method;
                const qkd::Link link = test_link(percent / 100.0);
                const auto pulses = static_cast<std::uint64_t>(bits / SIFTED_PER_PULSE);
                benchmark::RegisterBenchmark(
                    name.c_str(),
                    [link, pulses, options](benchmark::State& state) { run_chain(state, link, pulses, options); })
                    ->UseRealTime()
                    ->Unit(benchmark::kMillisecond)
                    ->MinTime(bits >= 1e6 ? 2.0 : 0.5);
            }
        }
    }
    for (const auto& [method_name, method] : {std::pair{"cascade", qkd::ReconciliationMethod::cascade},
                                              std::pair{"ldpc", qkd::ReconciliationMethod::ldpc}}) {
        qkd::PostprocessOptions options;
        options.reconciliation = method;
        const qkd::Link link = qkd::link_preset("metro-25km");
        benchmark::RegisterBenchmark((std::string("realtime/metro-25km/1s/") + method_name).c_str(),
                                     [link, options](benchmark::State& state) {
                                         run_chain(state, link, static_cast<std::uint64_t>(link.clock_hz), options);
                                     })
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond)
            ->Iterations(3);
    }
    return bench::run_registered_benchmarks(argc, argv);
}
