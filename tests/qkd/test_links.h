#pragma once
// Links that several qkd test programs share.

#include "qkdlab/qkd/link.h"

namespace qkdlab::qkd::testing {

// The metro-25km preset (decoy 0.5/0.1/0 with p 0.8/0.15/0.05, efficiency 0.2, 0.2 dB/km, 1 dB extra,
// dark 1e-6, e_d 0.01) at a given length, without dead time and afterpulses.
inline Link decoy_link(double length_km) {
    Link link = link_preset("metro-25km");
    link.channel.length_km = length_km;
    link.detectors.dead_time_ns = 0;
    link.detectors.afterpulse_probability = 0;
    return link;
}

}  // namespace qkdlab::qkd::testing
