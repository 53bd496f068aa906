#pragma once
// The payload layout of classical-channel messages: a MessageWriter appends little-endian fields, a
// MessageReader reads them back in the same order and checks every length against the bytes left,
// so a short, long or garbled payload throws ChannelError naming the message type and the field
// instead of reading past the end or allocating what a length field claims.
//
// Fields: u8, u32, u64 and f64 (IEEE 754 binary64) little-endian; a bit vector as its length in
// bits (u64) and then its 64-bit words; a vector of u64 or of u8 as its length (u64) and then the
// elements; a strictly increasing vector of u64 (pulse indices) as its length (u64) and then the
// first value and each difference to the previous one as LEB128 varints (7 bits a byte, low bits
// first): a byte or two per detection instead of eight; a vector of small values (settings) as its
// length (u64) and then the values packed 1, 2 or 4 bits each, low bits first, the unused high bits of
// the last byte zero.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "qkdlab/core/bit_vector.h"
#include "qkdlab/qkd/classical_channel.h"

namespace qkdlab::qkd {

class MessageWriter {
  public:
    explicit MessageWriter(MessageType type) { message_.type = type; }

    MessageWriter& u8(std::uint8_t value);
    MessageWriter& u32(std::uint32_t value);
    MessageWriter& u64(std::uint64_t value);
    MessageWriter& f64(double value);
    MessageWriter& bits(const core::BitVector& value);
    MessageWriter& u64s(std::span<const std::uint64_t> values);
    MessageWriter& bytes(std::span<const std::uint8_t> values);
    // Throws qkdlab::Error unless `values` is strictly increasing.
    MessageWriter& increasing(std::span<const std::uint64_t> values);
    // bits_per_value 1, 2 or 4; throws qkdlab::Error if a value does not fit (nothing is appended).
    MessageWriter& packed(std::span<const std::uint8_t> values, unsigned bits_per_value);

    // The message; the writer is left empty.
    Message take() { return std::move(message_); }

  private:
    Message message_;
};

class MessageReader {
  public:
    // Throws ChannelError unless message.type is `expected`. The reader keeps a reference to the
    // message, which must outlive it.
    MessageReader(const Message& message, MessageType expected);

    std::uint8_t u8();
    std::uint32_t u32();
    std::uint64_t u64();
    double f64();
    core::BitVector bits();
    std::vector<std::uint64_t> u64s();
    std::vector<std::uint8_t> bytes();
    std::vector<std::uint64_t> increasing();
    // bits_per_value as written (1, 2 or 4).
    std::vector<std::uint8_t> packed(unsigned bits_per_value);
    // Throws ChannelError if bytes are left over.
    void finish() const;

  private:
    std::span<const std::uint8_t> take(std::size_t count, const char* field);
    std::size_t length(std::size_t element_bytes, const char* field);

    const Message& message_;
    std::size_t position_ = 0;
};

}  // namespace qkdlab::qkd
