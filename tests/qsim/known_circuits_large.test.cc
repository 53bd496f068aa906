// Known outcomes of the QASMBench circuits too large for an instrumented build (a 27-qubit state
// is 2 GiB: 10 s in Release, ~95 s under AddressSanitizer): labelled heavy, they run in Release
// only (scripts/test.sh). The others are in known_circuits.test.cc.

#include <gtest/gtest.h>

#include <complex>

#include "qkdlab/qsim/run.h"
#include "support.h"

namespace qkdlab::qsim {
namespace {

using testing::final_state;
using testing::qasmbench;

constexpr double EXACT = 1e-9;

// W state: ry(-t) q[k]; cz q[k+1],q[k]; ry(t) q[k] turns q[k] to cos t |0> + sin t |1> when q[k+1]
// is 1, with t = acos(sqrt(1/m)) for m = 27, 26, ..., 2, and the cx chain then leaves a single 1.
// Each one-hot state has probability 1/27; the file's angles have 7 or 8 digits, which moves each
// probability by less than 2e-8.
TEST(known_circuits, wstate_n27_is_an_equal_superposition_of_one_hot_states) {
    const StateVector state = final_state(qasmbench("wstate_n27.qasm"));
    double one_hot = 0;
    for (unsigned k = 0; k < 27; ++k) {
        const double p = std::norm(state.amplitude(Index{1} << k));
        EXPECT_NEAR(p, 1.0 / 27, 1e-6) << "qubit " << k;
        one_hot += p;
    }
    EXPECT_NEAR(one_hot, 1.0, EXACT);
}

}  // namespace
}  // namespace qkdlab::qsim
