#pragma once
// Running a circuit under a noise model. Two engines:
//  - density: the density matrix through every gate and channel. When every measurement is
//    terminal and none comes before another random event, the exact distribution of the measured
//    bits (readout errors included) is computed once and the shots are sampled from it; otherwise
//    each shot runs through with sampled measurement outcomes.
//  - trajectories: each shot is one quantum trajectory of the state vector, every channel
//    unravelled into a sampled Kraus branch; for circuits too large for a density matrix.
// Readout errors flip each recorded bit with the probability its confusion matrix gives.

#include <cstddef>
#include <string>

#include "qkdlab/core/rng.h"
#include "qkdlab/qsim/circuit.h"
#include "qkdlab/qsim/density_matrix.h"
#include "qkdlab/qsim/noise_model.h"
#include "qkdlab/qsim/noisy_program.h"
#include "qkdlab/qsim/run.h"

namespace qkdlab::qsim {

enum class NoisyMethod { density, trajectories };

// The density matrix up to this many qubits (16 * 4^10 bytes = 16 MiB), trajectories above.
inline constexpr unsigned DENSITY_DEFAULT_MAX_QUBITS = 10;
NoisyMethod default_noisy_method(std::size_t num_qubits);

class NoisyRunner {
  public:
    // Throws qkdlab::Error if the density method is asked for more than MAX_DENSITY_MATRIX_QUBITS.
    NoisyRunner(const Circuit& circuit, const NoiseModel& model, NoisyMethod method);

    NoisyMethod method() const { return method_; }
    const NoisyProgram& program() const { return program_; }
    // True when the density engine computes the distribution once for all shots.
    bool exact_distribution() const;

    Counts counts(std::size_t shots, core::Rng& rng) const;
    // The density matrix just before the terminal measurements (density method; one random run
    // if measurements come earlier).
    DensityMatrix final_density_matrix(core::Rng& rng) const;

  private:
    // Every step in order on `state` (a DensityMatrix or a StateVector trajectory) with sampled
    // outcomes; `before_terminal` leaves out the terminal measurements and what follows them on
    // their qubits. Defined and instantiated in noisy_runner.cc only.
    template <class State>
    ClassicalBits run_steps(State& state, bool before_terminal, core::Rng& rng) const;
    ClassicalBits run_shot(core::Rng& rng) const;
    bool record(Qubit qubit, int outcome, core::Rng& rng) const;  // the bit read out, readout error applied

    Circuit circuit_;
    NoiseModel model_;
    NoisyMethod method_;
    NoisyProgram program_;
    std::vector<bool> terminal_;  // per step: a terminal measurement
    std::vector<bool> skipped_;   // per step: a channel on a qubit after its terminal measurement
    bool random_body_ = false;
};

}  // namespace qkdlab::qsim
