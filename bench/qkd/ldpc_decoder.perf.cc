// The LDPC decoder alone, per kernel (portable, AVX-512 where the processor has it): one 2^16-symbol
// mother code per design rate 0.5, 0.7, 0.9 (the default options' seed), unpunctured and
// unshortened, Bob's word through a binary symmetric channel at the QBER q with 1 - R = 1.25 h(q)
// (f = 1.25, the default target; q = 7.9%, 3.9%, 1.0%). Eight noisy frames per row, drawn outside
// the timing and decoded in turn. Counters: ns_per_edge_update (time over the edge updates made),
// sweeps_per_frame, frames_decoded (fraction).
// Run: build-<dir>/bench/ldpc_decoder.perf

#include "ldpc_decoder.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/key_rate.h"
#include "qkdlab/qkd/ldpc.h"
#include "qkdlab/qkd/reconciliation.h"
#include "run_benchmarks.h"

namespace {

using namespace qkdlab;

constexpr double EFFICIENCY = 1.25;
constexpr std::size_t FRAMES = 8;

// The q in (0, 0.5) with h(q) = entropy, by bisection.
double qber_of_entropy(double entropy) {
    double low = 1e-9, high = 0.5;
    for (int i = 0; i < 60; ++i) {
        const double mid = (low + high) / 2;
        (qkd::binary_entropy(mid) < entropy ? low : high) = mid;
    }
    return low;
}

void decode(benchmark::State& state, qkd::LdpcKernel kernel, double rate) {
    const qkd::LdpcOptions options;
    const qkd::LdpcCodeParameters parameters{options.frame_bits,
                                             static_cast<std::uint32_t>(std::lround(options.frame_bits * (1 - rate))),
                                             options.code_seed};
    const auto code = qkd::ldpc_code(parameters);
    const auto schedule = qkd::ldpc_schedule(parameters);
    const double qber = qber_of_entropy((1 - rate) / EFFICIENCY);
    const auto channel = static_cast<float>(std::log((1 - qber) / qber));
    core::Rng rng(7);
    std::vector<core::BitVector> syndromes;
    std::vector<std::vector<float>> channel_llrs;
    for (std::size_t f = 0; f < FRAMES; ++f) {
        const qkd::KeyPair pair = qkd::binary_symmetric_key_pair(code->bits(), qber, rng);
        syndromes.push_back(code->syndrome(pair.alice));
        std::vector<float> llr(code->bits());
        for (std::size_t v = 0; v < code->bits(); ++v) llr[v] = pair.bob[v] ? -channel : channel;
        channel_llrs.push_back(std::move(llr));
    }
    qkd::LdpcDecoder decoder(kernel);
    std::vector<float> llr;
    double sweeps = 0, decoded = 0, frames = 0;
    for (auto _ : state) {
        const std::size_t f = static_cast<std::size_t>(frames) % FRAMES;
        state.PauseTiming();
        llr = channel_llrs[f];
        state.ResumeTiming();
        const qkd::LdpcDecoderOutcome outcome = decoder.run(*schedule, syndromes[f], llr, options.max_iterations);
        sweeps += static_cast<double>(outcome.iterations);
        decoded += outcome.decoded ? 1 : 0;
        frames += 1;
    }
    state.counters["sweeps_per_frame"] = sweeps / frames;
    state.counters["frames_decoded"] = decoded / frames;
    state.counters["ns_per_edge_update"] =
        benchmark::Counter(sweeps * static_cast<double>(code->edges()) * 1e-9,
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

}  // namespace

int main(int argc, char** argv) {
    for (const auto& [kernel_name, kernel] :
         {std::pair{"portable", qkd::LdpcKernel::portable}, {"avx512", qkd::LdpcKernel::avx512}}) {
        if (!qkd::ldpc_kernel_supported(kernel)) continue;
        for (int percent : {50, 70, 90}) {
            const std::string name = std::string("ldpc_decoder/") + kernel_name + "/rate0." + std::to_string(percent);
            benchmark::RegisterBenchmark(
                name.c_str(), [kernel, percent](benchmark::State& state) { decode(state, kernel, percent / 100.0); })
                ->Unit(benchmark::kMillisecond);
        }
    }
    return bench::run_registered_benchmarks(argc, argv);
}
