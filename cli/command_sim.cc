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
#include "qkdlab/qsim/noisy_runner.h"
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
    std::optional<std::string> noise;
    std::optional<std::string> method;
    std::string out;
};

struct Run {
    nlohmann::ordered_json result;
    std::ostringstream text;
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

// Exact probabilities, zero entries left out, keyed q[n-1]...q[0].
void write_probabilities(const std::vector<double>& probabilities, std::size_t n, Run& run) {
    nlohmann::ordered_json probs = nlohmann::ordered_json::object();
    for (qsim::Index i = 0; i < probabilities.size(); ++i) {
        if (probabilities[i] == 0) continue;
        probs[basis_key(i, n)] = probabilities[i];
        run.text << basis_key(i, n) << ' ' << probabilities[i] << '\n';
    }
    run.result["probabilities"] = std::move(probs);
}

void write_counts(const qsim::Counts& counts, Run& run) {
    run.result["counts"] = counts;
    for (const auto& [key, count] : counts) run.text << key << ' ' << count << '\n';
}

// The ideal circuit on the state vector.
void simulate_ideal(const SimOptions& options, const qsim::Circuit& circuit, bool want_counts, std::size_t shots,
                    std::uint64_t seed, Run& run) {
    const std::size_t n = circuit.num_qubits();
    qsim::FusionOptions fusion;
    if (options.no_fusion) {
        fusion.merge_single_qubit_gates = false;
        fusion.cache_blocking = false;
    }
    const qsim::CircuitRunner runner(circuit, fusion);
    if (options.probabilities || options.statevector) {
        core::Rng state_rng(seed ^ 0x9e3779b97f4a7c15ull);
        const qsim::StateVector state = runner.final_state(state_rng);
        run.result["final_state_deterministic"] = runner.final_state_is_deterministic();
        if (options.probabilities) write_probabilities(state.probabilities(), n, run);
        if (options.statevector) {
            nlohmann::ordered_json amps_json = nlohmann::ordered_json::object();
            const auto amps = state.amplitudes();
            for (qsim::Index i = 0; i < state.dim(); ++i) {
                amps_json[basis_key(i, n)] = {amps[i].real(), amps[i].imag()};
                run.text << basis_key(i, n) << ' ' << amps[i].real() << ' ' << amps[i].imag() << '\n';
            }
            run.result["statevector"] = std::move(amps_json);
        }
    }
    core::Rng rng(seed);
    if (want_counts) write_counts(runner.counts(shots, rng), run);
    run.result["stats"] = {{"passes_per_run", runner.passes()},
                           {"single_simulation", runner.samples_from_one_simulation()}};
}

// The circuit under a noise model, on the density matrix or by trajectories.
void simulate_noisy(const SimOptions& options, const qsim::Circuit& circuit, bool want_counts, std::size_t shots,
                    std::uint64_t seed, Run& run) {
    const std::size_t n = circuit.num_qubits();
    const std::string model_source = options.noise ? read_input(*options.noise) : "{}";
    const qsim::NoiseModel model = qsim::NoiseModel::parse(model_source, options.noise.value_or("<no noise>"));
    const qsim::NoisyMethod method = !options.method                ? qsim::default_noisy_method(n)
                                     : *options.method == "density" ? qsim::NoisyMethod::density
                                                                    : qsim::NoisyMethod::trajectories;
    if (options.statevector) throw Error("--statevector: a noisy state is a density matrix; use --probabilities");
    if (options.probabilities && method == qsim::NoisyMethod::trajectories) {
        throw Error("--probabilities needs --method density: a trajectory is one random run");
    }
    const qsim::NoisyRunner runner(circuit, model, method);
    run.result["noise"] = {{"file", options.noise ? nlohmann::json(*options.noise) : nlohmann::json(nullptr)},
                           {"source", model_source},
                           {"method", method == qsim::NoisyMethod::density ? "density" : "trajectories"}};
    if (options.probabilities) {
        core::Rng state_rng(seed ^ 0x9e3779b97f4a7c15ull);
        write_probabilities(runner.final_density_matrix(state_rng).probabilities(), n, run);
        run.result["final_state_deterministic"] = runner.exact_distribution();
    }
    core::Rng rng(seed);
    if (want_counts) write_counts(runner.counts(shots, rng), run);
    nlohmann::ordered_json report = nlohmann::ordered_json::array();
    run.text << "# qubit busy_ns idle_ns t1_decay t2_decay fidelity_lost\n";
    for (const qsim::QubitDecoherence& d : runner.program().decoherence) {
        report.push_back({{"qubit", d.qubit},
                          {"busy_ns", d.busy_ns},
                          {"idle_ns", d.idle_ns},
                          {"t1_decay", d.t1_decay},
                          {"t2_decay", d.t2_decay},
                          {"fidelity_lost", d.fidelity_lost}});
        run.text << "# " << d.qubit << ' ' << d.busy_ns << ' ' << d.idle_ns << ' ' << d.t1_decay << ' ' << d.t2_decay
                 << ' ' << d.fidelity_lost << '\n';
    }
    run.result["decoherence"] = std::move(report);
    run.result["stats"] = {{"duration_ns", runner.program().duration_ns},
                           {"exact_distribution", runner.exact_distribution()}};
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
    const bool noisy = options.noise.has_value() || (options.method && *options.method != "statevector");
    if (options.noise && options.method == "statevector") {
        throw Error("--method statevector simulates no noise; use density or trajectories with --noise");
    }
    const std::size_t shots = options.shots.value_or(1024);
    const std::uint64_t seed =
        options.seed ? *options.seed : std::random_device{}() * 0x100000000ull + std::random_device{}();

    Run run;
    run.result["schema"] = SIM_SCHEMA;
    run.result["input"] = {{"file", options.file},
                           {"source", source},
                           {"num_qubits", n},
                           {"num_clbits", circuit.num_clbits()},
                           {"num_operations", circuit.operations().size()}};
    run.result["config"] = {{"shots", want_counts ? nlohmann::json(shots) : nlohmann::json(nullptr)},
                            {"seed", seed},
                            {"probabilities", options.probabilities},
                            {"statevector", options.statevector},
                            {"fusion", !options.no_fusion},
                            {"method", noisy ? nlohmann::json(nullptr) : nlohmann::json("statevector")}};
    if (noisy) {
        simulate_noisy(options, circuit, want_counts, shots, seed, run);
        run.result["config"]["method"] = run.result["noise"]["method"];
    } else {
        simulate_ideal(options, circuit, want_counts, shots, seed, run);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    run.result["stats"]["peak_rss_mib"] = peak_rss_mib();
    run.result["stats"]["run_time_s"] = seconds;

    write_output(options.out, options.json ? run.result.dump(2) + "\n" : run.text.str(), io.out);
    io.err << "qkdlab sim: " << n << " qubits, " << circuit.operations().size() << " operations, seed " << seed << ", "
           << seconds << " s, peak RSS " << peak_rss_mib() << " MiB\n";
    return EXIT_OK;
}

}  // namespace

Command add_sim_command(CLI::App& app) {
    auto options = std::make_shared<SimOptions>();
    CLI::App* sim = app.add_subcommand("sim", "Run an OpenQASM 2.0 circuit, ideal or under a noise model");
    sim->add_option("file", options->file, "OpenQASM 2.0 file")->required()->check(CLI::ExistingFile);
    sim->add_option("--shots", options->shots, "Shots to sample (default 1024 when no other output is asked for)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
    sim->add_option("--seed", options->seed, "Seed of the generator; the same seed gives the same output");
    sim->add_flag("--probabilities", options->probabilities,
                  "The exact distribution of the final state before terminal measurements (keys q[n-1]...q[0])");
    sim->add_flag("--statevector", options->statevector, "The final state's amplitudes (at most 20 qubits)");
    sim->add_flag("--json", options->json, "Write a JSON result with schema, input, config, seed and figures");
    sim->add_flag("--no-fusion", options->no_fusion, "One pass over the state per gate (for comparison)");
    sim->add_option("--noise", options->noise, "Noise model, JSON (docs/noise_model.md)")->check(CLI::ExistingFile);
    sim->add_option("--method", options->method,
                    "statevector (ideal, the default without --noise), density or trajectories (with --noise, the "
                    "default is density up to 10 qubits)")
        ->check(CLI::IsMember({"statevector", "density", "trajectories"}));
    sim->add_option("--out", options->out, "Write the result to this file instead of stdout");
    return {sim, [options](Streams io) { return run_sim(*options, io); }};
}

}  // namespace qkdlab::cli
