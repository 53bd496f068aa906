#pragma once
// The parameters of a fibre link and its detection that the analytic key rates use, named with
// their units. The defaults are those of the GYS experiment (Gobby, Yuan and Shields, Appl. Phys.
// Lett. 84, 3762 (2004)) as used by Ma, Qi, Zhao and Lo (2005), table I.

namespace qkdlab::qkd {

struct LinkParameters {
    double length_km = 0;
    double loss_db_per_km = 0.21;
    double extra_loss_db = 0;                   // connectors, Bob's optics before the detector
    double detector_efficiency = 0.045;         // eta_Bob, including Bob's internal loss
    double dark_count_probability = 1.7e-6;     // Y0, per gate
    double misalignment = 0.033;                // e_d, probability that a photon hits the wrong detector
    double error_correction_efficiency = 1.22;  // f >= 1
    double sifting_factor = 0.5;                // q: 1/2 for BB84 with balanced basis choice
};

// Throws qkdlab::Error naming the field if a parameter is out of its range.
void check(const LinkParameters& link);

}  // namespace qkdlab::qkd
