#pragma once
// Running a Circuit on a state vector: mid-circuit measurement, reset and classical control, and
// many shots from one simulation when every measurement is terminal.
//
// The runner splits the circuit into unitary stretches (each a FusedProgram) and the operations
// between them. A measurement is terminal when nothing acts on its qubit afterwards and no later
// condition reads its register; if every measurement is terminal and nothing random comes before
// them, one simulation of the state gives every shot by sampling. Otherwise shots branch: at a
// mid-circuit measurement or reset, the shots still together split binomially between the two
// outcomes, and each branch goes on with its own copy of the state, so a circuit is simulated
// once per distinct history rather than once per shot (copies are bounded by a memory budget).

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "qkdlab/core/rng.h"
#include "qkdlab/qsim/circuit.h"
#include "qkdlab/qsim/fusion.h"
#include "qkdlab/qsim/state_vector.h"

namespace qkdlab::qsim {

// Classical bits, indexed like Circuit's clbits.
using ClassicalBits = std::vector<bool>;

// Counts keyed by bitstrings in Qiskit's order: registers from the last declared to the first,
// separated by spaces, each written from its highest bit to bit 0.
using Counts = std::map<std::string, std::size_t>;

// Qiskit-order key of classical bits (see Counts).
std::string format_clbits(const Circuit& circuit, const ClassicalBits& bits);

class CircuitRunner {
  public:
    // `branch_memory_bytes` bounds the copies of the state that shot branching holds (0: a quarter
    // of physical memory); with room for fewer than one copy, every shot runs from the start.
    // Throws std::runtime_error if the state alone would not fit in physical memory.
    explicit CircuitRunner(const Circuit& circuit, const FusionOptions& options = {},
                           std::size_t branch_memory_bytes = 0);
    CircuitRunner(CircuitRunner&&) noexcept;
    ~CircuitRunner();

    // True when one simulation serves every shot (see above).
    bool samples_from_one_simulation() const;
    // True when the state before the terminal measurements is the same on every run.
    bool final_state_is_deterministic() const;
    // Passes over the state per run of the unitary stretches (after fusion).
    std::size_t passes() const;

    // One run of the whole circuit on `state` (reset to |0...0> first); returns the classical bits.
    ClassicalBits run(StateVector& state, core::Rng& rng) const;
    // The state just before the terminal measurements (one random run if it is not deterministic).
    StateVector final_state(core::Rng& rng) const;
    // `shots` runs, counted by their classical bits.
    Counts counts(std::size_t shots, core::Rng& rng) const;

  private:
    struct Step;
    struct TerminalMeasure {
        Qubit qubit;
        std::size_t clbit;
    };
    ClassicalBits run_body(StateVector& state, core::Rng& rng) const;
    void branch(std::size_t first_step, StateVector& state, ClassicalBits bits, std::size_t shots, unsigned depth,
                core::Rng& rng, Counts& counts) const;
    void count_terminal_samples(const StateVector& state, const ClassicalBits& bits, std::size_t shots, core::Rng& rng,
                                Counts& counts) const;

    Circuit circuit_;
    std::vector<Step> body_;
    std::vector<TerminalMeasure> terminal_;
    bool random_body_ = false;
    unsigned max_copies_ = 0;  // copies of the state that shot branching may hold at once
};

}  // namespace qkdlab::qsim
