#pragma once
// Private to qkd/link: the outcome of one pulse of a link in closed form, shared by the exact
// expectation (detection_model.cc) and the photon-mode emulator (photon_mode.cc), so that both
// describe the same model.
//
// A receiver is, at every gate, in one of three states: live, at its afterpulse gate (the first
// gate after a dead window, when it may click spuriously) or dead (blanked). The pair of states of
// Alice's and Bob's receivers is the regime of the gate (prepare and measure: Alice has no receiver
// and is always "live"). Given the regime, pulses are independent and identically distributed; the
// model lists, per regime, the probability of every outcome of a pulse:
//   - codes 0 .. 1023: a detection (prepare and measure) or a coincidence (entangled source), the
//     code being the DetectionTag's bits (raw_records.h);
//   - ALICE_ONLY, BOB_ONLY: only one side of an entangled link clicked;
//   - NO_EVENT + k: nothing clicked in a pulse of intensity k.
// The emulator skips over the pulses without an event with one geometric draw per event and samples
// the event from these tables; expected_statistics weighs them with the stationary share of each
// regime (gate_occupancy).

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "qkdlab/qkd/link.h"

namespace qkdlab::qkd::detail {

enum class Gate : unsigned { live = 0, afterpulse = 1, dead = 2 };

constexpr std::size_t REGIMES = 9;
constexpr std::size_t regime_index(Gate alice, Gate bob) {
    return 3 * static_cast<std::size_t>(alice) + static_cast<std::size_t>(bob);
}

constexpr std::size_t TAG_CODES = 1024;
constexpr std::size_t ALICE_ONLY = TAG_CODES;
constexpr std::size_t BOB_ONLY = TAG_CODES + 1;
constexpr std::size_t NO_EVENT = TAG_CODES + 2;  // + the intensity index
constexpr std::size_t OUTCOME_CODES = NO_EVENT + MAX_INTENSITIES;

struct PulseModel {
    bool entangled = false;  // two receivers (Alice's and Bob's); otherwise only Bob's
    Protocol protocol = Protocol::decoy_bb84;
    // P(k) per pulse; {1} for a single-photon or entangled source.
    std::vector<double> intensity_probability;
    std::uint64_t dead_gates = 0;  // d: the gates blanked after each click (both receivers)
    bool afterpulses = false;      // afterpulse_probability > 0: the gate after a dead window is special
    // outcome[regime][code]; empty for the regimes that cannot occur (prepare and measure: Alice is
    // always live).
    std::array<std::vector<double>, REGIMES> outcome;
    // Photon-number splitting: the blocking probabilities Eve chose for single-photon pulses and,
    // once those are all blocked, for multi-photon pulses.
    double pns_single_block = 0;
    double pns_multi_block = 0;
};

// Throws Error for a link whose source, protocol and eavesdropper do not fit together (check()
// reports those with their JSON path first).
PulseModel pulse_model(const Link& link);

// The stationary share of pulses in each regime (they sum to 1) and the share with a blanked
// receiver. See detection_model.cc for the derivation.
struct GateOccupancy {
    std::array<double, REGIMES> share{};
    double dead = 0;
};
GateOccupancy gate_occupancy(const PulseModel& model);

// d = ceil(dead_time_ns * clock_hz / 1e9 - 1e-9), the convention of the whole project.
std::uint64_t dead_gates(const Detectors& detectors, double clock_hz);

}  // namespace qkdlab::qkd::detail
