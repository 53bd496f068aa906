// Cascade reconciliation (Martinez-Mateo et al. 2015, option (7) pass after pass and with overlapping
// passes (CascadeOptions::start_next_pass_after = 1), and the original Brassard-Salvail schedule for
// comparison) on blocks of 10^4, 10^5 and 10^6 bits at QBER 1, 2, 5 and 8%, Bob's
// side against the in-process oracle (Alice's answers computed in the same thread), one core.
// Each iteration draws a fresh key pair (outside the timing) and reconciles it with the true QBER
// as the estimate. Counters: f (leaked bits / (n h(true QBER)), mean over iterations),
// round_trips (mean), frame_error_rate (iterations whose corrected key still differs from Alice's),
// leaked_bits (mean) and sifted_mbit_per_s (sifted key bits reconciled per second of CPU time: the
// run is one thread, and on a shared machine CPU time is the measure of one core; both sides' work
// is in it, Alice's answers included).
// The targets on one core: f <= 1.08 with <= 100 round trips at >= 50 Mbit/s.
// Run: build-<dir>/bench/cascade.perf

#include "qkdlab/qkd/cascade.h"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "qkdlab/core/rng.h"
#include "run_benchmarks.h"

namespace {

using namespace qkdlab;

void reconcile(benchmark::State& state, const qkd::CascadeOptions& options, std::size_t bits, double qber) {
    core::Rng rng(2026);
    double f_sum = 0, trips = 0, leaked = 0, iterations = 0, frame_errors = 0;
    for (auto _ : state) {
        state.PauseTiming();
        const auto [alice, bob] = qkd::binary_symmetric_key_pair(bits, qber, rng);
        state.ResumeTiming();
        const qkd::ReconciliationResult result = qkd::cascade_reconcile(alice, bob, qber, options, rng);
        state.PauseTiming();
        f_sum += result.efficiency_true_qber;
        trips += static_cast<double>(result.round_trips);
        leaked += static_cast<double>(result.leaked_bits);
        frame_errors += result.corrected_key != alice;
        iterations += 1;
        state.ResumeTiming();
    }
    state.counters["f"] = f_sum / iterations;
    state.counters["round_trips"] = trips / iterations;
    state.counters["leaked_bits"] = leaked / iterations;
    state.counters["frame_error_rate"] = frame_errors / iterations;
    state.counters["iterations"] = iterations;
    state.counters["sifted_mbit_per_s"] =
        benchmark::Counter(iterations * static_cast<double>(bits) / 1e6, benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
    const std::pair<const char*, qkd::CascadeOptions> variants[] = {
        {"option7", {qkd::CascadeSchedule::option7, 0}},
        {"option7_overlap1", {qkd::CascadeSchedule::option7, 1}},
        {"original", {qkd::CascadeSchedule::original, 0}}};
    for (const auto& [variant_name, options] : variants) {
        for (const auto& [size_name, bits] :
             {std::pair{"10k", std::size_t{10000}}, {"100k", std::size_t{100000}}, {"1M", std::size_t{1000000}}}) {
            for (int percent : {1, 2, 5, 8}) {
                const std::string name = std::string("cascade_reconcile/") + variant_name + "/" + size_name + "/qber" +
                                         std::to_string(percent) + "pct";
                const qkd::CascadeOptions opts = options;
                const std::size_t n = bits;
                benchmark::RegisterBenchmark(
                    name.c_str(),
                    [opts, n, percent](benchmark::State& state) { reconcile(state, opts, n, percent / 100.0); })
                    ->MinTime(n >= 1000000 ? 2.0 : 0.5)
                    ->Unit(benchmark::kMillisecond);
            }
        }
    }
    return bench::run_registered_benchmarks(argc, argv);
}
