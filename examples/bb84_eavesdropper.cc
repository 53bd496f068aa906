// BB84 with and without an eavesdropper, for teaching: Eve intercepts a growing share f of the
// photons, measures each in a random basis and resends what she saw. Where she guessed the basis
// wrong (half the time) Bob's sifted bit is wrong half the time, so the QBER rises by f/4 (from
// e_d to e_d + f (1/4 - e_d / 2) with an ideal single-photon source), the key rate falls and
// vanishes near f = 0.4, and the parties see the attack. Every photon is a qsim qubit (qubit mode).
// Prints a CSV, one row per f: the measured QBER with its standard error, the exact expectation,
// the key rate and whether the attack shows.
//
//   build/examples/bb84_eavesdropper > bb84_eavesdropper.csv

#include <cstdio>
#include <exception>

#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/detection_model.h"
#include "qkdlab/qkd/emulation.h"
#include "qkdlab/qkd/link_estimate.h"

int main() {
    using namespace qkdlab::qkd;
    try {
        Link link;
        link.name = "bb84-teaching";
        link.protocol = Protocol::bb84;
        link.source.kind = SourceKind::single_photon;
        link.channel = {ChannelKind::fibre, 10.0, 0.2, 0.0, 0.01};
        link.detectors = {0.5, 1e-6, 0.0, 0.0, BasisChoice::active};
        link.clock_hz = 1e6;
        link.eve.kind = AttackKind::intercept_resend;
        qkdlab::core::Rng rng(2026);
        std::printf("eve_fraction,qber,qber_sigma,expected_qber,key_rate_per_pulse,eve_known_fraction,attack_detected\n");
        for (int step = 0; step <= 4; ++step) {
            link.eve.fraction = step / 4.0;
            const RawRecords records = emulate(link, Fidelity::qubit, 200000, rng);
            const LinkEstimate estimate = estimate_link(link, records);
            const double expected = expected_statistics(link).intensities[0].qber;
            std::printf("%.2f,%.5f,%.5f,%.5f,%.6g,%.4f,%d\n", link.eve.fraction, estimate.qber,
                        estimate.intensities[0].qber_sigma, expected, estimate.key_rate_per_pulse,
                        estimate.eve_known_fraction, estimate.attack_detected ? 1 : 0);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bb84_eavesdropper: %s\n", e.what());
        return 1;
    }
    return 0;
}
