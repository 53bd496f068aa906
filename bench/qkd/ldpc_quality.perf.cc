// LDPC reconciliation quality against the target efficiency: the frame error rate of
// qkd::ldpc_reconcile at f* = 1.05, 1.10, 1.15, 1.17 (the default) and 1.20 on blocks of 10^5 and 10^6 bits at QBER 1,
// 2, 5 and 8%, with the other options at their defaults. Each case reconciles fresh key pairs (the true QBER as the
// estimate) until about LDPC_QUALITY_FRAMES frames (environment; 300 if unset) have been decoded: with 300 and no error
// the true rate is below 1e-2 at 95% confidence (3 / frames, the rule of three). Counters: f (leaked bits / (n h(true
// QBER)), pooled), frames, frame_errors (not decoded, or decoded wrong), frame_error_rate and fer_upper_95 (the
// one-sided 95% Clopper-Pearson bound). Timing is not the point here (see ldpc.perf).
// Run: build/bench/ldpc_quality.perf [--benchmark_filter=...]

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/key_rate.h"
#include "qkdlab/qkd/ldpc.h"
#include "run_benchmarks.h"

namespace {

using namespace qkdlab;

// The one-sided upper 95% Clopper-Pearson bound on a rate with `errors` of `trials`: the p at which
// P(Binomial(trials, p) <= errors) = 0.05, by bisection.
double upper_95(double errors, double trials) {
    double low = errors / trials, high = 1;
    for (int i = 0; i < 60; ++i) {
        const double p = (low + high) / 2;
        double term = std::pow(1 - p, trials), cumulative = term;  // P(X = 0), then P(X <= k)
        for (int k = 1; k <= static_cast<int>(errors); ++k) {
            term *= (trials - k + 1) / k * p / (1 - p);
            cumulative += term;
        }
        (cumulative > 0.05 ? low : high) = p;
    }
    return high;
}

void quality(benchmark::State& state, std::size_t bits, double qber, double efficiency) {
    qkd::LdpcOptions options;
    options.target_efficiency = efficiency;
    core::Rng rng(2026);
    double leaked = 0, ideal = 0, frames = 0, frame_errors = 0;
    for (auto _ : state) {
        const auto [alice, bob] = qkd::binary_symmetric_key_pair(bits, qber, rng);
        const qkd::ReconciliationResult result = qkd::ldpc_reconcile(alice, bob, qber, options, rng);
        const double true_qber = static_cast<double>(alice.hamming_distance(bob)) / static_cast<double>(bits);
        leaked += static_cast<double>(result.leaked_bits);
        ideal += static_cast<double>(bits) * qkd::binary_entropy(true_qber);
        frames += static_cast<double>(result.frames);
        frame_errors += static_cast<double>(result.frame_errors);
    }
    state.counters["f"] = leaked / ideal;
    state.counters["frames"] = frames;
    state.counters["frame_errors"] = frame_errors;
    state.counters["frame_error_rate"] = frame_errors / frames;
    state.counters["fer_upper_95"] = upper_95(frame_errors, frames);
}

}  // namespace

int main(int argc, char** argv) {
    const qkd::LdpcOptions defaults;
    for (const auto& [size_name, bits] : {std::pair{"100k", std::size_t{100000}}, {"1M", std::size_t{1000000}}}) {
        // About `wanted` frames per case: blocks of ceil(n / (N (1 - delta))) frames each.
        const double frame_key_bits = defaults.frame_bits * (1 - defaults.adaptation_fraction);
        const auto frames_per_block = static_cast<std::int64_t>(std::ceil(static_cast<double>(bits) / frame_key_bits));
        const char* frames_setting = std::getenv("LDPC_QUALITY_FRAMES");
        const std::int64_t wanted = frames_setting != nullptr ? std::atoll(frames_setting) : 300;
        const std::int64_t blocks = std::max<std::int64_t>(1, (wanted + frames_per_block - 1) / frames_per_block);
        for (int percent : {1, 2, 5, 8}) {
            for (int efficiency : {105, 110, 115, 117, 120}) {
                const std::string name = std::string("ldpc_quality/") + size_name + "/qber" + std::to_string(percent) +
                                         "pct/f" + std::to_string(efficiency);
                const std::size_t n = bits;
                benchmark::RegisterBenchmark(name.c_str(),
                                             [n, percent, efficiency](benchmark::State& state) {
                                                 quality(state, n, percent / 100.0, efficiency / 100.0);
                                             })
                    ->Iterations(blocks)
                    ->Unit(benchmark::kSecond);
            }
        }
    }
    return bench::run_registered_benchmarks(argc, argv);
}
