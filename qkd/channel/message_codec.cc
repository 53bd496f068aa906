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

void check_packed_width(unsigned bits_per_value) {
    if (bits_per_value != 1 && bits_per_value != 2 && bits_per_value != 4) {
        throw Error("packed message fields take 1, 2 or 4 bits per value, not " + std::to_string(bits_per_value));
    }
}

// Calls f.template operator()<BITS>() with bits_per_value (1, 2 or 4) as a constant, so that the
// packing loops below divide by constants.
template <class F>
void with_packed_width(unsigned bits_per_value, F&& f) {
    switch (bits_per_value) {
        case 1: f.template operator()<1>(); break;
        case 2: f.template operator()<2>(); break;
        default: f.template operator()<4>(); break;
    }
}

template <unsigned BITS>
void pack(std::span<const std::uint8_t> values, std::uint8_t* out) {
    constexpr unsigned PER_BYTE = 8 / BITS;
    const std::size_t whole = values.size() / PER_BYTE;
    for (std::size_t b = 0; b < whole; ++b) {
        unsigned byte = 0;
        for (unsigned j = 0; j < PER_BYTE; ++j) byte |= unsigned{values[b * PER_BYTE + j]} << (j * BITS);
        out[b] = static_cast<std::uint8_t>(byte);
    }
    unsigned byte = 0;
    for (std::size_t i = whole * PER_BYTE; i < values.size(); ++i) byte |= unsigned{values[i]} << (i % PER_BYTE * BITS);
    if (values.size() % PER_BYTE != 0) out[whole] = static_cast<std::uint8_t>(byte);
}

template <unsigned BITS>
void unpack(std::span<const std::uint8_t> in, std::span<std::uint8_t> values) {
    constexpr unsigned PER_BYTE = 8 / BITS, MASK = (1u << BITS) - 1;
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = static_cast<std::uint8_t>(in[i / PER_BYTE] >> (i % PER_BYTE * BITS) & MASK);
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
    // Checked and sized first, then written through a raw pointer: a push_back per byte costs more
    // than the encoding itself.
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0 && values[i] <= values[i - 1]) {
            throw Error("MessageWriter::increasing: value " + std::to_string(i) + " is not above the one before");
        }
        const std::uint64_t delta = values[i] - (i > 0 ? values[i - 1] : 0);
        bytes += 1 + (std::bit_width(delta) - (delta != 0)) / 7;
    }
    u64(values.size());
    std::vector<std::uint8_t>& payload = message_.payload;
    const std::size_t start = payload.size();
    payload.resize(start + bytes);
    std::uint8_t* out = payload.data() + start;
    std::uint64_t previous = 0;
    for (const std::uint64_t value : values) {
        std::uint64_t delta = value - previous;
        previous = value;
        for (; delta >= 0x80; delta >>= 7) *out++ = static_cast<std::uint8_t>(delta | 0x80);
        *out++ = static_cast<std::uint8_t>(delta);
    }
    return *this;
}

MessageWriter& MessageWriter::packed(std::span<const std::uint8_t> values, unsigned bits_per_value) {
    check_packed_width(bits_per_value);
    const unsigned limit = 1u << bits_per_value;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (values[i] >= limit) {
            throw Error("MessageWriter::packed: value " + std::to_string(i) + " is " + std::to_string(values[i]) +
                        ", which does not fit " + std::to_string(bits_per_value) + " bits");
        }
    }
    u64(values.size());
    std::vector<std::uint8_t>& payload = message_.payload;
    const std::size_t start = payload.size();
    const unsigned per_byte = 8 / bits_per_value;
    payload.resize(start + (values.size() + per_byte - 1) / per_byte);
    with_packed_width(bits_per_value, [&]<unsigned BITS>() { pack<BITS>(values, payload.data() + start); });
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
    std::vector<std::uint64_t> out(count);
    const std::uint8_t* const begin = message_.payload.data();
    const std::uint8_t* in = begin + position_;
    const std::uint8_t* const end = begin + message_.payload.size();
    const auto malformed = [&](const std::string& what) {
        return ChannelError("malformed " + to_string(message_.type) + " message: " + what);
    };
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        std::uint64_t delta = 0;
        for (unsigned shift = 0;; shift += 7) {
            if (in == end) {
                throw malformed("the payload ends inside value " + std::to_string(i) + " of an increasing vector of " +
                                std::to_string(count));
            }
            const std::uint8_t byte = *in++;
            if (shift == 63 && byte > 1) throw malformed("a varint beyond 64 bits");
            delta |= std::uint64_t{byte & 0x7fu} << shift;
            if ((byte & 0x80u) == 0) break;
        }
        if ((i > 0 && delta == 0) || value + delta < value) {
            throw malformed("value " + std::to_string(i) + " of an increasing vector does not increase");
        }
        value += delta;
        out[i] = value;
    }
    position_ = static_cast<std::size_t>(in - begin);
    return out;
}

std::vector<std::uint8_t> MessageReader::packed(unsigned bits_per_value) {
    check_packed_width(bits_per_value);
    const unsigned per_byte = 8 / bits_per_value;
    const std::uint64_t count = u64();
    const std::size_t left = message_.payload.size() - position_;
    if (count > std::uint64_t{left} * per_byte) {
        throw ChannelError("malformed " + to_string(message_.type) + " message: a packed vector claims " +
                           std::to_string(count) + " values of " + std::to_string(bits_per_value) + " bits, " +
                           std::to_string(left) + " bytes left");
    }
    const auto n = static_cast<std::size_t>(count);
    const std::span<const std::uint8_t> in = take((n + per_byte - 1) / per_byte, "a packed vector");
    if (n % per_byte != 0 && (in.back() >> (n % per_byte * bits_per_value)) != 0) {
        throw ChannelError("malformed " + to_string(message_.type) +
                           " message: a packed vector has bits set past its end");
    }
    std::vector<std::uint8_t> out(n);
    with_packed_width(bits_per_value, [&]<unsigned BITS>() { unpack<BITS>(in, out); });
    return out;
}

void MessageReader::finish() const {
    if (position_ != message_.payload.size()) {
        throw ChannelError("malformed " + to_string(message_.type) +
                           " message: " + std::to_string(message_.payload.size() - position_) + " bytes left over");
    }
}

}  // namespace qkdlab::qkd
