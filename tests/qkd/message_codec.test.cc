#include "qkdlab/qkd/message_codec.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

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

TEST(message_codec, increasing_vectors_that_end_early_or_fail_to_write_leave_clear_state) {
    MessageWriter w(MessageType::detections);
    w.increasing(std::vector<std::uint64_t>{1, 300, 70000});
    Message m = w.take();
    m.payload.pop_back();  // the last varint loses its final byte
    MessageReader r(m, MessageType::detections);
    try {
        (void)r.increasing();
        ADD_FAILURE() << "a truncated increasing vector was read";
    } catch (const ChannelError& e) {
        EXPECT_NE(std::string(e.what()).find("ends inside value 2"), std::string::npos) << e.what();
    }

    MessageWriter failed(MessageType::detections);
    failed.u8(9);
    EXPECT_THROW(failed.increasing(std::vector<std::uint64_t>{5, 6, 6}), Error);
    EXPECT_EQ(failed.take().payload, std::vector<std::uint8_t>{9});  // nothing half-written
}

TEST(message_codec, packed_small_values_take_their_bits_only) {
    std::vector<std::uint8_t> two_bits(13), four_bits(7), one_bit(9);
    for (std::size_t i = 0; i < two_bits.size(); ++i) two_bits[i] = static_cast<std::uint8_t>(i * 7 % 4);
    for (std::size_t i = 0; i < four_bits.size(); ++i) four_bits[i] = static_cast<std::uint8_t>(i * 5 % 16);
    for (std::size_t i = 0; i < one_bit.size(); ++i) one_bit[i] = static_cast<std::uint8_t>(i % 3 == 0);
    MessageWriter w(MessageType::settings);
    w.packed(two_bits, 2).packed(four_bits, 4).packed(one_bit, 1).packed({}, 2);
    const Message m = w.take();
    EXPECT_EQ(m.payload.size(), 4 * 8 + 4 + 4 + 2);  // ceil(13 / 4), ceil(7 / 2), ceil(9 / 8)
    EXPECT_EQ(m.payload[8], 0 | 3 << 2 | 2 << 4 | 1 << 6);  // values 0, 3, 2, 1, low bits first
    MessageReader r(m, MessageType::settings);
    EXPECT_EQ(r.packed(2), two_bits);
    EXPECT_EQ(r.packed(4), four_bits);
    EXPECT_EQ(r.packed(1), one_bit);
    EXPECT_TRUE(r.packed(2).empty());
    r.finish();

    MessageWriter too_wide(MessageType::settings);
    EXPECT_THROW(too_wide.packed(std::vector<std::uint8_t>{1, 4}, 2), Error);
    EXPECT_TRUE(too_wide.take().payload.empty());
    EXPECT_THROW(MessageWriter(MessageType::settings).packed(two_bits, 3), Error);

    // Bits set past the last value, and a count larger than the bytes left.
    MessageWriter tail(MessageType::settings);
    tail.packed(std::vector<std::uint8_t>{1}, 2);
    Message dirty = tail.take();
    dirty.payload.back() |= 0x40;
    MessageReader dirty_reader(dirty, MessageType::settings);
    EXPECT_THROW((void)dirty_reader.packed(2), ChannelError);
    Message overlong = dirty;
    overlong.payload[0] = 9;  // 9 two-bit values need 3 bytes, 1 is left
    MessageReader overlong_reader(overlong, MessageType::settings);
    EXPECT_THROW((void)overlong_reader.packed(2), ChannelError);
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
