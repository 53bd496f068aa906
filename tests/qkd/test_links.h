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

// A short link whose decoy settings suit small finite-key blocks (more decoy and vacuum pulses than
// the preset: p = 0.6 / 0.2 / 0.2, mu = 0.5 / 0.2 / 0): 3e7 pulses give about 3e5 sifted bits and a
// positive Lim et al. key at 1% QBER.
inline Link finite_key_link(double length_km = 5) {
    Link link = decoy_link(length_km);
    link.source.intensities[0].probability = 0.6;
    link.source.intensities[1].probability = 0.2;
    link.source.intensities[1].mean_photon_number = 0.2;
    link.source.intensities[2].probability = 0.2;
    return link;
}

}  // namespace qkdlab::qkd::testing
