#include "qkdlab/qkd/message_codec.h"

#include <bit>
#include <cstring>
#include <string>

#include "qkdlab/core/error.h"

namespace qkdlab::qkd {
namespace {

template <class T>
void append(std::vector<std::uint8_t>& out, T value) {
    for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

template <class T>
T load(std::span<const std::uint8_t> in) {
    T value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) value |= static_cast<T>(in[i]) << (8 * i);
    return value;
}

}  // namespace

MessageWriter& MessageWriter::u8(std::uint8_t value) {
    message_.payload.push_back(value);
    return *this;
}
MessageWriter& MessageWriter::u32(std::uint32_t value) {
    append(message_.payload, value);
    return *this;
}
MessageWriter& MessageWriter::u64(std::uint64_t value) {
    append(message_.payload, value);
    return *this;
}
MessageWriter& MessageWriter::f64(double value) { return u64(std::bit_cast<std::uint64_t>(value)); }
MessageWriter& MessageWriter::bits(const core::BitVector& value) {
    u64(value.size());
    message_.payload.reserve(message_.payload.size() + 8 * value.words().size());
    for (core::BitVector::Word word : value.words()) append(message_.payload, word);
    return *this;
}
MessageWriter& MessageWriter::u64s(std::span<const std::uint64_t> values) {
    u64(values.size());
    message_.payload.reserve(message_.payload.size() + 8 * values.size());
    for (std::uint64_t value : values) append(message_.payload, value);
    return *this;
}
MessageWriter& MessageWriter::bytes(std::span<const std::uint8_t> values) {
    u64(values.size());
    message_.payload.insert(message_.payload.end(), values.begin(), values.end());
    return *this;
}

MessageWriter& MessageWriter::increasing(std::span<const std::uint64_t> values) {
    u64(values.size());
    std::uint64_t previous = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0 && values[i] <= previous) {
            throw Error("MessageWriter::increasing: value " + std::to_string(i) + " is not above the one before");
        }
        std::uint64_t delta = values[i] - previous;
        previous = values[i];
        for (; delta >= 0x80; delta >>= 7) message_.payload.push_back(static_cast<std::uint8_t>(delta | 0x80));
        message_.payload.push_back(static_cast<std::uint8_t>(delta));
    }
    return *this;
}

MessageReader::MessageReader(const Message& message, MessageType expected) : message_(message) {
    if (message.type != expected) {
        throw ChannelError("expected a " + to_string(expected) + " message, got " + to_string(message.type));
    }
}

std::span<const std::uint8_t> MessageReader::take(std::size_t count, const char* field) {
    const std::size_t left = message_.payload.size() - position_;
    if (count > left) {
        throw ChannelError("malformed " + to_string(message_.type) + " message: " + field + " needs " +
                           std::to_string(count) + " bytes at offset " + std::to_string(position_) + ", " +
                           std::to_string(left) + " left");
    }
    const std::span<const std::uint8_t> out(message_.payload.data() + position_, count);
    position_ += count;
    return out;
}

std::size_t MessageReader::length(std::size_t element_bytes, const char* field) {
    const std::uint64_t count = u64();
    const std::size_t left = message_.payload.size() - position_;
    if (count > left / element_bytes) {
        throw ChannelError("malformed " + to_string(message_.type) + " message: " + field + " claims " +
                           std::to_string(count) + " elements of " + std::to_string(element_bytes) + " bytes, " +
                           std::to_string(left) + " bytes left");
    }
    return static_cast<std::size_t>(count);
}

std::uint8_t MessageReader::u8() { return take(1, "a u8")[0]; }
std::uint32_t MessageReader::u32() { return load<std::uint32_t>(take(4, "a u32")); }
std::uint64_t MessageReader::u64() { return load<std::uint64_t>(take(8, "a u64")); }
double MessageReader::f64() { return std::bit_cast<double>(u64()); }

core::BitVector MessageReader::bits() {
    const std::uint64_t size = u64();
    const std::size_t left = message_.payload.size() - position_;
    if (size > 8 * left) {
        throw ChannelError("malformed " + to_string(message_.type) + " message: a bit vector claims " +
                           std::to_string(size) + " bits, " + std::to_string(left) + " bytes left");
    }
    const std::size_t words = core::BitVector::words_for(static_cast<std::size_t>(size));
    const std::span<const std::uint8_t> in = take(8 * words, "a bit vector");
    std::vector<core::BitVector::Word> packed(words);
    for (std::size_t w = 0; w < words; ++w) packed[w] = load<std::uint64_t>(in.subspan(8 * w, 8));
    core::BitVector out(packed, static_cast<std::size_t>(size));
    if (words > 0 && out.words().back() != packed.back()) {
        throw ChannelError("malformed " + to_string(message_.type) +
                           " message: a bit vector has bits set past its end");
    }
    return out;
}

std::vector<std::uint64_t> MessageReader::u64s() {
    const std::size_t count = length(8, "a u64 vector");
    const std::span<const std::uint8_t> in = take(8 * count, "a u64 vector");
    std::vector<std::uint64_t> out(count);
    for (std::size_t i = 0; i < count; ++i) out[i] = load<std::uint64_t>(in.subspan(8 * i, 8));
    return out;
}

std::vector<std::uint8_t> MessageReader::bytes() {
    const std::size_t count = length(1, "a byte vector");
    const std::span<const std::uint8_t> in = take(count, "a byte vector");
    return {in.begin(), in.end()};
}

std::vector<std::uint64_t> MessageReader::increasing() {
    const std::size_t count = length(1, "an increasing vector");
    std::vector<std::uint64_t> out;
    out.reserve(count);
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        std::uint64_t delta = 0;
        for (unsigned shift = 0;; shift += 7) {
            const std::uint8_t byte = take(1, "an increasing vector")[0];
            if (shift == 63 && byte > 1) {
                throw ChannelError("malformed " + to_string(message_.type) + " message: a varint beyond 64 bits");
            }
            delta |= std::uint64_t{byte & 0x7fu} << shift;
            if ((byte & 0x80u) == 0) break;
        }
        if ((i > 0 && delta == 0) || value + delta < value) {
            throw ChannelError("malformed " + to_string(message_.type) + " message: value " + std::to_string(i) +
                               " of an increasing vector does not increase");
        }
        value += delta;
        out.push_back(value);
    }
    return out;
}

void MessageReader::finish() const {
    if (position_ != message_.payload.size()) {
        throw ChannelError("malformed " + to_string(message_.type) +
                           " message: " + std::to_string(message_.payload.size() - position_) + " bytes left over");
    }
}

}  // namespace qkdlab::qkd
