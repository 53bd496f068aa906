#pragma once
// The exact expected statistics of a link, in closed form, from the same photon-number model that
// the emulators sample: Poisson photon numbers, per-photon transmittance, misalignment e_d per
// detected photon, dark counts per detector, double clicks squashed to a random bit, the common
// dead time and afterpulses as a renewal process, and the configured eavesdropper. The emulators'
// tests compare with these within 4 sigma; the MQZL formulas of key_rate.h are their first-order
// approximation.

#include <vector>

#include "qkdlab/qkd/link.h"

namespace qkdlab::qkd {

struct ExpectedIntensity {
    double gain = 0;          // detections per pulse sent at this intensity
    double qber = 0;          // errors among the detections with matching settings
    double double_click = 0;  // double clicks per pulse sent at this intensity
};

struct ExpectedStatistics {
    // Prepare and measure: one entry per intensity (one for a single-photon source). Entangled
    // source: one entry, for coincidences (gain = coincidences per pulse, qber over the key settings).
    std::vector<ExpectedIntensity> intensities;
    double alice_click_probability = 0;  // entangled: per pulse
    double bob_click_probability = 0;    // per pulse (prepare and measure: all intensities together)
    double dead_fraction = 0;            // the share of pulses that find a receiver blanked
    // E91: the correlation E(a, b) for each setting pair [alice][bob] among coincidences, and the
    // CHSH value S = E(0, 22.5) - E(0, 67.5) + E(45, 22.5) + E(45, 67.5).
    double correlation[3][3] = {};
    double chsh = 0;
};

ExpectedStatistics expected_statistics(const Link& link);

}  // namespace qkdlab::qkd
