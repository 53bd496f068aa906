#pragma once
// What every memory-bound benchmark compares against: this machine's in-place update bandwidth
// (a read-modify-write pass over a 1 GiB array with all OpenMP threads, registered as the first
// benchmark of each program), the same loop over a benchmark's own memory, and peak RSS.

#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace qkdlab::bench {

using Clock = std::chrono::steady_clock;

// Set by bandwidth_inplace, which runs first: the median over its repetitions so far, so that
// --benchmark_repetitions compares every row with the median limit, not with the last repetition.
inline double g_limit_gb_per_s = 0;
inline std::vector<double> g_limit_repetitions;

// Peak resident memory since the last reset_peak_rss(), from /proc/self/status (VmHWM).
inline double peak_rss_mib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return 0;
}

// Linux resets the peak (VmHWM) to the current RSS when "5" is written to clear_refs.
inline void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// 16 * 2^n bytes: a state vector of n qubits (or a density matrix of n/2).
inline double state_bytes(unsigned n) { return std::ldexp(16.0, static_cast<int>(n)); }

// Seconds for one read-modify-write pass x[i] = x[i] * a + b over `count` doubles, all threads.
inline double rmw_pass_seconds(double* x, std::int64_t count, double a, double b) {
    const auto start = Clock::now();
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < count; ++i) x[i] = x[i] * a + b;
    benchmark::ClobberMemory();
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// The limit measured on a benchmark's own memory (median of 3 passes that leave it unchanged):
// on this machine the bandwidth of an allocation depends on where its pages land, by up to 1.6x.
inline double same_memory_limit_gb_per_s(double* x, std::int64_t count) {
    volatile double one = 1.0, zero = 0.0;
    double times[3];
    for (double& t : times) t = rmw_pass_seconds(x, count, one, zero);
    std::sort(times, times + 3);
    return 2.0 * 8.0 * static_cast<double>(count) / times[1] / 1e9;
}

inline void bandwidth_inplace(benchmark::State& state) {
    const std::size_t n = (std::size_t{1} << 30) / sizeof(double);
    std::unique_ptr<double, decltype(&std::free)> data(static_cast<double*>(std::aligned_alloc(64, n * sizeof(double))),
                                                       &std::free);
    double* x = data.get();
    const auto count = static_cast<std::int64_t>(n);
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < count; ++i) x[i] = 1.0;
    double seconds = 0;
    for (auto _ : state) seconds += rmw_pass_seconds(x, count, 0.999, 0.001);
    const double gb_per_s =
        2.0 * static_cast<double>(n * sizeof(double)) * static_cast<double>(state.iterations()) / seconds / 1e9;
    g_limit_repetitions.push_back(gb_per_s);
    std::vector<double> sorted = g_limit_repetitions;
    std::sort(sorted.begin(), sorted.end());
    g_limit_gb_per_s = sorted[sorted.size() / 2];
    state.counters["GB/s"] = gb_per_s;
    state.counters["threads"] = omp_get_max_threads();
}

}  // namespace qkdlab::bench
