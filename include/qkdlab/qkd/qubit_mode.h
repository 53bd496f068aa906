#pragma once
// The faithful emulator: every photon is a qsim qubit (its polarisation); the channel's misalignment
// is a depolarising Kraus channel applied by trajectories, loss removes photons, eavesdroppers
// measure and prepare states as real attacks would, and the detectors measure each photon in their
// basis. An n-pair SPDC emission is the symmetric state sum_m |D(n,m)>|D(n,m)> / sqrt(n + 1) of 2n
// qubits (Dicke states), exactly the photon statistics of two thermal modes. Slow (every pulse is
// simulated); the same records as photon mode, in distribution, bosonic bunching of multi-pair
// photons included (|1 H, 1 V> at 45 degrees never double-clicks; detection_model.h is exact for it).

#include <cstdint>

#include "qkdlab/qkd/emulation.h"

namespace qkdlab::qkd {

RawRecords emulate_qubits(const Link& link, std::uint64_t pulses, core::Rng& rng, const Progress& progress = {});

}  // namespace qkdlab::qkd
