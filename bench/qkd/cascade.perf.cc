// Cascade reconciliation (Martinez-Mateo et al. 2015, option (7) pass after pass, with the paper's
// second block size 4 k1 and with 2 k1 (CascadeOptions::second_block_factor, 2 by default), and with overlapping
// passes (CascadeOptions::start_next_pass_after = 1), and the original Brassard-Salvail schedule for
// comparison) on blocks of 10^4, 10^5 and 10^6 bits at QBER 1, 2, 5 and 8%: Alice's and Bob's
// CascadeParty passing their messages to each other in one thread.
// Each iteration draws a fresh key pair (outside the timing) and reconciles it with the true QBER
// as the estimate. Counters: f (leaked bits / (n h(true QBER)), mean over iterations),
// round_trips and messages (means), frame_error_rate (iterations whose corrected key still differs
// from Alice's), leaked_bits (mean), sifted_mbit_per_s (sifted key bits reconciled per second of
// CPU time, both sides' work together: the run is one thread, and on a shared machine CPU time is
// the measure of one core) and alice_mbit_per_s, bob_mbit_per_s (per second of each side's own CPU
// time: what one core per side reconciles, the two sides running on two machines).
// The targets, one core per side: f <= 1.08 with <= 100 round trips at >= 50 Mbit/s.
// Run: build-<dir>/bench/cascade.perf

#include "qkdlab/qkd/cascade.h"

#include <benchmark/benchmark.h>
#include <time.h>

#include <cstdint>
#include <optional>
#include <string>

#include "qkdlab/core/rng.h"
#include "run_benchmarks.h"

namespace {

using namespace qkdlab;

void reconcile(benchmark::State& state, const qkd::CascadeOptions& options, std::size_t bits, double qber) {
    core::Rng rng(2026);
    double f_sum = 0, trips = 0, messages = 0, leaked = 0, iterations = 0, frame_errors = 0;
    double seconds[2] = {0, 0};  // Alice's and Bob's CPU time
    // Runs one side's step and adds its thread CPU time to that side's.
    const auto timed = [&seconds](int side, const auto& step) {
        timespec begin{}, end{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &begin);
        auto out = step();
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end);
        seconds[side] +=
            static_cast<double>(end.tv_sec - begin.tv_sec) + 1e-9 * static_cast<double>(end.tv_nsec - begin.tv_nsec);
        return out;
    };
    for (auto _ : state) {
        state.PauseTiming();
        const auto [alice_key, bob_key] = qkd::binary_symmetric_key_pair(bits, qber, rng);
        state.ResumeTiming();
        std::optional<qkd::CascadeParty> alice, bob;
        std::optional<qkd::CascadeMessage> message = timed(0, [&] {
            alice.emplace(qkd::CascadeParty::alice(alice_key, qber, options, rng));
            return alice->first_message();
        });
        timed(1, [&] { return &bob.emplace(qkd::CascadeParty::bob(bob_key, qber)); });
        for (int side = 1; message; side = 1 - side) {
            qkd::CascadeParty& party = side == 0 ? *alice : *bob;
            message = timed(side, [&] { return party.step(*message); });
        }
        const qkd::ReconciliationResult result = bob->result();
        state.PauseTiming();
        f_sum += qkd::reconciliation_efficiency(
            result.leaked_bits, bits,
            static_cast<double>(alice_key.hamming_distance(bob_key)) / static_cast<double>(bits));
        trips += static_cast<double>(result.round_trips);
        messages += static_cast<double>(bob->messages());
        leaked += static_cast<double>(result.leaked_bits);
        frame_errors += result.corrected_key != alice_key;
        iterations += 1;
        state.ResumeTiming();
    }
    state.counters["f"] = f_sum / iterations;
    state.counters["round_trips"] = trips / iterations;
    state.counters["messages"] = messages / iterations;
    state.counters["leaked_bits"] = leaked / iterations;
    state.counters["frame_error_rate"] = frame_errors / iterations;
    state.counters["iterations"] = iterations;
    const double sifted_mbit = iterations * static_cast<double>(bits) / 1e6;
    state.counters["sifted_mbit_per_s"] = benchmark::Counter(sifted_mbit, benchmark::Counter::kIsRate);
    state.counters["alice_mbit_per_s"] = sifted_mbit / seconds[0];
    state.counters["bob_mbit_per_s"] = sifted_mbit / seconds[1];
}

}  // namespace

int main(int argc, char** argv) {
    const std::pair<const char*, qkd::CascadeOptions> variants[] = {
        {"option7_k2_4k1", {qkd::CascadeSchedule::option7, 0, 4}},
        {"option7_k2_2k1", {qkd::CascadeSchedule::option7, 0, 2}},
        {"option7_overlap1", {qkd::CascadeSchedule::option7, 1, 4}},
        {"original", {qkd::CascadeSchedule::original, 0, 4}}};
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
