// E91's CHSH test, for teaching: an entangled-pair source between Alice and Bob, each choosing one
// of three analyser angles per pulse. The matching settings give the key; the others give the CHSH
// value S = E(0, 22.5) - E(0, 67.5) + E(45, 22.5) + E(45, 67.5), which is 2 sqrt 2 for perfect pairs
// and falls as 2 sqrt 2 V with the visibility V = 1 - 2 e_d as misalignment rises. Below S = 2 the
// correlations have a local explanation and no device-independent key is left (Acin et al. 2007).
// Prints a CSV, one row per misalignment: S emulated (photon mode) with its standard error, the
// exact expectation of the link model and 2 sqrt 2 V, and the key rate.
//
//   build/examples/e91_chsh > e91.csv

#include <cmath>
#include <cstdio>
#include <exception>

#include "qkdlab/core/rng.h"
#include "qkdlab/qkd/detection_model.h"
#include "qkdlab/qkd/emulation.h"
#include "qkdlab/qkd/link_estimate.h"

int main() {
    using namespace qkdlab::qkd;
    try {
        Link link = link_preset("entangled-50km");
        link.protocol = Protocol::e91;
        link.channel.length_km = 10;
        link.source.position_km = 5;
        link.source.mean_pair_number = 0.01;
        link.detectors.dark_count_probability = 1e-7;
        qkdlab::core::Rng rng(91);
        std::printf("misalignment,visibility,chsh,chsh_sigma,expected_chsh,two_sqrt2_v,key_rate_per_pulse\n");
        for (int step = 0; step <= 10; ++step) {
            link.channel.misalignment = 0.025 * step;
            const double visibility = 1 - 2 * link.channel.misalignment;
            const RawRecords records = emulate(link, Fidelity::photon, 400'000'000, rng);
            const LinkEstimate estimate = estimate_link(link, records);
            std::printf("%.3f,%.3f,%.5f,%.5f,%.5f,%.5f,%.6g\n", link.channel.misalignment, visibility, estimate.chsh,
                        estimate.chsh_sigma, expected_statistics(link).chsh, 2 * std::sqrt(2.0) * visibility,
                        estimate.key_rate_per_pulse);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "e91_chsh: %s\n", e.what());
        return 1;
    }
    return 0;
}
