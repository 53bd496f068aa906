#pragma once
// The raw records of a link run: what Alice and Bob hold before sifting. Both emulators (photon and
// qubit mode) write this same value; estimation and post-processing read it.
//
// Only the pulses that produced a detection are stored (for an entangled source, a coincidence:
// both sides clicked), one packed 16-bit tag and the pulse index each, so memory grows with
// detections, not with pulses. Pulses without a detection are only counted, per intensity.
//
// Settings: BB84 and BBM92 use 0 = Z (analyser at 0 degrees) and 1 = X (45 degrees). E91 uses
// three polarisation analyser angles per side, E91_ALICE_DEGREES and E91_BOB_DEGREES: the key comes
// from the matching pairs (22.5, 22.5) and (45, 45); CHSH from Alice's {0, 45} and Bob's
// {22.5, 67.5}. An outcome (bit) is 0 for the photon passing the analyser's angle and 1 for the
// orthogonal one. The entangled source emits |Phi+> = (|HH> + |VV>) / sqrt 2 per pair, so equal
// angles give equal bits and the correlation is E(a, b) = cos 2(a - b).

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "qkdlab/qkd/link.h"

namespace qkdlab::qkd {

inline constexpr std::array<double, 3> E91_ALICE_DEGREES = {0.0, 22.5, 45.0};
inline constexpr std::array<double, 3> E91_BOB_DEGREES = {22.5, 45.0, 67.5};

// One detection, packed:
//   bits 0-1  intensity index (into Link::source.intensities; 0 without intensities)
//   bits 2-3  Alice's setting (basis)    bits 4-5  Bob's setting (basis)
//   bit 6     Alice's bit                bit 7     Bob's bit
//   bit 8     Bob's outcome came from a double click, squashed to a random bit (with an entangled
//             source: either side)
//   bit 9     Eve learnt Alice's bit for this pulse if the bases are announced (ground truth the
//             parties never see; for the emulator's report only)
class DetectionTag {
  public:
    DetectionTag() = default;
    DetectionTag(unsigned intensity, unsigned alice_setting, unsigned bob_setting, bool alice_bit, bool bob_bit,
                 bool double_click, bool eve_knows)
        : bits_(static_cast<std::uint16_t>(intensity | alice_setting << 2 | bob_setting << 4 | alice_bit << 6 |
                                           bob_bit << 7 | double_click << 8 | eve_knows << 9)) {}

    unsigned intensity() const { return bits_ & 3u; }
    unsigned alice_setting() const { return bits_ >> 2 & 3u; }
    unsigned bob_setting() const { return bits_ >> 4 & 3u; }
    bool alice_bit() const { return bits_ >> 6 & 1u; }
    bool bob_bit() const { return bits_ >> 7 & 1u; }
    bool double_click() const { return bits_ >> 8 & 1u; }
    bool eve_knows() const { return bits_ >> 9 & 1u; }
    std::uint16_t bits() const { return bits_; }

    friend bool operator==(DetectionTag, DetectionTag) = default;

  private:
    std::uint16_t bits_ = 0;
};

struct RawRecords {
    Protocol protocol = Protocol::bb84;
    std::uint64_t pulses = 0;  // pulses emulated
    // Pulses sent per intensity (one entry, all pulses, without intensities).
    std::vector<std::uint64_t> pulses_per_intensity;
    // Pulses with at least one click on each side, counted before any coincidence (prepare and
    // measure: alice_clicks stays 0 and bob_clicks equals the number of detections).
    std::uint64_t alice_clicks = 0;
    std::uint64_t bob_clicks = 0;
    // Pulses lost to the receivers' dead time (pulses during which a receiver was blanked).
    std::uint64_t dead_pulses = 0;
    std::vector<std::uint64_t> pulse_index;  // one per detection, strictly increasing
    std::vector<DetectionTag> tags;          // one per detection

    std::size_t detections() const { return tags.size(); }
    void add(std::uint64_t pulse, DetectionTag tag) {
        pulse_index.push_back(pulse);
        tags.push_back(tag);
    }
    // The heap memory of the per-detection records.
    std::size_t record_bytes() const {
        return pulse_index.capacity() * sizeof(std::uint64_t) + tags.capacity() * sizeof(DetectionTag);
    }
};

}  // namespace qkdlab::qkd
