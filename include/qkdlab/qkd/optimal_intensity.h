#pragma once
// The signal intensity that maximises a key rate, found with GSL's Brent minimiser on the
// negative rate.

#include <functional>

#include "qkdlab/qkd/link_parameters.h"

namespace qkdlab::qkd {

struct OptimalIntensity {
    double mu = 0;        // the best mean photon number in [low, high]
    double key_rate = 0;  // the rate there (0 if no intensity gives a key)
};

// Maximise rate(link, mu) over mu in [low, high] (0 < low < high); the rate must be unimodal there
// for the answer to be the global maximum, as the GLLP rates are.
OptimalIntensity optimal_intensity(const std::function<double(const LinkParameters&, double)>& rate,
                                   const LinkParameters& link, double low = 1e-3, double high = 1.0);

}  // namespace qkdlab::qkd
