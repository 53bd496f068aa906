// Speed of the front of the post-processing chain: sifting one party's raw bits (sifting.h), the
// parameter estimation of a sifted block (parameter_estimation.h) and error verification
// (verification.h).
// Counters (rates over wall time): detections_per_second (sifting input), sifted_Mbit_per_second
// (the sifted key bits per second: sifting output, estimation and verification input). For scale, a
// 1 GHz decoy-BB84 link at 25 km (metro-25km) gives about 2.5e7 detections and 1.2e7 sifted key bits
// per second.
// Inputs: random decoy-BB84 records (3 intensities, p = 0.8 / 0.15 / 0.05, Z with probability 1/2),
// 10^5 to 10^7 detections; sifted keys of 10^4 to 10^6 bits at QBER 2% with a tenth as many test bits;
// verification at eps_cor = 1e-15.
// Run: build-<dir>/bench/sifting.perf

#include "qkdlab/qkd/sifting.h"

#include <benchmark/benchmark.h>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/discrete_distribution.hpp>
#include <cstdint>

#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/parameter_estimation.h"
#include "qkdlab/qkd/verification.h"

namespace {

using namespace qkdlab;

qkd::RawRecords random_records(std::size_t detections, core::Rng& rng) {
    boost::random::discrete_distribution<unsigned> intensity({0.8, 0.15, 0.05});
    boost::random::bernoulli_distribution<> coin(0.5), error(0.02);
    qkd::RawRecords records;
    records.protocol = qkd::Protocol::decoy_bb84;
    records.pulses_per_intensity = {40 * detections, 7 * detections, 3 * detections};
    std::uint64_t pulse = 0;
    for (std::size_t i = 0; i < detections; ++i) {
        const bool bit = coin(rng);
        records.add(pulse += 40,
                    qkd::DetectionTag(intensity(rng), coin(rng), coin(rng), bit, bit != error(rng), false, false));
    }
    return records;
}

void sifting(benchmark::State& state) {
    core::Rng rng(41);
    const qkd::RawRecords records = random_records(static_cast<std::size_t>(state.range(0)), rng);
    std::uint64_t detections = 0, sifted = 0;
    for (auto _ : state) {
        const qkd::SiftingAnnouncement announced = qkd::announcement(records);
        const qkd::SiftedKey key = qkd::sift(announced, qkd::raw_bits(records, qkd::Party::bob));
        benchmark::DoNotOptimize(key.key.words().data());
        detections += records.detections();
        sifted += key.key.size();
    }
    state.counters["detections_per_second"] =
        benchmark::Counter(static_cast<double>(detections), benchmark::Counter::kIsRate);
    state.counters["sifted_Mbit_per_second"] =
        benchmark::Counter(static_cast<double>(sifted) / 1e6, benchmark::Counter::kIsRate);
}

std::pair<qkd::SiftedKey, qkd::SiftedKey> sifted_pair(std::size_t key_bits, core::Rng& rng) {
    const qkd::RawRecords records = random_records(key_bits * 4, rng);
    const qkd::SiftingAnnouncement announced = qkd::announcement(records);
    qkd::SiftedKey alice = qkd::sift(announced, qkd::raw_bits(records, qkd::Party::alice));
    qkd::SiftedKey bob = qkd::sift(announced, qkd::raw_bits(records, qkd::Party::bob));
    // Key bits ~ detections / 4 (Z on both sides); trim the test set to a tenth of the key.
    const std::size_t test = alice.key.size() / 10;
    for (qkd::SiftedKey* side : {&alice, &bob}) {
        side->test.resize(test);
        side->test_pulse_index.resize(test);
        side->test_settings.resize(test);
    }
    return {alice, bob};
}

void parameter_estimation(benchmark::State& state) {
    core::Rng rng(42);
    const auto [alice, bob] = sifted_pair(static_cast<std::size_t>(state.range(0)), rng);
    std::uint64_t bits = 0;
    for (auto _ : state) {
        const qkd::ParameterEstimate pe = qkd::estimate_parameters(alice, bob, qkd::EstimationOptions{}, rng);
        benchmark::DoNotOptimize(pe.alice_key.words().data());
        bits += alice.key.size();
    }
    state.counters["sifted_Mbit_per_second"] =
        benchmark::Counter(static_cast<double>(bits) / 1e6, benchmark::Counter::kIsRate);
}

void verification(benchmark::State& state) {
    core::Rng rng(43);
    boost::random::bernoulli_distribution<> coin(0.5);
    core::BitVector key;
    for (std::int64_t i = 0; i < state.range(0); ++i) key.push_back(coin(rng));
    std::uint64_t bits = 0;
    for (auto _ : state) {
        const qkd::VerificationResult result = qkd::verify_keys(key, key, 1e-15, rng);
        benchmark::DoNotOptimize(result.passed);
        bits += key.size();
    }
    state.counters["sifted_Mbit_per_second"] =
        benchmark::Counter(static_cast<double>(bits) / 1e6, benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(sifting)
    ->Name("sifting/decoy_bb84")
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Arg(10'000'000)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(parameter_estimation)
    ->Name("parameter_estimation/qber2pct")
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(verification)
    ->Name("verification/eps1e-15")
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Arg(10'000'000)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
