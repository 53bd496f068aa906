#pragma once
// Test support shared by the classical channel and authentication tests: messages with a known
// payload, and a check of an exception's type and message.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "qkdlab/qkd/classical_channel.h"

namespace qkdlab::qkd::testing {

// A message of `bytes` payload bytes that depend on the position and the seed.
inline Message make_message(MessageType type, std::size_t bytes, std::uint8_t seed) {
    Message message{type, std::vector<std::uint8_t>(bytes)};
    for (std::size_t i = 0; i < bytes; ++i) message.payload[i] = static_cast<std::uint8_t>(seed + i * 31 + (i >> 8));
    return message;
}

// Expects `call` to throw an E whose message contains `part`.
template <typename E, typename Call>
void expect_throw_containing(Call call, const std::string& part) {
    try {
        call();
        ADD_FAILURE() << "nothing thrown (expected a message containing \"" << part << "\")";
    } catch (const E& error) {
        EXPECT_NE(std::string(error.what()).find(part), std::string::npos) << error.what();
    }
}

}  // namespace qkdlab::qkd::testing
