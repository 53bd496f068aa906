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

// Fills a BitVector of known size from its first bit on, a word at a time, without a branch on
// whether each candidate bit is taken.
class BitAppender {
  public:
    explicit BitAppender(core::BitVector& bits) : words_(bits.words()) {}
    std::size_t size() const { return size_; }
    // Appends `bit` (0 or 1) if `take` is 1.
    void append_if(core::BitVector::Word bit, std::size_t take) {
        word_ |= (bit & take) << (size_ % core::BitVector::WORD_BITS);
        size_ += take;
        if (take & (size_ % core::BitVector::WORD_BITS == 0)) {
            words_[size_ / core::BitVector::WORD_BITS - 1] = word_;
            word_ = 0;
        }
    }
    // Stores the last, partial word.
    void finish() {
        if (size_ % core::BitVector::WORD_BITS != 0) words_.back() = word_;
    }

  private:
    std::span<core::BitVector::Word> words_;
    core::BitVector::Word word_ = 0;
    std::size_t size_ = 0;
};

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

    // Counted first, from a histogram of the settings bytes, so that every output is allocated once
    // at its size and the pass below runs without a branch on the (random) use of each detection.
    std::array<std::uint64_t, 256> histogram{};
    for (const std::uint8_t settings : announced.settings) ++histogram[settings];
    SiftedKey out;
    out.protocol = announced.protocol;
    SiftCounts& counts = out.counts;
    counts.detections = n;
    counts.pulses_per_intensity = announced.pulses_per_intensity;
    counts.key_per_intensity.assign(intensities, 0);
    counts.test_per_intensity.assign(intensities, 0);
    for (unsigned settings = 0; settings < 256; ++settings) {
        if (histogram[settings] == 0) continue;
        const unsigned k = settings_intensity(static_cast<std::uint8_t>(settings));
        switch (table[settings]) {
            case Use::key: counts.key_per_intensity[k] += histogram[settings]; break;
            case Use::test: counts.test_per_intensity[k] += histogram[settings]; break;
            case Use::discard: counts.discarded += histogram[settings]; break;
            case Use::invalid: {
                std::size_t i = 0;
                while (table[announced.settings[i]] != Use::invalid) ++i;
                const std::uint8_t bad = announced.settings[i];
                throw Error("sift: detection " + std::to_string(i) + " has settings byte " + std::to_string(bad) +
                            " (intensity " + std::to_string(settings_intensity(bad)) + ", settings " +
                            std::to_string(settings_alice(bad)) + " and " + std::to_string(settings_bob(bad)) +
                            "), out of range for " + to_string(announced.protocol) + " with " +
                            std::to_string(intensities) + " intensities");
            }
        }
    }
    std::uint64_t key_bits = 0, test_bits = 0;
    for (std::size_t k = 0; k < intensities; ++k) {
        key_bits += counts.key_per_intensity[k];
        test_bits += counts.test_per_intensity[k];
    }

    // Every detection is written to both outputs' next slot and each cursor advances only if the
    // detection belongs there (one slot of slack each, trimmed after).
    out.key_pulse_index.resize(key_bits + 1);
    out.test_pulse_index.resize(test_bits + 1);
    out.test_settings.resize(test_bits + 1);
    out.key = core::BitVector(key_bits);
    out.test = core::BitVector(test_bits);
    const std::span<const core::BitVector::Word> raw = own_raw_bits.words();
    BitAppender key(out.key), test(out.test);
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t settings = announced.settings[i];
        const Use use = table[settings];
        const std::size_t is_key = use == Use::key, is_test = use == Use::test;
        const core::BitVector::Word bit = raw[i / core::BitVector::WORD_BITS] >> (i % core::BitVector::WORD_BITS) & 1u;
        out.key_pulse_index[key.size()] = announced.pulse_index[i];
        out.test_pulse_index[test.size()] = announced.pulse_index[i];
        out.test_settings[test.size()] = settings;
        key.append_if(bit, is_key);
        test.append_if(bit, is_test);
    }
    key.finish();
    test.finish();
    out.key_pulse_index.pop_back();
    out.test_pulse_index.pop_back();
    out.test_settings.pop_back();
    return out;
}

}  // namespace qkdlab::qkd
