#pragma once
// The fast emulator: exact photon-number statistics per pulse (Poisson for phase-randomised weak
// coherent pulses, two thermal modes for an SPDC pair source), with geometric skipping over the
// pulses that do not click, so that the cost grows with detections, not with pulses. Dead time and
// afterpulses follow the click that causes them; double clicks are squashed to a random bit.

#include <cstdint>

#include "qkdlab/qkd/emulation.h"

namespace qkdlab::qkd {

RawRecords emulate_photons(const Link& link, std::uint64_t pulses, core::Rng& rng, const Progress& progress = {});

}  // namespace qkdlab::qkd
