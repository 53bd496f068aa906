#pragma once
// The asymptotic key rate of a link in closed form (no sampling), as `qkdlab rate` sweeps it:
// bb84 (GLLP without decoys, or an ideal single-photon source), decoy_bb84 (infinitely many decoys,
// or vacuum + weak, MQZL 2005), bbm92 (Ma, Fung and Lo 2007) and e91 (Acin et al. 2007, with S and
// the QBER of the same SPDC model). The signal intensity (or mean pair number) is optimised with
// GSL's minimiser unless the caller keeps the link's.

#include <vector>

#include "qkdlab/qkd/link.h"

namespace qkdlab::qkd {

// infinite: infinitely many decoys (Y1 and e1 known exactly). vacuum_weak: the link's own finite
// decoys, vacuum + weak (the weakest non-zero decoy, MQZL eqs. 34 and 37) when it sends a vacuum, else
// its two weak decoys (MQZL's general decoy method, which needs mu > nu1 + nu2).
enum class DecoyAnalysis { infinite, vacuum_weak };

struct RatePoint {
    double key_rate_per_pulse = 0;  // secret bits per pulse sent, >= 0
    double key_rate_bps = 0;        // key_rate_per_pulse * clock_hz
    double qber = 0;                // of the signal intensity; entangled: over the key settings
    double gain = 0;                // of the signal intensity; entangled: coincidences per pulse
    // The mean photon numbers used: the signal first, then the decoys (vacuum + weak: the weak one;
    // two weak decoys: nu1, nu2); single photon: {1}; entangled: {mean pair number}.
    std::vector<double> intensities;
};

// protocol bb84 on a weak coherent source uses its first intensity; on a single-photon source, the
// single-photon rate. Throws ConfigError if the protocol does not fit the source.
RatePoint analytic_rate(const Link& link, Protocol protocol, DecoyAnalysis decoys, bool optimise_intensity);

}  // namespace qkdlab::qkd
