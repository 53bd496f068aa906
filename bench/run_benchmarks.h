#pragma once
// What every benchmark program's main does once it has registered its cases: Google Benchmark's
// start-up, a refusal of unknown arguments, the run and the shutdown.

#include <benchmark/benchmark.h>

namespace qkdlab::bench {

inline int run_registered_benchmarks(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

}  // namespace qkdlab::bench
