#include "qkdlab/qkd/message_codec.h"

#include <gtest/gtest.h>

#include <limits>

#include "qkdlab/core/error.h"

namespace qkdlab::qkd {
namespace {

TEST(message_codec, round_trips_every_field) {
    core::BitVector bits(131);
    for (std::size_t i = 0; i < bits.size(); i += 3) bits[i] = true;
    const std::vector<std::uint64_t> words = {0, 1, std::numeric_limits<std::uint64_t>::max()};
    const std::vector<std::uint8_t> bytes = {7, 0, 255};
    MessageWriter w(MessageType::cascade_alice);
    w.u8(200).u32(0xdeadbeef).u64(0x0123456789abcdefu).f64(-2.5).bits(bits).u64s(words).bytes(bytes).bits({});
    const Message m = w.take();
    EXPECT_EQ(m.type, MessageType::cascade_alice);
    MessageReader r(m, MessageType::cascade_alice);
    EXPECT_EQ(r.u8(), 200);
    EXPECT_EQ(r.u32(), 0xdeadbeefu);
    EXPECT_EQ(r.u64(), 0x0123456789abcdefu);
    EXPECT_EQ(r.f64(), -2.5);
    EXPECT_EQ(r.bits(), bits);
    EXPECT_EQ(r.u64s(), words);
    EXPECT_EQ(r.bytes(), bytes);
    EXPECT_TRUE(r.bits().empty());
    EXPECT_NO_THROW(r.finish());
}

TEST(message_codec, increasing_vectors_take_a_byte_or_two_per_small_step) {
    const std::vector<std::uint64_t> values = {
        0, 1, 127, 128, 16511, std::uint64_t{1} << 40, std::numeric_limits<std::uint64_t>::max()};
    MessageWriter w(MessageType::detections);
    w.increasing(values);
    const Message m = w.take();
    MessageReader r(m, MessageType::detections);
    EXPECT_EQ(r.increasing(), values);
    r.finish();

    MessageWriter steps(MessageType::detections);
    std::vector<std::uint64_t> dense(1000);
    for (std::size_t i = 0; i < dense.size(); ++i) dense[i] = 100 * i + 5;
    steps.increasing(dense);
    EXPECT_EQ(steps.take().payload.size(), 8 + 1 + 999);

    EXPECT_THROW(MessageWriter(MessageType::detections).increasing(std::vector<std::uint64_t>{3, 3}), Error);
    // A zero step after the first value, and a value that wraps around.
    for (const std::vector<std::uint8_t>& tail :
         {std::vector<std::uint8_t>{5, 0},
          std::vector<std::uint8_t>{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02}}) {
        MessageWriter count(MessageType::detections);
        count.u64(2);
        Message bad = count.take();
        for (std::uint8_t byte : tail) bad.payload.push_back(byte);
        MessageReader reader(bad, MessageType::detections);
        EXPECT_THROW((void)reader.increasing(), ChannelError);
    }
}

TEST(message_codec, layout_is_little_endian) {
    MessageWriter w(MessageType::hello);
    w.u32(0x04030201);
    EXPECT_EQ(w.take().payload, (std::vector<std::uint8_t>{1, 2, 3, 4}));
}

TEST(message_codec, rejects_malformed_payloads) {
    MessageWriter w(MessageType::settings);
    w.u64s(std::vector<std::uint64_t>{1, 2, 3});
    Message m = w.take();
    EXPECT_THROW(MessageReader(m, MessageType::hello), ChannelError);  // wrong type

    Message truncated = m;
    truncated.payload.pop_back();
    MessageReader short_reader(truncated, MessageType::settings);
    EXPECT_THROW((void)short_reader.u64s(), ChannelError);

    Message longer = m;
    longer.payload.push_back(0);
    MessageReader long_reader(longer, MessageType::settings);
    (void)long_reader.u64s();
    EXPECT_THROW(long_reader.finish(), ChannelError);

    // A length that claims more than the payload holds is refused before anything is allocated.
    MessageWriter huge(MessageType::settings);
    huge.u64(std::uint64_t{1} << 60);
    const Message claims = huge.take();
    MessageReader huge_reader(claims, MessageType::settings);
    EXPECT_THROW((void)huge_reader.u64s(), ChannelError);
    MessageReader huge_bits(claims, MessageType::settings);
    EXPECT_THROW((void)huge_bits.bits(), ChannelError);

    // A bit vector whose last word has bits set past its length.
    MessageWriter stray(MessageType::settings);
    stray.u64(3).u64(0xff);
    const Message stray_bits = stray.take();
    MessageReader stray_reader(stray_bits, MessageType::settings);
    EXPECT_THROW((void)stray_reader.bits(), ChannelError);
}

}  // namespace
}  // namespace qkdlab::qkd
