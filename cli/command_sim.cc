// qkdlab sim FILE.qasm: run an OpenQASM 2.0 circuit on the state-vector simulator.

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <random>
#include <sstream>

#include "cli/cli.h"
#include "cli/command.h"
#include "cli/files.h"
#include "qkdlab/core/error.h"
#include "qkdlab/qsim/qasm.h"
#include "qkdlab/qsim/run.h"

namespace qkdlab::cli {
namespace {

constexpr const char* SIM_SCHEMA = "qkdlab.sim/1";
constexpr unsigned MAX_STATEVECTOR_OUTPUT_QUBITS = 20;

struct SimOptions {
    std::string file;
    std::optional<std::size_t> shots;
    std::optional<std::uint64_t> seed;
    bool probabilities = false;
    bool statevector = false;
    bool json = false;
    bool no_fusion = false;
    std::string out;
};

// The process's peak resident memory so far.
double peak_rss_mib() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

std::string basis_key(qsim::Index index, std::size_t num_qubits) {
    std::string key(num_qubits, '0');
    for (std::size_t q = 0; q < num_qubits; ++q)
        if ((index >> q) & 1) key[num_qubits - 1 - q] = '1';
    return key;
}

int run_sim(const SimOptions& options, Streams io) {
    const auto start = std::chrono::steady_clock::now();
    const std::string source = read_input(options.file);
    const qsim::Circuit circuit = qsim::read_qasm_file(options.file);
    const std::size_t n = circuit.num_qubits();
    if (options.statevector && n > MAX_STATEVECTOR_OUTPUT_QUBITS) {
        throw Error("--statevector: the circuit has " + std::to_string(n) +
                    " qubits; the amplitudes are printed for at most " + std::to_string(MAX_STATEVECTOR_OUTPUT_QUBITS));
    }
    const bool want_counts = options.shots.has_value() || (!options.probabilities && !options.statevector);
    if (want_counts && circuit.num_clbits() == 0) {
        throw Error(options.file + ": the circuit has no classical bits, so shots have nothing to count; use " +
                    "--probabilities or --statevector for its final state");
    }
    const std::size_t shots = options.shots.value_or(1024);
    const std::uint64_t seed =
        options.seed ? *options.seed : std::random_device{}() * 0x100000000ull + std::random_device{}();
    core::Rng rng(seed);

    qsim::FusionOptions fusion;
    if (options.no_fusion) {
        fusion.merge_single_qubit_gates = false;
        fusion.cache_blocking = false;
    }
    const qsim::CircuitRunner runner(circuit, fusion);

    nlohmann::ordered_json result;
    result["schema"] = SIM_SCHEMA;
    result["input"] = {{"file", options.file},
                       {"source", source},
                       {"num_qubits", n},
                       {"num_clbits", circuit.num_clbits()},
                       {"num_operations", circuit.operations().size()}};
    result["config"] = {{"shots", want_counts ? nlohmann::json(shots) : nlohmann::json(nullptr)},
                        {"seed", seed},
                        {"probabilities", options.probabilities},
                        {"statevector", options.statevector},
                        {"fusion", !options.no_fusion}};
    std::ostringstream text;
    if (options.probabilities || options.statevector) {
        core::Rng state_rng(seed ^ 0x9e3779b97f4a7c15ull);
        const qsim::StateVector state = runner.final_state(state_rng);
        result["final_state_deterministic"] = runner.final_state_is_deterministic();
        if (options.probabilities) {
            nlohmann::ordered_json probs = nlohmann::ordered_json::object();
            const auto amps = state.amplitudes();
            for (qsim::Index i = 0; i < state.dim(); ++i) {
                const double p = std::norm(amps[i]);
                if (p == 0) continue;
                probs[basis_key(i, n)] = p;
                text << basis_key(i, n) << ' ' << p << '\n';
            }
            result["probabilities"] = std::move(probs);
        }
        if (options.statevector) {
            nlohmann::ordered_json amps_json = nlohmann::ordered_json::object();
            const auto amps = state.amplitudes();
            for (qsim::Index i = 0; i < state.dim(); ++i) {
                amps_json[basis_key(i, n)] = {amps[i].real(), amps[i].imag()};
                text << basis_key(i, n) << ' ' << amps[i].real() << ' ' << amps[i].imag() << '\n';
            }
            result["statevector"] = std::move(amps_json);
        }
    }
    if (want_counts) {
        const qsim::Counts counts = runner.counts(shots, rng);
        result["counts"] = counts;
        for (const auto& [key, count] : counts) text << key << ' ' << count << '\n';
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result["stats"] = {{"passes_per_run", runner.passes()},
                       {"peak_rss_mib", peak_rss_mib()},
                       {"single_simulation", runner.samples_from_one_simulation()},
                       {"run_time_s", seconds}};

    write_output(options.out, options.json ? result.dump(2) + "\n" : text.str(), io.out);
    io.err << "qkdlab sim: " << n << " qubits, " << circuit.operations().size() << " operations, seed " << seed << ", "
           << seconds << " s, peak RSS " << peak_rss_mib() << " MiB\n";
    return EXIT_OK;
}

}  // namespace

Command add_sim_command(CLI::App& app) {
    auto options = std::make_shared<SimOptions>();
    CLI::App* sim = app.add_subcommand("sim", "Run an OpenQASM 2.0 circuit on the state-vector simulator");
    sim->add_option("file", options->file, "OpenQASM 2.0 file")->required()->check(CLI::ExistingFile);
    sim->add_option("--shots", options->shots, "Shots to sample (default 1024 when no other output is asked for)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
    sim->add_option("--seed", options->seed, "Seed of the generator; the same seed gives the same output");
    sim->add_flag("--probabilities", options->probabilities,
                  "The exact distribution of the final state before terminal measurements (keys q[n-1]...q[0])");
    sim->add_flag("--statevector", options->statevector, "The final state's amplitudes (at most 20 qubits)");
    sim->add_flag("--json", options->json, "Write a JSON result with schema, input, config, seed and figures");
    sim->add_flag("--no-fusion", options->no_fusion, "One pass over the state per gate (for comparison)");
    sim->add_option("--out", options->out, "Write the result to this file instead of stdout");
    return {sim, [options](Streams io) { return run_sim(*options, io); }};
}

}  // namespace qkdlab::cli
