#pragma once
// Sifting: from the raw records of a link run to each party's sifted key, using only that party's
// own bits and what both announce over the classical channel (docs/postprocessing.md, "Sifting").
//
// The raw records (raw_records.h) hold both sides at once; `announcement` takes their public part
// (which pulses Bob detected, each side's setting, Alice's intensity) and `raw_bits` one party's
// private bits. `sift` sees only those two, so Alice and Bob each call it on their own half and get
// keys whose bit i comes from the same pulse on both sides.
//
// Which detections make the key (the rest of the matching-setting detections are kept whole for
// estimation, the "test" bits; detections of non-matching settings are discarded):
//   decoy_bb84  key: Z basis (setting 0 on both sides), every intensity; test: X basis, every intensity.
//               The finite-key analysis of Lim, Curty, Walenta, Xu and Zbinden, PRA 89, 022307 (2014)
//               (finite_key.h) extracts the key from the Z detections of all intensities (n_Z =
//               sum_k n_{Z,k}, bounded per intensity by the decoy method) and estimates the phase error
//               from the X detections (n_{X,k}, m_{X,k}), which are therefore disclosed.
//   bb84        key: Z basis of the signal intensity (index 0); test: its X basis. Without decoys
//               (GLLP) the other intensities are sent but unused: discarded.
//   bbm92       key: Z basis; test: X basis (the phase error of the Z key, Ma, Fung and Lo 2007).
//   e91         key: the matching settings (Alice 1, Bob 0) = (22.5, 22.5) degrees and (Alice 2, Bob 1)
//               = (45, 45); test: the CHSH settings, Alice {0, 2} x Bob {0, 2} (raw_records.h).
// Keeping a fixed key basis (rather than both) keeps the bit errors (reconciliation) and the phase
// errors (privacy amplification) in different, independently sampled sets, as the finite-key proofs
// require, and with a biased basis choice (z_basis_probability near 1) it costs almost nothing.

#include <cstdint>
#include <span>
#include <vector>

#include "qkdlab/core/bit_vector.h"
#include "qkdlab/qkd/link.h"
#include "qkdlab/qkd/raw_records.h"

namespace qkdlab::qkd {

enum class Party { alice, bob };

// One detection's public settings, packed as in DetectionTag: bits 0-1 Alice's intensity index,
// bits 2-3 Alice's setting, bits 4-5 Bob's setting.
inline constexpr std::uint8_t pack_settings(unsigned intensity, unsigned alice_setting, unsigned bob_setting) {
    return static_cast<std::uint8_t>(intensity | alice_setting << 2 | bob_setting << 4);
}
inline constexpr unsigned settings_intensity(std::uint8_t settings) { return settings & 3u; }
inline constexpr unsigned settings_alice(std::uint8_t settings) { return settings >> 2 & 3u; }
inline constexpr unsigned settings_bob(std::uint8_t settings) { return settings >> 4 & 3u; }

// What the parties announce: Bob the pulses he detected (an entangled source: the coincidences,
// matched by time tag) and his setting for each; Alice her setting and intensity for those pulses and
// how many pulses she sent at each intensity. Public. The pulse indices are a view of storage the
// caller keeps (the records, or the decoded message): at 1.7e7 detections per emulated second they
// are 136 MB, not worth a copy.
struct SiftingAnnouncement {
    Protocol protocol = Protocol::bb84;
    std::vector<std::uint64_t> pulses_per_intensity;
    std::span<const std::uint64_t> pulse_index;  // one per detection, as in the raw records
    std::vector<std::uint8_t> settings;          // one per detection, pack_settings
};

// The public part of the raw records (pulse_index views records.pulse_index).
SiftingAnnouncement announcement(const RawRecords& records);
// One party's private raw bits, one per detection in record order.
core::BitVector raw_bits(const RawRecords& records, Party party);

// Counts of a sifting, per intensity index (one entry without intensities).
struct SiftCounts {
    std::uint64_t detections = 0;
    std::uint64_t discarded = 0;  // detections in neither the key nor the test set
    std::vector<std::uint64_t> pulses_per_intensity;
    std::vector<std::uint64_t> key_per_intensity;   // n_{Z,k} (E91: key settings)
    std::vector<std::uint64_t> test_per_intensity;  // n_{X,k} (E91: CHSH settings)
};

// One party's sifted bits. Bit i of `key` (and of `test`) comes from the same pulse on both sides.
struct SiftedKey {
    Protocol protocol = Protocol::bb84;
    core::BitVector key;
    std::vector<std::uint64_t> key_pulse_index;
    // Disclosed whole for estimation, with each bit's public settings (pack_settings).
    core::BitVector test;
    std::vector<std::uint64_t> test_pulse_index;
    std::vector<std::uint8_t> test_settings;
    SiftCounts counts;
};

// Sifts one party's raw bits (raw_bits(records, party)) with the announcement, in one pass. Throws
// Error if the sizes disagree or a setting or intensity index is out of range for the protocol.
SiftedKey sift(const SiftingAnnouncement& announced, const core::BitVector& own_raw_bits);

}  // namespace qkdlab::qkd
