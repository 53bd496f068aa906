// Prepares a Bell pair through the installed qkdlab::qsim and checks its statistics.
#include <cmath>
#include <cstdio>

#include "qkdlab/qsim/circuit_library.h"
#include "qkdlab/qsim/fusion.h"

int main() {
    using namespace qkdlab::qsim;
    StateVector psi(2);
    FusedProgram(ghz_circuit(2).operations(), 2).run(psi);
    const double zz = psi.expectation(PauliString::parse("ZZ"));
    const double p11 = std::norm(psi.amplitude(3));
    std::printf("<ZZ> = %.15f, P(11) = %.15f\n", zz, p11);
    return std::abs(zz - 1) < 1e-12 && std::abs(p11 - 0.5) < 1e-12 ? 0 : 1;
}
