#include "qkdlab/qkd/key_block.h"

#include <array>
#include <random>

namespace qkdlab::qkd {

std::string new_key_id() {
    std::random_device device;
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < bytes.size(); i += 4) {
        const std::uint32_t word = device();
        for (std::size_t j = 0; j < 4; ++j) bytes[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
    }
    bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0fu) | 0x40u);  // version 4
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3fu) | 0x80u);  // variant 10
    static constexpr char HEX[] = "0123456789abcdef";
    std::string id;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) id += '-';
        id += HEX[bytes[i] >> 4];
        id += HEX[bytes[i] & 0xfu];
    }
    return id;
}

}  // namespace qkdlab::qkd
