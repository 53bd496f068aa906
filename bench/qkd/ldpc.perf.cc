// LDPC reconciliation (rate-adaptive, layered sum-product) on blocks of 10^4, 10^5 and 10^6 bits at
// QBER 1, 2, 5 and 8%, both sides in one thread, with the default options (ldpc.h), one core. Each
// iteration draws a fresh key pair (outside the timing) and reconciles it with the true QBER as the
// estimate; the mother codes are built before the timing (they are cached per process). Counters:
// f (leaked bits / (n h(true QBER)), over all iterations' bits), frame_error_rate (frames not
// decoded or decoded wrong, over all frames), frames (total), sifted_mbit_per_s (sifted key bits
// reconciled per second of CPU time, both sides' work included), bp_iterations_per_frame and
// ns_per_edge_update (Bob's decoder timed alone on the same keys, thread CPU time, over the
// check-to-variable edge updates it made).
// Also the PEG construction of one 2^16-symbol mother code per rate (uncached).
// The targets on one core: f <= 1.10 with frame error rate <= 1e-2 at QBER 2-5% on blocks
// of 10^5 bits and more, >= 20 Mbit/s.
// Run: build-<dir>/bench/ldpc.perf

#include "qkdlab/qkd/ldpc.h"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <ctime>
#include <string>

#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/key_rate.h"
#include "run_benchmarks.h"

namespace {

using namespace qkdlab;

// CPU time of this thread (the machine is shared: wall time would count other processes' turns).
double thread_cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

void reconcile(benchmark::State& state, std::size_t bits, double qber) {
    const qkd::LdpcOptions options;
    core::Rng rng(2026);
    double leaked = 0, ideal = 0, frames = 0, frame_errors = 0, runs = 0;
    double decode_seconds = 0, edge_updates = 0, decoder_iterations = 0;
    for (auto _ : state) {
        state.PauseTiming();
        const auto [alice, bob] = qkd::binary_symmetric_key_pair(bits, qber, rng);
        if (runs == 0) {
            // Build (and cache) the mother codes outside the timing.
            const qkd::ReconciliationResult warm = qkd::ldpc_reconcile(alice, bob, qber, options, rng);
            benchmark::DoNotOptimize(warm.leaked_bits);
        }
        state.ResumeTiming();
        const qkd::ReconciliationResult result = qkd::ldpc_reconcile(alice, bob, qber, options, rng);
        state.PauseTiming();
        {
            // Bob's decoder alone, timed apart on the same keys (outside the benchmark's timing).
            core::Rng alice_rng(static_cast<std::uint64_t>(runs) + 1);
            const qkd::LdpcSyndromes message = qkd::ldpc_syndromes(alice, qber, options, alice_rng);
            const double start = thread_cpu_seconds();
            const qkd::LdpcDecoding decoding = qkd::ldpc_decode(bob, message, qber, options);
            decode_seconds += thread_cpu_seconds() - start;
            edge_updates += static_cast<double>(decoding.edge_updates);
            decoder_iterations += static_cast<double>(decoding.iterations);
        }
        const double true_qber = static_cast<double>(alice.hamming_distance(bob)) / static_cast<double>(bits);
        leaked += static_cast<double>(result.leaked_bits);
        ideal += static_cast<double>(bits) * qkd::binary_entropy(true_qber);
        frames += static_cast<double>(result.frames);
        frame_errors += static_cast<double>(result.frame_errors);
        runs += 1;
        state.ResumeTiming();
    }
    state.counters["f"] = leaked / ideal;
    state.counters["frame_error_rate"] = frame_errors / frames;
    state.counters["frames"] = frames;
    state.counters["iterations"] = runs;
    state.counters["bp_iterations_per_frame"] = decoder_iterations / frames;
    state.counters["ns_per_edge_update"] = 1e9 * decode_seconds / edge_updates;
    state.counters["sifted_mbit_per_s"] =
        benchmark::Counter(runs * static_cast<double>(bits) / 1e6, benchmark::Counter::kIsRate);
}

void build_code(benchmark::State& state, double rate) {
    const auto bits = static_cast<std::uint32_t>(state.range(0));
    const qkd::LdpcCodeParameters parameters{bits, static_cast<std::uint32_t>(bits * (1 - rate) + 0.5), 7};
    for (auto _ : state) {
        const qkd::LdpcCode code = qkd::LdpcCode::peg(parameters);
        benchmark::DoNotOptimize(code.edges());
    }
}

}  // namespace

int main(int argc, char** argv) {
    for (const auto& [size_name, bits] :
         {std::pair{"10k", std::size_t{10000}}, {"100k", std::size_t{100000}}, {"1M", std::size_t{1000000}}}) {
        for (int percent : {1, 2, 5, 8}) {
            const std::string name =
                std::string("ldpc_reconcile/") + size_name + "/qber" + std::to_string(percent) + "pct";
            const std::size_t n = bits;
            benchmark::RegisterBenchmark(
                name.c_str(), [n, percent](benchmark::State& state) { reconcile(state, n, percent / 100.0); })
                ->MinTime(n >= 1000000 ? 3.0 : 1.0)
                ->Unit(benchmark::kMillisecond);
        }
    }
    for (int percent : {50, 70, 85, 95}) {
        const std::string name = "ldpc_code_peg/rate0." + std::to_string(percent);
        benchmark::RegisterBenchmark(name.c_str(),
                                     [percent](benchmark::State& state) { build_code(state, percent / 100.0); })
            ->Arg(1 << 16)
            ->Iterations(1)
            ->Unit(benchmark::kMillisecond);
    }
    return bench::run_registered_benchmarks(argc, argv);
}
