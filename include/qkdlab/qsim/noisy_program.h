#pragma once
// A circuit with its noise: add_noise schedules a Circuit as soon as possible under a NoiseModel and
// lists the circuit's operations together with the channels the model adds, so that every idle
// stretch of a qubit gets the thermal relaxation of its length; and it reports, per qubit, the
// decoherence it went through.

#include <optional>
#include <vector>

#include "qkdlab/qsim/circuit.h"
#include "qkdlab/qsim/kraus_channel.h"
#include "qkdlab/qsim/noise_model.h"

namespace qkdlab::qsim {

// What a qubit went through in a scheduled noisy circuit.
struct QubitDecoherence {
    Qubit qubit = 0;
    double busy_ns = 0;   // in gates, measurements and resets
    double idle_ns = 0;   // waiting, with thermal relaxation applied when the model has T1 and T2
    double t1_decay = 1;  // exp(-idle / T1): what is left of an excited population
    double t2_decay = 1;  // exp(-idle / T2): what is left of a coherence
    // 1 - the average fidelity of the relaxation it went through idling: 1/2 + e^{-t/T2}/3 + e^{-t/T1}/6.
    double fidelity_lost = 0;
};

// One step of a noisy program: an operation of the circuit, or a channel the noise model adds.
struct NoisyStep {
    std::optional<Operation> operation;
    std::optional<KrausChannel> channel;
    std::vector<Qubit> qubits;           // of the channel
    std::optional<Condition> condition;  // the operation's; a channel after it shares it
    double start_ns = 0;
};

struct NoisyProgram {
    std::vector<NoisyStep> steps;
    std::vector<QubitDecoherence> decoherence;  // one per qubit
    double duration_ns = 0;
};

// Schedules the circuit as soon as possible (an operation starts when its qubits are free and the
// register it is conditioned on has been written) and adds the model's channels: after each gate
// its gate noise, before each operation the relaxation of the idle time of each of its qubits,
// and at the end the relaxation of every qubit up to the end of the circuit. Barriers align
// their qubits.
NoisyProgram add_noise(const Circuit& circuit, const NoiseModel& model);

}  // namespace qkdlab::qsim
