#include "qkdlab/qkd/sifting.h"

#include <array>
#include <string>

#include "qkdlab/core/error.h"

namespace qkdlab::qkd {
namespace {

enum class Use : std::uint8_t { discard, key, test, invalid };

// What each packed settings byte is used for under `protocol` (sifting.h); bits 6-7 must be zero.
std::array<Use, 256> use_table(Protocol protocol, std::size_t intensities) {
    std::array<Use, 256> table;
    table.fill(Use::invalid);
    for (unsigned s = 0; s < 64; ++s) {
        const auto settings = static_cast<std::uint8_t>(s);
        const unsigned k = settings_intensity(settings), a = settings_alice(settings), b = settings_bob(settings);
        const unsigned max_setting = protocol == Protocol::e91 ? 2 : 1;
        Use use = Use::discard;
        if (k >= intensities || a > max_setting || b > max_setting) {
            use = Use::invalid;
        } else if (protocol == Protocol::e91) {
            if ((a == 1 && b == 0) || (a == 2 && b == 1)) use = Use::key;
            if ((a == 0 || a == 2) && (b == 0 || b == 2)) use = Use::test;
        } else if (a == b && (protocol != Protocol::bb84 || k == 0)) {
            use = a == 0 ? Use::key : Use::test;
        }
        table[s] = use;
    }
    return table;
}

}  // namespace

SiftingAnnouncement announcement(const RawRecords& records) {
    SiftingAnnouncement out;
    out.protocol = records.protocol;
    out.pulses_per_intensity = records.pulses_per_intensity;
    out.pulse_index = records.pulse_index;
    out.settings.resize(records.tags.size());
    for (std::size_t i = 0; i < records.tags.size(); ++i)
        out.settings[i] = static_cast<std::uint8_t>(records.tags[i].bits() & 63u);
    return out;
}

core::BitVector raw_bits(const RawRecords& records, Party party) {
    const unsigned shift = party == Party::alice ? 6 : 7;  // DetectionTag: bit 6 Alice's, bit 7 Bob's
    const std::size_t n = records.tags.size();
    core::BitVector bits(n);
    auto words = bits.words();
    for (std::size_t w = 0; w < words.size(); ++w) {
        core::BitVector::Word word = 0;
        const std::size_t begin = w * core::BitVector::WORD_BITS;
        const std::size_t end = std::min(n, begin + core::BitVector::WORD_BITS);
        for (std::size_t i = begin; i < end; ++i)
            word |= core::BitVector::Word{static_cast<unsigned>(records.tags[i].bits() >> shift) & 1u} << (i - begin);
        words[w] = word;
    }
    return bits;
}

SiftedKey sift(const SiftingAnnouncement& announced, const core::BitVector& own_raw_bits) {
    const std::size_t n = announced.settings.size();
    if (announced.pulse_index.size() != n || own_raw_bits.size() != n) {
        throw Error("sift: " + std::to_string(announced.pulse_index.size()) + " pulse indices, " + std::to_string(n) +
                    " settings and " + std::to_string(own_raw_bits.size()) +
                    " raw bits; expected one of each per detection");
    }
    const std::size_t intensities = announced.pulses_per_intensity.size();
    if (intensities == 0 || intensities > MAX_INTENSITIES) {
        throw Error("sift: " + std::to_string(intensities) + " intensities announced; expected 1 to " +
                    std::to_string(MAX_INTENSITIES));
    }
    const std::array<Use, 256> table = use_table(announced.protocol, intensities);

    SiftedKey out;
    out.protocol = announced.protocol;
    SiftCounts& counts = out.counts;
    counts.detections = n;
    counts.pulses_per_intensity = announced.pulses_per_intensity;
    counts.key_per_intensity.assign(intensities, 0);
    counts.test_per_intensity.assign(intensities, 0);
    out.key.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t settings = announced.settings[i];
        switch (table[settings]) {
            case Use::key:
                out.key.push_back(own_raw_bits[i]);
                out.key_pulse_index.push_back(announced.pulse_index[i]);
                ++counts.key_per_intensity[settings_intensity(settings)];
                break;
            case Use::test:
                out.test.push_back(own_raw_bits[i]);
                out.test_pulse_index.push_back(announced.pulse_index[i]);
                out.test_settings.push_back(settings);
                ++counts.test_per_intensity[settings_intensity(settings)];
                break;
            case Use::discard:
                ++counts.discarded;
                break;
            case Use::invalid:
                throw Error("sift: detection " + std::to_string(i) + " has settings byte " + std::to_string(settings) +
                            " (intensity " + std::to_string(settings_intensity(settings)) + ", settings " +
                            std::to_string(settings_alice(settings)) + " and " +
                            std::to_string(settings_bob(settings)) + "), out of range for " +
                            to_string(announced.protocol) + " with " + std::to_string(intensities) + " intensities");
        }
    }
    return out;
}

}  // namespace qkdlab::qkd
