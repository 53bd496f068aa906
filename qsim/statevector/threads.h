#pragma once
// When a pass over a state vector uses OpenMP threads: one rule for the whole engine. A pass that
// touches fewer than PARALLEL_MIN_AMPLITUDES amplitudes runs on the calling thread and never enters
// an OpenMP region. (An `if` clause is not enough: libgomp still sets up a team for a region whose
// clause is false, with a heap allocation and a futex wake, 0.1-0.3 us a time, which is more than a
// whole pass over a state of a few qubits.) Inside a parallel region every pass runs serially.

#include <omp.h>

#include "qkdlab/qsim/types.h"

namespace qkdlab::qsim {

// 2^16 amplitudes (1 MiB): below this a second thread costs more than it saves.
inline constexpr Index PARALLEL_MIN_AMPLITUDES = Index{1} << 16;

// Whether a pass touching `amplitudes` amplitudes should be split between threads.
inline bool use_threads(Index amplitudes) { return amplitudes >= PARALLEL_MIN_AMPLITUDES && omp_in_parallel() == 0; }

// Calls range(begin, end) to cover [0, items): once on the calling thread when use_threads(amplitudes)
// is false, else once per OpenMP thread with contiguous ranges in thread order.
template <class RangeFn>
void for_each_range(Index items, Index amplitudes, RangeFn&& range) {
    if (!use_threads(amplitudes)) {
        range(Index{0}, items);
        return;
    }
#pragma omp parallel
    {
        const auto threads = static_cast<Index>(omp_get_num_threads());
        const auto t = static_cast<Index>(omp_get_thread_num());
        range(items * t / threads, items * (t + 1) / threads);
    }
}

// The sum over [0, items) of range_sum(begin, end) (a T), split as for_each_range does.
template <class T, class RangeSum>
T sum_over_ranges(Index items, Index amplitudes, RangeSum&& range_sum) {
    if (!use_threads(amplitudes)) return range_sum(Index{0}, items);
    T total{};
#pragma omp parallel
    {
        const auto threads = static_cast<Index>(omp_get_num_threads());
        const auto t = static_cast<Index>(omp_get_thread_num());
        const T part = range_sum(items * t / threads, items * (t + 1) / threads);
#pragma omp critical(qkdlab_qsim_sum_over_ranges)
        total += part;
    }
    return total;
}

}  // namespace qkdlab::qsim
