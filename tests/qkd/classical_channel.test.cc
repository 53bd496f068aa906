#include "qkdlab/qkd/classical_channel.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "channel_support.h"

namespace qkdlab::qkd {
namespace {

using namespace std::chrono_literals;
using testing::make_message;
constexpr auto SHORT = 200ms;

void expect_same(const Message& a, const Message& b) {
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.payload, b.payload);
}

template <typename Call>
void expect_channel_error(Call call, const std::string& part) {
    testing::expect_throw_containing<ChannelError>(call, part);
}

// A port on 127.0.0.1 with no listener: bound by a probe socket that is closed again.
std::uint16_t unused_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
    ::close(fd);
    return ntohs(address.sin_port);
}

// A plain socket connected to 127.0.0.1:port, to write frames by hand; -1 on failure.
int raw_connect(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) return fd;
    ::close(fd);
    return -1;
}

// A connected pair of TCP channels on 127.0.0.1 (listener, connector).
std::pair<std::unique_ptr<ClassicalChannel>, std::unique_ptr<ClassicalChannel>> tcp_pair(
    std::chrono::milliseconds timeout) {
    TcpListener listener("127.0.0.1", 0);
    auto accepted = std::async(std::launch::async, [&] { return listener.accept(timeout); });
    auto connected = tcp_connect("127.0.0.1", listener.port(), timeout);
    return {accepted.get(), std::move(connected)};
}

}  // namespace

TEST(classical_channel, message_types_have_names) {
    EXPECT_EQ(to_string(MessageType::hello), "hello");
    EXPECT_EQ(to_string(MessageType::cascade_alice), "cascade_alice");
    EXPECT_EQ(to_string(MessageType::verification_result), "verification_result");
    EXPECT_EQ(to_string(MessageType::abort), "abort");
    EXPECT_EQ(to_string(static_cast<MessageType>(200)), "unknown(200)");
    EXPECT_EQ(to_string(static_cast<MessageType>(0)), "unknown(0)");
}

TEST(classical_channel, in_process_keeps_order_and_counts_framed_bytes) {
    auto [alice, bob] = in_process_channel_pair(SHORT);
    std::vector<Message> sent;
    for (std::uint8_t i = 0; i < 20; ++i) {
        sent.push_back(make_message(static_cast<MessageType>(1 + i % 14), i * 7u, i));
        alice->send(sent.back());
    }
    std::uint64_t bytes = 0;
    for (const Message& message : sent) {
        expect_same(bob->receive(), message);
        bytes += FRAME_HEADER_BYTES + message.payload.size();
    }
    EXPECT_EQ(alice->bytes_sent(), bytes);
    EXPECT_EQ(bob->bytes_received(), bytes);
    EXPECT_EQ(alice->bytes_received(), 0u);
    EXPECT_EQ(bob->bytes_sent(), 0u);
}

TEST(classical_channel, in_process_both_directions_from_two_threads) {
    auto [alice, bob] = in_process_channel_pair(2s);
    constexpr int COUNT = 2000;
    // Each side sends COUNT messages while receiving the peer's, as a ping-pong-free stress.
    auto run = [](ClassicalChannel& self, std::uint8_t seed) {
        std::vector<Message> got;
        std::thread sender([&] {
            for (int i = 0; i < COUNT; ++i) self.send(make_message(MessageType::cascade_bob, i % 50, seed + i));
        });
        for (int i = 0; i < COUNT; ++i) got.push_back(self.receive());
        sender.join();
        return got;
    };
    auto bob_got = std::async(std::launch::async, run, std::ref(*bob), std::uint8_t{100});
    const std::vector<Message> alice_got = run(*alice, 7);
    const std::vector<Message> from_alice = bob_got.get();
    for (int i = 0; i < COUNT; ++i) {
        expect_same(from_alice[i], make_message(MessageType::cascade_bob, i % 50, static_cast<std::uint8_t>(7 + i)));
        expect_same(alice_got[i], make_message(MessageType::cascade_bob, i % 50, static_cast<std::uint8_t>(100 + i)));
    }
}

TEST(classical_channel, in_process_receive_times_out) {
    auto [alice, bob] = in_process_channel_pair(50ms);
    const auto start = std::chrono::steady_clock::now();
    expect_channel_error([&] { (void)bob->receive(); }, "no message within 50 ms");
    EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
}

TEST(classical_channel, in_process_peer_closed) {
    auto [alice, bob] = in_process_channel_pair(5s);
    alice->send(make_message(MessageType::abort, 3, 1));
    // A receiver already waiting wakes up when the peer goes away.
    auto waiting = std::async(std::launch::async, [&, &bob = bob] {
        (void)bob->receive();  // the message sent before
        (void)bob->receive();
    });
    std::this_thread::sleep_for(20ms);
    const auto start = std::chrono::steady_clock::now();
    alice.reset();
    expect_channel_error([&] { waiting.get(); }, "peer closed the channel");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    expect_channel_error([&] { bob->send(make_message(MessageType::hello, 1, 0)); }, "peer closed the channel");
}

TEST(classical_channel, tcp_round_trip_of_large_and_empty_payloads) {
    auto [server, client] = tcp_pair(2s);
    const std::vector<Message> messages{
        make_message(MessageType::hello, 0, 0), make_message(MessageType::syndrome, 5'000'000, 3),
        make_message(MessageType::abort, 1, 9), make_message(MessageType::settings, 0, 0)};
    // The large message exceeds the socket buffers: the peer must read while it is written.
    auto echo = std::async(std::launch::async, [&, &server = server] {
        for (std::size_t i = 0; i < messages.size(); ++i) server->send(server->receive());
    });
    for (const Message& message : messages) client->send(message);
    for (const Message& message : messages) expect_same(client->receive(), message);
    echo.get();
    std::uint64_t bytes = 0;
    for (const Message& message : messages) bytes += FRAME_HEADER_BYTES + message.payload.size();
    EXPECT_EQ(client->bytes_sent(), bytes);
    EXPECT_EQ(client->bytes_received(), bytes);
    EXPECT_EQ(server->bytes_sent(), bytes);
    EXPECT_EQ(server->bytes_received(), bytes);
}

TEST(classical_channel, tcp_over_ipv6_loopback_when_available) {
    std::unique_ptr<TcpListener> listener;
    try {
        listener = std::make_unique<TcpListener>("::1", 0);
    } catch (const ChannelError& error) {
        // A machine without an IPv6 loopback: the failure must be a ChannelError naming the address.
        EXPECT_NE(std::string(error.what()).find("::1"), std::string::npos) << error.what();
        return;
    }
    auto accepted = std::async(std::launch::async, [&] { return listener->accept(2s); });
    auto client = tcp_connect("::1", listener->port(), 2s);
    auto server = accepted.get();
    client->send(make_message(MessageType::confirmation, 33, 4));
    expect_same(server->receive(), make_message(MessageType::confirmation, 33, 4));
}

TEST(classical_channel, tcp_receive_times_out_and_sees_the_peer_close) {
    auto [server, client] = tcp_pair(SHORT);
    expect_channel_error([&, &server = server] { (void)server->receive(); }, "no data within 200 ms");
    client->send(make_message(MessageType::hello, 10, 1));
    client.reset();
    expect_same(server->receive(), make_message(MessageType::hello, 10, 1));  // sent before the close
    expect_channel_error([&, &server = server] { (void)server->receive(); }, "peer closed the channel");
}

TEST(classical_channel, tcp_connect_refused_until_timeout) {
    const std::uint16_t port = unused_port();
    const auto start = std::chrono::steady_clock::now();
    expect_channel_error([&] { (void)tcp_connect("127.0.0.1", port, SHORT); },
                         "tcp_connect 127.0.0.1:" + std::to_string(port) + ": Connection refused");
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, SHORT);  // retried every 50 ms until the deadline
    EXPECT_LT(took, SHORT + 500ms);
}

TEST(classical_channel, tcp_connect_waits_for_a_late_listener) {
    const std::uint16_t port = unused_port();
    auto late = std::async(std::launch::async, [port] {
        std::this_thread::sleep_for(120ms);
        return tcp_listen("127.0.0.1", port, 2s);
    });
    auto client = tcp_connect("127.0.0.1", port, 2s);
    auto server = late.get();
    server->send(make_message(MessageType::detections, 1000, 5));
    expect_same(client->receive(), make_message(MessageType::detections, 1000, 5));
}

TEST(classical_channel, tcp_listen_errors_name_the_address) {
    TcpListener busy("127.0.0.1", 0);
    expect_channel_error([&] { TcpListener again("127.0.0.1", busy.port()); },
                         "tcp_listen 127.0.0.1:" + std::to_string(busy.port()) + ": bind: Address already in use");
    expect_channel_error([&] { (void)busy.accept(50ms); }, "no peer connected within 50 ms");
    expect_channel_error([&] { (void)tcp_connect("no-such-host.invalid", 1, SHORT); }, "no-such-host.invalid:1");
}

TEST(classical_channel, tcp_oversize_frame_rejected) {
    TcpListener listener("127.0.0.1", 0);
    // A raw peer that announces a payload of 2^31 bytes.
    const int raw = raw_connect(listener.port());
    ASSERT_GE(raw, 0);
    const std::array<std::uint8_t, 5> header{7, 0, 0, 0, 0x80};
    ASSERT_EQ(::send(raw, header.data(), header.size(), 0), 5);
    auto server = listener.accept(2s);
    expect_channel_error([&] { (void)server->receive(); },
                         "cascade_bob payload of 2147483648 bytes; the maximum is 268435456");
    ::close(raw);

    auto [a, b] = in_process_channel_pair(SHORT);
    Message huge{MessageType::syndrome, {}};
    huge.payload.resize(MAX_PAYLOAD_BYTES + 1);
    expect_channel_error([&, &a = a] { a->send(huge); }, "exceeds the maximum of 268435456");
    auto [server2, client2] = tcp_pair(SHORT);
    expect_channel_error([&, &client2 = client2] { client2->send(huge); }, "exceeds the maximum of 268435456");
}

TEST(classical_channel, tcp_peer_closing_mid_message_is_reported) {
    TcpListener listener("127.0.0.1", 0);
    const int raw = raw_connect(listener.port());
    ASSERT_GE(raw, 0);
    const std::array<std::uint8_t, 8> partial{1, 10, 0, 0, 0, 1, 2, 3};  // 3 of 10 payload bytes
    ASSERT_EQ(::send(raw, partial.data(), partial.size(), 0), 8);
    ::close(raw);
    auto server = listener.accept(2s);
    expect_channel_error([&] { (void)server->receive(); }, "peer closed the channel in the middle of a message");
}

}  // namespace qkdlab::qkd
