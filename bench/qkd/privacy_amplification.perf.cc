// Speed of privacy amplification (Toeplitz hashing, include/qkdlab/qkd/privacy_amplification.h) on
// one core, for n = 1e4, 1e5, 1e6 and 1e7 key bits compressed to m = n/2 and m = 9n/10 bits (a
// typical final-key share and the mildest compression). Counter input_mbit_per_s: key bits hashed
// per second of wall time, in Mbit/s. The target: >= 100 Mbit/s on 1e7-bit blocks.
// Benchmarks: privacy_amplification/<method>/<n>/<m percent of n>, method = auto (what
// toeplitz_hash picks), direct (word-wise) or karatsuba (transposed Karatsuba middle products).
// Run: build-<dir>/bench/privacy_amplification.perf

#include "qkdlab/qkd/privacy_amplification.h"

#include <benchmark/benchmark.h>

#include <boost/random/uniform_int_distribution.hpp>
#include <cstddef>
#include <string>

#include "qkdlab/core/rng.h"
#include "run_benchmarks.h"

namespace {

using namespace qkdlab;

using Hash = core::BitVector (*)(const core::BitVector&, std::size_t, const core::BitVector&);

void run(benchmark::State& state, Hash hash, std::size_t n, std::size_t m) {
    core::Rng rng(2026);
    core::BitVector key(n);
    boost::random::uniform_int_distribution<core::BitVector::Word> word;
    for (auto& w : key.words()) w = word(rng);
    key.resize(n);
    const core::BitVector seed = qkd::draw_toeplitz_seed(n, m, rng);
    std::size_t bits = 0;
    for (auto _ : state) {
        const core::BitVector out = hash(key, m, seed);
        benchmark::DoNotOptimize(out.words().data());
        bits += n;
    }
    state.counters["input_mbit_per_s"] =
        benchmark::Counter(static_cast<double>(bits) / 1e6, benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
    struct Method {
        const char* name;
        Hash hash;
        std::size_t max_bits;  // the word-wise product is quadratic: skip it on the largest blocks
    };
    const Method methods[] = {{"auto", qkd::toeplitz_hash, 10'000'000},
                              {"direct", qkd::toeplitz_hash_direct, 100'000},
                              {"karatsuba", qkd::toeplitz_hash_karatsuba, 10'000'000}};
    for (const Method& method : methods) {
        for (std::size_t n : {10'000, 100'000, 1'000'000, 10'000'000}) {
            if (n > method.max_bits) continue;
            for (std::size_t percent : {50, 90}) {
                const std::size_t m = n * percent / 100;
                const std::string name = std::string("privacy_amplification/") + method.name + "/" + std::to_string(n) +
                                         "/" + std::to_string(percent) + "pct";
                benchmark::RegisterBenchmark(name.c_str(),
                                             [=](benchmark::State& state) { run(state, method.hash, n, m); })
                    ->UseRealTime()
                    ->Unit(benchmark::kMillisecond);
            }
        }
    }
    return bench::run_registered_benchmarks(argc, argv);
}
