// Key rate against distance, for teaching: decoy-state BB84 with weak coherent pulses against BB84
// with an ideal single-photon source, on the GYS link (Gobby, Yuan and Shields 2004, with the
// parameters of Ma, Qi, Zhao and Lo 2005). All rates are closed forms (no sampling) per pulse sent,
// each with its signal intensity optimised: decoy BB84 with infinitely many decoys and with vacuum +
// weak decoys (nu = 0.05), BB84 with weak pulses and no decoys (GLLP, which dies near 30 km), and
// the single-photon source, which goes farthest because no multi-photon pulse leaks to Eve.
// Prints a CSV, one row per distance; examples/decoy_vs_single_photon.gp draws it.
//
//   build/examples/decoy_vs_single_photon > rates.csv
//   gnuplot -e "csv='rates.csv'; svg='rates.svg'" examples/decoy_vs_single_photon.gp

#include <cstdio>
#include <exception>

#include "qkdlab/qkd/analytic_rate.h"

int main() {
    using namespace qkdlab::qkd;
    try {
        const Link gys = link_preset("gys-2004");
        Link single = gys;
        single.protocol = Protocol::bb84;
        single.source = Source{SourceKind::single_photon, {}, 0, 0};
        Link no_decoy = gys;
        no_decoy.protocol = Protocol::bb84;
        std::printf("distance_km,decoy_infinite,decoy_vacuum_weak,bb84_no_decoy,single_photon\n");
        for (int km = 0; km <= 200; km += 2) {
            Link decoy_link = gys, single_link = single, plain_link = no_decoy;
            decoy_link.channel.length_km = single_link.channel.length_km = plain_link.channel.length_km = km;
            const double infinite = analytic_rate(decoy_link, Protocol::decoy_bb84, DecoyAnalysis::infinite, true).key_rate_per_pulse;
            const double weak = analytic_rate(decoy_link, Protocol::decoy_bb84, DecoyAnalysis::vacuum_weak, true).key_rate_per_pulse;
            const double plain = analytic_rate(plain_link, Protocol::bb84, DecoyAnalysis::infinite, true).key_rate_per_pulse;
            const double ideal = analytic_rate(single_link, Protocol::bb84, DecoyAnalysis::infinite, false).key_rate_per_pulse;
            std::printf("%d,%.6e,%.6e,%.6e,%.6e\n", km, infinite, weak, plain, ideal);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "decoy_vs_single_photon: %s\n", e.what());
        return 1;
    }
    return 0;
}
