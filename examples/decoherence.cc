// Decoherence of an idle qubit, for teaching: T1 (energy relaxation) and T2 (loss of phase).
//
// A qubit prepared in |1> and left idle for a time t is found in |1> with probability exp(-t/T1);
// a qubit prepared in |+> keeps the coherence <X> = exp(-t/T2). This program idles both on a
// density matrix under qkdlab's thermal-relaxation channel for a sweep of times and prints a CSV
// with the simulated values beside the closed forms; examples/decoherence.gp plots it.
//
//   build/examples/decoherence [t1_us] [t2_us] > decoherence.csv
//   gnuplot -e "csv='decoherence.csv'; svg='decoherence.svg'" examples/decoherence.gp

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "qkdlab/qsim/density_matrix.h"

int main(int argc, char** argv) {
    using namespace qkdlab::qsim;
    try {
        const double t1_us = argc > 1 ? std::atof(argv[1]) : 100.0;
        const double t2_us = argc > 2 ? std::atof(argv[2]) : 70.0;
        const Qubit q[] = {0};
        std::printf("t_us,p1_simulated,p1_exp_t_over_t1,coherence_simulated,coherence_exp_t_over_t2\n");
        for (int step = 0; step <= 50; ++step) {
            const double t_us = 5 * t1_us * step / 50.0;
            const KrausChannel idle = KrausChannel::thermal_relaxation(t1_us, t2_us, t_us);
            DensityMatrix excited(1), plus(1);
            excited.apply_gate(GateKind::x, q);
            excited.apply_channel(idle, q);
            plus.apply_gate(GateKind::h, q);
            plus.apply_channel(idle, q);
            std::printf("%g,%.9f,%.9f,%.9f,%.9f\n", t_us, excited.probability_one(0), std::exp(-t_us / t1_us),
                        plus.expectation(PauliString::parse("X")), std::exp(-t_us / t2_us));
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "decoherence: %s\n", e.what());
        return 2;
    }
}
