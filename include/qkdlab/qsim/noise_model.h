#pragma once
// A noise model read from JSON (schema in docs/noise_model.md): channels after given gates on given
// qubits, gate durations, per-qubit T1 and T2 with idle noise, and readout errors. noisy_program.h
// applies one to a circuit.

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "qkdlab/qsim/circuit.h"
#include "qkdlab/qsim/kraus_channel.h"

namespace qkdlab::qsim {

struct Relaxation {
    double t1_us = 0;
    double t2_us = 0;
};

// Rows are the prepared state, columns the recorded bit: {{P(0|0), P(1|0)}, {P(0|1), P(1|1)}}.
using ConfusionMatrix = std::array<std::array<double, 2>, 2>;

// Channels that follow every gate named in `gates` (all gates when empty) on the qubits in
// `qubits` (all when empty). A one-qubit channel after a gate on several qubits acts on each.
struct GateNoise {
    std::vector<std::string> gates;
    std::vector<Qubit> qubits;
    KrausChannel channel;
};

class NoiseModel {
  public:
    // Parse JSON text; `source` names it in errors. Malformed JSON is a ParseError (line and
    // column); a field of the wrong type or out of range, or an unknown field, is a ConfigError
    // naming its JSON path (/after_gates/1/channel/p) and what was expected.
    static NoiseModel parse(std::string_view json_text, const std::string& source = "<noise model>");
    static NoiseModel read_file(const std::filesystem::path& path);

    std::span<const GateNoise> gate_noise() const { return gate_noise_; }
    // T1 and T2 of a qubit: its own entry, else the default, else none.
    std::optional<Relaxation> relaxation(Qubit qubit) const;
    // The duration of an operation ("measure", "reset" or a gate name), else the default, else 0.
    double duration_ns(std::string_view operation) const;
    bool idle_noise() const { return idle_noise_; }
    std::optional<ConfusionMatrix> readout(Qubit qubit) const;

  private:
    static NoiseModel parse_json(std::string_view json_text, const std::string& source);

    std::vector<GateNoise> gate_noise_;
    std::map<std::string, Relaxation> relaxation_;  // "default" or a qubit number
    std::map<std::string, double> durations_ns_;    // "default", "measure", "reset" or a gate name
    std::map<std::string, ConfusionMatrix> readout_;
    bool idle_noise_ = false;
};

}  // namespace qkdlab::qsim
