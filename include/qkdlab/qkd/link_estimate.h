#pragma once
// What Alice and Bob estimate from the raw records of a run after announcing bases, intensities
// and a sample of bits (here: all sifted bits, the asymptotic case): gains and QBERs per intensity
// with their standard errors, the decoy bounds on Y1 and e1 from the measured values (MQZL 2005),
// the key rate (GLLP, BBM92 or the E91 rate from S), and whether an attack shows: a gain or QBER
// more than 4 sigma from what the calibrated link without Eve would give, or E91's S more than 4 sigma
// below it. (A key rate of 0 is reported, not alarmed: a short run of a long link gives none either.)

#include <cstdint>
#include <string>
#include <vector>

#include "qkdlab/qkd/key_rate.h"
#include "qkdlab/qkd/link.h"
#include "qkdlab/qkd/raw_records.h"

namespace qkdlab::qkd {

struct IntensityEstimate {
    std::string name;
    double mean_photon_number = 0;
    std::uint64_t pulses = 0;
    std::uint64_t detections = 0;
    std::uint64_t sifted = 0;  // detections with matching settings
    std::uint64_t errors = 0;  // sifted detections where Alice's and Bob's bits differ
    double gain = 0, gain_sigma = 0;
    double qber = 0, qber_sigma = 0;
    double expected_gain = 0, expected_qber = 0;  // the link without Eve (detection_model.h)
};

struct LinkEstimate {
    // Prepare and measure: one per intensity; entangled: one, for coincidences.
    std::vector<IntensityEstimate> intensities;
    double gain = 0;                // of the signal (entangled: coincidences per pulse)
    double qber = 0;                // of the signal's sifted bits (E91: of the key settings)
    std::uint64_t sifted_bits = 0;  // of the signal (E91: key settings)
    bool has_decoy_bounds = false;
    DecoyBounds decoy;                // Y1^L, e1^U from the measured gains and QBERs
    double chsh = 0, chsh_sigma = 0;  // E91 only
    double key_rate_per_pulse = 0;    // secret bits per pulse sent, >= 0
    double key_rate_sigma = 0;        // its standard error, propagated from the gains and QBERs
    double key_rate_bps = 0;
    double eve_known_fraction = 0;  // share of the signal's sifted bits Eve learnt (ground truth)
    bool attack_detected = false;
    std::vector<std::string> alarms;  // one line per reason, empty if none
};

LinkEstimate estimate_link(const Link& link, const RawRecords& records);

// What estimate_link converges to as a run grows: the same formulas on the exact expectation of the
// link (detection_model.h: dead time, afterpulses and the configured Eve included) instead of
// measured values. The curve that emulated points are drawn over.
struct ExpectedRate {
    double key_rate_per_pulse = 0;
    double gain = 0;  // of the signal (entangled: coincidences per pulse)
    double qber = 0;  // of the signal's sifted bits (E91: of the key settings)
    bool has_decoy_bounds = false;
    DecoyBounds decoy;
};
ExpectedRate expected_rate(const Link& link);

}  // namespace qkdlab::qkd
