// Speed of the classical channel (classical_channel.h) and of its Wegman–Carter authentication
// (authentication.h): one message sent and received per iteration, the two ends in one thread.
// Counters: MB_per_second (payload bytes over wall time), messages_per_second.
// Inputs: payloads of 64 B to 1 MiB; in-process pair, authenticated or not; TCP over 127.0.0.1.
// Run: build-<dir>/bench/authentication.perf

#include "qkdlab/qkd/authentication.h"

#include <benchmark/benchmark.h>

#include <functional>
#include <future>

#include "qkdlab/qkd/classical_channel.h"

namespace {

using namespace qkdlab;

// `before` runs before each message, timed (authentication: refilling the key pools when they run
// out, a few ns per message).
void round_trips(benchmark::State& state, qkd::ClassicalChannel& sender, qkd::ClassicalChannel& receiver,
                 const std::function<void()>& before = {}) {
    const qkd::Message message{qkd::MessageType::syndrome, std::vector<std::uint8_t>(state.range(0), 0x5a)};
    for (auto _ : state) {
        if (before) before();
        sender.send(message);
        benchmark::DoNotOptimize(receiver.receive());
    }
    const double messages = static_cast<double>(state.iterations());
    state.counters["MB_per_second"] = benchmark::Counter(messages * state.range(0) / 1e6, benchmark::Counter::kIsRate);
    state.counters["messages_per_second"] = benchmark::Counter(messages, benchmark::Counter::kIsRate);
}

void in_process(benchmark::State& state) {
    auto [alice, bob] = qkd::in_process_channel_pair();
    round_trips(state, *alice, *bob);
}

void authenticated_in_process(benchmark::State& state) {
    auto [alice, bob] = qkd::in_process_channel_pair();
    core::BitVector key(64 * 20'000);  // pads for 10^4 messages each way, refilled when used
    for (std::size_t i = 0; i < key.words().size(); ++i) key.words()[i] = 0x9e3779b97f4a7c15u * (i + 1);
    qkd::AuthenticationKeyPool alice_pool(key), bob_pool(key);
    qkd::AuthenticatedChannel alice_auth(*alice, alice_pool, qkd::Party::alice);
    qkd::AuthenticatedChannel bob_auth(*bob, bob_pool, qkd::Party::bob);
    round_trips(state, alice_auth, bob_auth, [&] {
        if (alice_pool.available_bits(qkd::Party::alice) != 0) return;
        alice_pool.replenish(key);
        bob_pool.replenish(key);
    });
}

void tcp_loopback(benchmark::State& state) {
    qkd::TcpListener listener("127.0.0.1", 0);
    auto accepted = std::async(std::launch::async, [&] { return listener.accept(std::chrono::seconds(5)); });
    auto client = qkd::tcp_connect("127.0.0.1", listener.port(), std::chrono::seconds(5));
    auto server = accepted.get();
    // One thread both sends and receives: keep each message within the socket buffers.
    round_trips(state, *client, *server);
}

}  // namespace

BENCHMARK(in_process)->Name("channel_round_trip/in_process")->RangeMultiplier(32)->Range(64, 1 << 20);
BENCHMARK(authenticated_in_process)
    ->Name("channel_round_trip/authenticated_in_process")
    ->RangeMultiplier(32)
    ->Range(64, 1 << 20);
BENCHMARK(tcp_loopback)->Name("channel_round_trip/tcp_loopback")->RangeMultiplier(32)->Range(64, 2048);
BENCHMARK_MAIN();
