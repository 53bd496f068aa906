#include "qkdlab/qkd/authentication.h"

#include <gtest/gtest.h>

#include <boost/random/uniform_int_distribution.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "channel_support.h"
#include "qkdlab/core/error.h"
#include "qkdlab/core/rng.h"

namespace qkdlab::qkd {
namespace {

using namespace std::chrono_literals;
using testing::make_message;

core::BitVector random_bits(std::size_t n, core::Rng& rng) {
    core::BitVector bits(n);
    boost::random::uniform_int_distribution<std::uint64_t> word(0, std::numeric_limits<std::uint64_t>::max());
    for (auto& w : bits.words()) w = word(rng);
    return core::BitVector(bits.words(), n);
}

// A man in the middle on Alice's sending side: every message Alice's AuthenticatedChannel writes
// (payload and tag) goes through `rule`, which forwards what it likes to the real transport. `wire`
// keeps what Alice wrote, for replays.
class Interceptor final : public ClassicalChannel {
  public:
    using Rule = std::function<void(std::size_t index, const Message& message, Interceptor& self)>;
    Interceptor(ClassicalChannel& inner, Rule rule) : inner_(inner), rule_(std::move(rule)) {}

    void send(Message message) override {
        wire.push_back(message);
        rule_(wire.size() - 1, message, *this);
    }
    Message receive() override { return inner_.receive(); }
    std::uint64_t bytes_sent() const override { return inner_.bytes_sent(); }
    std::uint64_t bytes_received() const override { return inner_.bytes_received(); }
    void forward(const Message& message) { inner_.send(message); }

    std::vector<Message> wire;

  private:
    ClassicalChannel& inner_;
    Rule rule_;
};

// Alice and Bob with identical pools over an in-process pair, Alice's sends through an Interceptor.
struct Session {
    explicit Session(const core::BitVector& key, Interceptor::Rule rule = {}) : Session(key, key, std::move(rule)) {}
    Session(const core::BitVector& alice_key, const core::BitVector& bob_key, Interceptor::Rule rule = {})
        : transports(in_process_channel_pair(200ms)),
          eve(
              *transports.first,
              rule ? std::move(rule) : [](std::size_t, const Message& m, Interceptor& self) { self.forward(m); }),
          alice_pool(alice_key),
          bob_pool(bob_key),
          alice(eve, alice_pool, Party::alice),
          bob(*transports.second, bob_pool, Party::bob) {}

    std::pair<std::unique_ptr<ClassicalChannel>, std::unique_ptr<ClassicalChannel>> transports;
    Interceptor eve;
    AuthenticationKeyPool alice_pool;
    AuthenticationKeyPool bob_pool;
    AuthenticatedChannel alice;
    AuthenticatedChannel bob;
};

const std::vector<Message>& three_messages() {
    static const std::vector<Message> messages{make_message(MessageType::hello, 12, 1),
                                               make_message(MessageType::cascade_alice, 40, 2),
                                               make_message(MessageType::cascade_alice, 40, 3)};
    return messages;
}

// Alice sends three_messages() through `rule`; Bob must accept the first `accepted` and then fail
// with a message containing `failure`.
void expect_detected(const Interceptor::Rule& rule, std::size_t accepted, const std::string& failure) {
    core::Rng rng(7);
    Session s(random_bits(4096, rng), rule);
    for (const Message& message : three_messages()) s.alice.send(message);
    for (std::size_t i = 0; i < accepted; ++i) {
        const Message got = s.bob.receive();
        EXPECT_EQ(got.type, three_messages()[i].type);
        EXPECT_EQ(got.payload, three_messages()[i].payload);
    }
    testing::expect_throw_containing<AuthenticationFailure>([&] { (void)s.bob.receive(); }, failure);
    // Closed to incoming messages after a failure, but Bob can still tell Alice.
    EXPECT_THROW((void)s.bob.receive(), AuthenticationFailure);
    s.bob.send(make_message(MessageType::abort, 5, 0));
    EXPECT_EQ(s.alice.receive().payload, make_message(MessageType::abort, 5, 0).payload);
}

std::uint64_t power(std::uint64_t a, std::uint64_t e) {
    std::uint64_t r = 1;
    for (; e != 0; e >>= 1, a = gf64_multiply(a, a))
        if (e & 1u) r = gf64_multiply(r, a);
    return r;
}

}  // namespace

TEST(authentication, honest_exchange_passes_and_spends_64_bits_per_message) {
    core::Rng rng(1);
    Session s(random_bits(8192, rng));
    EXPECT_EQ(s.alice_pool.consumed_bits(), 64u);  // the session's hash point
    EXPECT_EQ(s.bob_pool.consumed_bits(), 64u);
    std::uint64_t wire_bytes = 0;
    const std::size_t sizes[] = {0, 1, 7, 8, 9, 63, 64, 1000};
    for (std::size_t i = 0; i < std::size(sizes); ++i) {
        const Message message = make_message(static_cast<MessageType>(1 + i), sizes[i], static_cast<std::uint8_t>(i));
        s.alice.send(message);
        const Message got = s.bob.receive();
        EXPECT_EQ(got.type, message.type);
        EXPECT_EQ(got.payload, message.payload);
        wire_bytes += FRAME_HEADER_BYTES + sizes[i] + AuthenticatedChannel::TAG_BYTES;
    }
    for (int i = 0; i < 3; ++i) {
        s.bob.send(make_message(MessageType::cascade_bob, 20, static_cast<std::uint8_t>(i)));
        EXPECT_EQ(s.alice.receive().payload,
                  make_message(MessageType::cascade_bob, 20, static_cast<std::uint8_t>(i)).payload);
    }
    const std::uint64_t expected = 64 + 64 * (std::size(sizes) + 3);
    EXPECT_EQ(s.alice_pool.consumed_bits(), expected);
    EXPECT_EQ(s.bob_pool.consumed_bits(), expected);
    EXPECT_EQ(s.alice.tag_bits_consumed(), expected);
    EXPECT_EQ(s.bob.tag_bits_consumed(), expected);
    EXPECT_EQ(s.alice_pool.available_bits(), 8192 - expected);
    EXPECT_EQ(s.alice.messages_sent(), std::size(sizes));
    EXPECT_EQ(s.bob.messages_received(), std::size(sizes));
    EXPECT_EQ(s.bob.messages_sent(), 3u);
    EXPECT_EQ(s.alice.bytes_sent(), wire_bytes);
    EXPECT_EQ(s.bob.bytes_received(), wire_bytes);
}

TEST(authentication, tag_is_the_documented_polynomial) {
    // Pool words: w0 = s (the session's point), w2 = pad of Alice's message 0, w4 = of message 1.
    core::Rng rng(2);
    const core::BitVector key = random_bits(640, rng);
    const auto w = key.words();
    Session s(key);
    const Message first = make_message(MessageType::syndrome, 21, 9);
    const Message second = make_message(MessageType::verification, 0, 0);
    s.alice.send(first);
    s.alice.send(second);
    const std::uint64_t point = w[0];
    auto reference = [&](std::uint64_t direction, std::uint64_t sequence, const Message& m, std::uint64_t pad) {
        std::vector<std::uint64_t> words{direction | std::uint64_t{static_cast<std::uint8_t>(m.type)} << 8, sequence};
        for (std::size_t i = 0; i < m.payload.size(); ++i) {
            if (i % 8 == 0) words.push_back(0);
            words.back() |= std::uint64_t{m.payload[i]} << (8 * (i % 8));
        }
        const std::size_t L = words.size();
        std::uint64_t value = gf64_multiply(m.payload.size(), point);
        for (std::size_t i = 1; i <= L; ++i) value ^= gf64_multiply(words[i - 1], power(point, L + 2 - i));
        return value ^ pad;
    };
    auto carried = [](const Message& wire) {
        std::uint64_t tag = 0;
        for (std::size_t i = 0; i < 8; ++i) tag |= std::uint64_t{wire.payload[wire.payload.size() - 8 + i]} << (8 * i);
        return tag;
    };
    ASSERT_EQ(s.eve.wire.size(), 2u);
    EXPECT_EQ(s.eve.wire[0].payload.size(), 21u + 8u);
    EXPECT_EQ(carried(s.eve.wire[0]), reference(0, 0, first, w[2]));
    EXPECT_EQ(carried(s.eve.wire[1]), reference(0, 1, second, w[4]));
    // A message of Bob's built by hand (direction 1, his first pad w1) is accepted by Alice.
    Message by_hand = first;
    const std::uint64_t tag = reference(1, 0, first, w[1]);
    for (std::size_t i = 0; i < 8; ++i) by_hand.payload.push_back(static_cast<std::uint8_t>(tag >> (8 * i)));
    s.transports.second->send(by_hand);
    EXPECT_EQ(s.alice.receive().payload, first.payload);
}

TEST(authentication, both_directions_from_two_threads_each) {
    core::Rng rng(3);
    constexpr int COUNT = 300;
    Session s(random_bits(64 * (2 * COUNT + 4), rng));
    auto run = [](AuthenticatedChannel& self, std::uint8_t seed) {
        std::thread sender([&] {
            for (int i = 0; i < COUNT; ++i) self.send(make_message(MessageType::cascade_bob, i % 30, seed + i));
        });
        std::vector<Message> got;
        for (int i = 0; i < COUNT; ++i) got.push_back(self.receive());
        sender.join();
        return got;
    };
    auto bob_got = std::async(std::launch::async, run, std::ref(s.bob), std::uint8_t{50});
    const std::vector<Message> alice_got = run(s.alice, 0);
    const std::vector<Message> from_alice = bob_got.get();
    for (int i = 0; i < COUNT; ++i) {
        EXPECT_EQ(from_alice[i].payload,
                  make_message(MessageType::cascade_bob, i % 30, static_cast<std::uint8_t>(i)).payload);
        EXPECT_EQ(alice_got[i].payload,
                  make_message(MessageType::cascade_bob, i % 30, static_cast<std::uint8_t>(50 + i)).payload);
    }
    EXPECT_EQ(s.alice_pool.consumed_bits(), 64u * (2 * COUNT + 1));
    EXPECT_EQ(s.alice_pool.available_bits(), 64u * 3);
}

TEST(authentication, a_flipped_bit_anywhere_is_detected) {
    const std::size_t wire_bits = (40 + 8) * 8;  // message 1: payload and tag
    for (std::size_t bit = 0; bit < wire_bits; bit += 7) {
        expect_detected(
            [bit](std::size_t index, const Message& m, Interceptor& eve) {
                Message changed = m;
                if (index == 1) changed.payload[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
                eve.forward(changed);
            },
            1, "Alice's message 1 (cascade_alice) carries a wrong tag");
    }
}

TEST(authentication, a_changed_type_is_detected) {
    expect_detected(
        [](std::size_t index, const Message& m, Interceptor& eve) {
            Message changed = m;
            if (index == 0) changed.type = MessageType::abort;
            eve.forward(changed);
        },
        0, "Alice's message 0 (abort) carries a wrong tag");
}

TEST(authentication, a_replayed_message_is_detected) {
    expect_detected(
        [](std::size_t index, const Message& m, Interceptor& eve) {
            eve.forward(index == 2 ? eve.wire[1] : m);  // message 1 again in place of 2
        },
        2, "Alice's message 2 (cascade_alice) carries a wrong tag");
    expect_detected(
        [](std::size_t, const Message& m, Interceptor& eve) {
            eve.forward(m);
            eve.forward(m);  // each message twice
        },
        1, "Alice's message 1 (hello) carries a wrong tag");
}

TEST(authentication, swapped_messages_are_detected) {
    expect_detected(
        [](std::size_t index, const Message& m, Interceptor& eve) {
            if (index == 1) return;  // held back
            eve.forward(m);
            if (index == 2) eve.forward(eve.wire[1]);
        },
        1, "Alice's message 1 (cascade_alice) carries a wrong tag");
}

TEST(authentication, a_dropped_message_is_detected) {
    expect_detected(
        [](std::size_t index, const Message& m, Interceptor& eve) {
            if (index != 1) eve.forward(m);
        },
        1, "Alice's message 1 (cascade_alice) carries a wrong tag");
}

TEST(authentication, forged_and_truncated_messages_are_detected) {
    expect_detected(
        [](std::size_t index, const Message& m, Interceptor& eve) {
            if (index == 1) eve.forward(make_message(MessageType::frame_result, 48, 99));  // payload and a guessed tag
            eve.forward(m);
        },
        1, "Alice's message 1 (frame_result) carries a wrong tag");
    expect_detected(
        [](std::size_t index, const Message& m, Interceptor& eve) {
            Message cut = m;
            if (index == 0) cut.payload.resize(5);
            eve.forward(cut);
        },
        0, "Alice's message 0 (hello) has 5 bytes, too few for its 8-byte tag");
}

TEST(authentication, a_removed_or_added_zero_byte_is_detected) {
    // Payload words are zero-padded: only the length coefficient tells "ab" from "ab\0".
    core::Rng rng(10);
    for (int change : {-1, +1}) {
        Session s(random_bits(1024, rng), [change](std::size_t, const Message& m, Interceptor& eve) {
            Message changed = m;
            const auto tag_at = changed.payload.end() - AuthenticatedChannel::TAG_BYTES;
            if (change < 0) changed.payload.erase(tag_at - 1);
            if (change > 0) changed.payload.insert(tag_at, 0);
            eve.forward(changed);
        });
        Message message = make_message(MessageType::privacy_seed, 13, 4);
        message.payload.back() = 0;
        s.alice.send(message);
        EXPECT_THROW((void)s.bob.receive(), AuthenticationFailure) << change;
    }
}

TEST(authentication, a_message_of_an_earlier_session_is_refused) {
    core::Rng rng(4);
    const core::BitVector key = random_bits(2048, rng);
    AuthenticationKeyPool alice_pool(key), bob_pool(key);
    auto [a, b] = in_process_channel_pair(200ms);
    Message recorded;
    {
        AuthenticatedChannel alice(*a, alice_pool, Party::alice), bob(*b, bob_pool, Party::bob);
        alice.send(three_messages()[0]);
        recorded = b->receive();  // what Eve saw on the wire; Bob never got it
    }
    bob_pool.take(Party::alice);  // keep the pools in step: Bob's channel would have spent this pad
    AuthenticatedChannel alice(*a, alice_pool, Party::alice), bob(*b, bob_pool, Party::bob);
    a->send(recorded);
    EXPECT_THROW((void)bob.receive(), AuthenticationFailure);
}

TEST(authentication, pools_from_different_keys_fail) {
    core::Rng rng(5);
    Session s(random_bits(1024, rng), random_bits(1024, rng));
    s.alice.send(three_messages()[0]);
    EXPECT_THROW((void)s.bob.receive(), AuthenticationFailure);
}

TEST(authentication, pool_exhaustion_and_replenish) {
    core::Rng rng(6);
    // Five whole words and a partial one: w0 = s, Alice's pads w2, w4, Bob's w1, w3.
    const core::BitVector key = random_bits(5 * 64 + 10, rng);
    Session s(key);
    EXPECT_EQ(s.alice_pool.available_bits(Party::alice), 128u);
    EXPECT_EQ(s.alice_pool.available_bits(Party::bob), 128u);
    for (int i = 0; i < 2; ++i) {
        s.alice.send(three_messages()[0]);
        s.bob.send(three_messages()[1]);
        (void)s.bob.receive();
        (void)s.alice.receive();
    }
    testing::expect_throw_containing<AuthenticationFailure>(
        [&] { s.alice.send(three_messages()[0]); },
        "authentication key pool exhausted: 64 bits needed for a message Alice sends, 0 available (0 in the other "
        "direction)");
    EXPECT_THROW(s.bob.send(three_messages()[0]), AuthenticationFailure);
    EXPECT_EQ(s.alice.messages_sent(), 2u);  // nothing went out
    EXPECT_EQ(s.alice_pool.available_bits(), 0u);

    // 54 bits complete the partial word (w5, Bob's), 128 more give w6 (Alice's) and w7 (Bob's).
    const core::BitVector fresh = random_bits(54 + 128, rng);
    s.alice_pool.replenish(fresh);
    s.bob_pool.replenish(fresh);
    EXPECT_EQ(s.alice_pool.replenished_bits(), 182u);
    EXPECT_EQ(s.alice_pool.available_bits(Party::alice), 64u);
    EXPECT_EQ(s.alice_pool.available_bits(Party::bob), 128u);
    s.alice.send(three_messages()[2]);
    EXPECT_EQ(s.bob.receive().payload, three_messages()[2].payload);
    s.bob.send(three_messages()[1]);
    s.bob.send(three_messages()[1]);
    (void)s.alice.receive();
    (void)s.alice.receive();
    EXPECT_EQ(s.alice_pool.consumed_bits(), 64u * 8);
    EXPECT_EQ(s.bob_pool.consumed_bits(), 64u * 8);

    // Replenished differently on the two sides: the next message fails.
    s.alice_pool.replenish(random_bits(128, rng));
    s.bob_pool.replenish(random_bits(128, rng));
    s.alice.send(three_messages()[0]);
    EXPECT_THROW((void)s.bob.receive(), AuthenticationFailure);
}

TEST(authentication, too_little_key_to_start_a_session) {
    AuthenticationKeyPool pool(core::BitVector(63));
    auto [a, b] = in_process_channel_pair(200ms);
    EXPECT_THROW({ AuthenticatedChannel channel(*a, pool, Party::alice); }, AuthenticationFailure);
}

TEST(authentication, pool_bytes_round_trip) {
    core::Rng rng(8);
    const core::BitVector key = random_bits(64 * 40 + 17, rng);
    AuthenticationKeyPool alice_pool(key), bob_pool(key);
    {
        auto [a, b] = in_process_channel_pair(200ms);
        AuthenticatedChannel alice(*a, alice_pool, Party::alice), bob(*b, bob_pool, Party::bob);
        for (int i = 0; i < 12; ++i) {
            alice.send(three_messages()[0]);
            (void)bob.receive();
            bob.send(three_messages()[1]);
            (void)alice.receive();
        }
    }
    alice_pool.replenish(core::BitVector(47));
    bob_pool.replenish(core::BitVector(47));
    const std::vector<std::uint8_t> bytes = alice_pool.to_bytes();
    EXPECT_EQ(bytes, bob_pool.to_bytes());
    // Used words are not written: of the 41 words (2624 bits), the 24 before both streams' next
    // words (Alice's 26, Bob's 25) are dropped.
    EXPECT_EQ(bytes.size(), 52u + 8 * 17);
    AuthenticationKeyPool alice_again = AuthenticationKeyPool::from_bytes(bytes);
    AuthenticationKeyPool bob_again = AuthenticationKeyPool::from_bytes(bob_pool.to_bytes());
    EXPECT_EQ(alice_again.consumed_bits(), alice_pool.consumed_bits());
    EXPECT_EQ(alice_again.replenished_bits(), 47u);
    EXPECT_EQ(alice_again.available_bits(Party::alice), alice_pool.available_bits(Party::alice));
    EXPECT_EQ(alice_again.available_bits(Party::bob), alice_pool.available_bits(Party::bob));
    EXPECT_EQ(alice_again.to_bytes(), bytes);
    // The restored pools (and an assigned copy) take the same words as the originals.
    AuthenticationKeyPool assigned(core::BitVector(640));
    assigned = bob_pool;
    for (Party party : {Party::alice, Party::bob, Party::bob, Party::alice}) {
        const std::uint64_t word = alice_pool.take(party);
        EXPECT_EQ(alice_again.take(party), word);
        EXPECT_EQ(bob_again.take(party), word);
        EXPECT_EQ(assigned.take(party), word);
    }
    // An exhausted, empty pool round-trips too.
    const AuthenticationKeyPool empty;
    EXPECT_EQ(AuthenticationKeyPool::from_bytes(empty.to_bytes()).available_bits(), 0u);
}

TEST(authentication, corrupted_pool_bytes_are_rejected) {
    core::Rng rng(9);
    const std::vector<std::uint8_t> good = AuthenticationKeyPool(random_bits(64 * 4 + 3, rng)).to_bytes();
    ASSERT_NO_THROW((void)AuthenticationKeyPool::from_bytes(good));
    auto changed = [&](std::size_t at, std::uint8_t value) {
        std::vector<std::uint8_t> bytes = good;
        bytes[at] = value;
        return bytes;
    };
    testing::expect_throw_containing<Error>([&] { (void)AuthenticationKeyPool::from_bytes(changed(0, 'X')); },
                                            "not a pool file");
    testing::expect_throw_containing<Error>([&] { (void)AuthenticationKeyPool::from_bytes(std::span(good).first(20)); },
                                            "not a pool file");
    testing::expect_throw_containing<Error>([&] { (void)AuthenticationKeyPool::from_bytes(changed(8, 2)); },
                                            "version 2; expected 1");
    testing::expect_throw_containing<Error>([&] { (void)AuthenticationKeyPool::from_bytes(changed(12, 1)); },
                                            "next words 1 and 1");
    testing::expect_throw_containing<Error>([&] { (void)AuthenticationKeyPool::from_bytes(changed(20, 9)); },
                                            "next words 0 and 9");
    testing::expect_throw_containing<Error>(
        [&] { (void)AuthenticationKeyPool::from_bytes(std::span(good).first(good.size() - 1)); },
        "a key of 259 bits needs 40 bytes after the header, got 39");
    std::vector<std::uint8_t> longer = good;
    longer.push_back(0);
    testing::expect_throw_containing<Error>([&] { (void)AuthenticationKeyPool::from_bytes(longer); }, "got 41");
    testing::expect_throw_containing<Error>(
        [&] { (void)AuthenticationKeyPool::from_bytes(changed(good.size() - 1, 0x80)); },
        "bits set beyond the key length 259");
}

}  // namespace qkdlab::qkd
