// A Bell pair under rising noise, for teaching: fidelity, entanglement and the CHSH test.
//
// Both qubits of (|00> + |11>)/sqrt(2) go through a depolarizing channel of strength p. The pair
// becomes the Werner state v |Phi+><Phi+| + (1 - v) I/4 with visibility v = (1 - p)^2: its fidelity
// with the Bell state (1 + 3v)/4 falls, its concurrence (3v - 1)/2 reaches 0 once it stops being
// entangled (v <= 1/3), and its best CHSH value 2 sqrt(2) v drops below the classical bound 2 at
// v = 1/sqrt(2) (Horodecki criterion). Prints a CSV, one row per p.
//
//   build/examples/noisy_bell > noisy_bell.csv

#include <cstdio>
#include <exception>

#include "qkdlab/qsim/density_matrix.h"
#include "qkdlab/qsim/measures.h"

int main() {
    using namespace qkdlab::qsim;
    try {
        const Qubit q0[] = {0}, q1[] = {1}, pair[] = {0, 1};
        StateVector bell(2);
        bell.apply_gate(GateKind::h, q0);
        bell.apply_gate(GateKind::cx, pair);
        std::printf("p,fidelity,concurrence,negativity,chsh,violates_chsh\n");
        for (int step = 0; step <= 20; ++step) {
            const double p = step / 20.0;
            DensityMatrix rho(bell);
            rho.apply_channel(KrausChannel::depolarizing(p), q0);
            rho.apply_channel(KrausChannel::depolarizing(p), q1);
            const Matrix m = rho.to_matrix();
            const ChshSettings chsh = max_chsh(m);
            std::printf("%.2f,%.6f,%.6f,%.6f,%.6f,%s\n", p, rho.fidelity(bell), concurrence(m), negativity(m),
                        chsh.value, chsh.value > 2 ? "yes" : "no");
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "noisy_bell: %s\n", e.what());
        return 2;
    }
}
